//! [`AnalyticsRepository`]: the views of each tool's page per month (`tool_views`, added to
//! in batches, R-C6) and, for the reports, the purchases they are compared with (R-C7).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use marketplace_domain::analytics::{AnalyticsRepository, ToolMonthActivity, ViewCount};
use marketplace_domain::catalog::ItemKind;
use marketplace_domain::ids::ToolId;
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::YearMonth;
use marketplace_domain::seller::{month_end, month_start};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement, Value,
};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::entities::purchases;
use crate::error::{corrupt, map_db};
use crate::tenant::{Scope, commit};

const T: &str = "tool_views";

/// Adds one tally to its (tool, month) row, creating it first; a tool that is not (any
/// more) in the catalog adds nothing. `$1` tool, `$2` month, `$3` views.
const ADD_VIEWS: &str = "\
    INSERT INTO tool_views (tool_id, month, views) \
    SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM tools WHERE id = $1) \
    ON CONFLICT (tool_id, month) DO UPDATE SET views = tool_views.views + excluded.views";

const VIEWS_BETWEEN: &str =
    "SELECT tool_id, month, views FROM tool_views WHERE month >= $1 AND month <= $2";

#[async_trait]
impl AnalyticsRepository for SeaOrmStore {
    async fn add_views(&self, counts: &[ViewCount]) -> Result<(), RepoError> {
        let rows = counts
            .iter()
            .map(|c| {
                let views = i64::try_from(c.views).map_err(|e| corrupt(T, e))?;
                Ok([
                    Value::from(c.tool_id.as_uuid()),
                    Value::from(c.month.to_string()),
                    Value::from(views),
                ])
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        self.atomically(|| async {
            // A global table: the tenant pool, no tenant set.
            let tx = self.begin(Scope::Global).await?;
            for values in &rows {
                tx.execute_raw(Statement::from_sql_and_values(
                    self.backend(),
                    ADD_VIEWS,
                    values.clone(),
                ))
                .await
                .map_err(map_db)?;
            }
            commit(tx).await
        })
        .await
    }

    async fn tool_activity(
        &self,
        tools: Option<Vec<ToolId>>,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<Vec<ToolMonthActivity>, RepoError> {
        let only: Option<HashSet<Uuid>> = tools
            .as_ref()
            .map(|ts| ts.iter().map(|t| t.as_uuid()).collect());
        let wanted = |tool: &Uuid| only.as_ref().is_none_or(|o| o.contains(tool));
        // Every org's purchases count: the platform scope.
        let tx = self.begin(Scope::Platform).await?;
        let view_rows = tx
            .query_all_raw(Statement::from_sql_and_values(
                self.backend(),
                VIEWS_BETWEEN,
                [Value::from(from.to_string()), Value::from(to.to_string())],
            ))
            .await
            .map_err(map_db)?;
        let mut query = purchases::Entity::find()
            .select_only()
            .column(purchases::Column::ToolId)
            .column(purchases::Column::CreatedAt)
            .filter(purchases::Column::PurchaseType.eq(ItemKind::Tool.as_str()))
            .filter(purchases::Column::CreatedAt.gte(month_start(from)))
            .filter(purchases::Column::CreatedAt.lt(month_end(to)));
        if let Some(tools) = &tools {
            query =
                query.filter(purchases::Column::ToolId.is_in(tools.iter().map(|t| t.as_uuid())));
        }
        let bought: Vec<(Option<Uuid>, chrono::DateTime<chrono::Utc>)> =
            query.into_tuple().all(&tx).await.map_err(map_db)?;
        commit(tx).await?;

        let mut by_key: HashMap<(Uuid, YearMonth), (u64, u64)> = HashMap::new();
        for row in view_rows {
            let tool: Uuid = row.try_get("", "tool_id").map_err(map_db)?;
            if !wanted(&tool) {
                continue;
            }
            let month: String = row.try_get("", "month").map_err(map_db)?;
            let month = YearMonth::parse(&month).map_err(|e| corrupt(T, e))?;
            let views: i64 = row.try_get("", "views").map_err(map_db)?;
            by_key.entry((tool, month)).or_default().0 =
                u64::try_from(views).map_err(|e| corrupt(T, e))?;
        }
        for (tool, at) in bought {
            let tool =
                tool.ok_or_else(|| corrupt("purchases", "a tool purchase without its tool"))?;
            by_key.entry((tool, YearMonth::of(at))).or_default().1 += 1;
        }
        Ok(by_key
            .into_iter()
            .map(|((tool, month), (views, purchases))| ToolMonthActivity {
                tool_id: ToolId::from_uuid(tool),
                month,
                views,
                purchases,
            })
            .collect())
    }
}
