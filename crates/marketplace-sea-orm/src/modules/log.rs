//! `InstallLog` over `install_attempts` (R-I7).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use marketplace_domain::ids::{OrgId, ToolId, UserId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_modules::installation::AttemptRecord;
use marketplace_modules::installation::ports::InstallLog;
use marketplace_modules::{Attempt, SuccessRate};
use sea_orm::Value;
use uuid::Uuid;

use super::labels::{self, SUCCEEDED};
use super::sql::{execute, get, placeholders, query_all, query_one};
use crate::SeaOrmStore;
use crate::error::corrupt;
use crate::tenant::{Scope, commit};

const ATTEMPTS: &str = "install_attempts";

#[async_trait]
impl InstallLog for SeaOrmStore {
    async fn record(&self, attempts: &[AttemptRecord]) -> Result<(), RepoError> {
        let Some(first) = attempts.first() else {
            return Ok(());
        };
        // The service records one org's attempts at a time; a mixed batch needs the
        // platform scope to pass row-level security.
        let scope = if attempts.iter().all(|a| a.org == first.org) {
            Scope::Org(first.org, Some(first.by))
        } else {
            Scope::Platform
        };
        let tx = self.begin(scope).await?;
        for record in attempts {
            let (outcome, reason) = labels::outcome(&record.attempt.outcome);
            let duration_ms = i64::try_from(record.attempt.duration.as_millis())
                .map_err(|e| corrupt(ATTEMPTS, e))?;
            execute(
                &tx,
                "INSERT INTO install_attempts
                     (id, org_id, tool_id, user_id, kind, outcome, reason, duration_ms, at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    Uuid::new_v4().into(),
                    record.org.as_uuid().into(),
                    record.attempt.module.as_uuid().into(),
                    record.by.as_uuid().into(),
                    labels::attempt_kind(record.attempt.kind).into(),
                    outcome.into(),
                    reason.into(),
                    duration_ms.into(),
                    record.at.into(),
                ],
            )
            .await?;
        }
        commit(tx).await
    }

    async fn success_rates(
        &self,
        tools: &[ToolId],
    ) -> Result<BTreeMap<ToolId, SuccessRate>, RepoError> {
        if tools.is_empty() {
            return Ok(BTreeMap::new());
        }
        // Every org's attempts: the platform scope.
        let tx = self.begin(Scope::Platform).await?;
        let mut values = vec![Value::from(SUCCEEDED)];
        values.extend(tools.iter().map(|t| Value::from(t.as_uuid())));
        let rows = query_all(
            &tx,
            &format!(
                "SELECT tool_id,
                        SUM(CASE WHEN outcome = ? THEN 1 ELSE 0 END) AS succeeded,
                        COUNT(*) AS attempts
                 FROM install_attempts WHERE tool_id IN ({})
                 GROUP BY tool_id",
                placeholders(tools.len())
            ),
            values,
        )
        .await?;
        commit(tx).await?;
        let mut rates = BTreeMap::new();
        for row in rows {
            let tool = ToolId::from_uuid(get::<Uuid>(&row, ATTEMPTS, "tool_id")?);
            let count = |column: &str| -> Result<u64, RepoError> {
                u64::try_from(get::<i64>(&row, ATTEMPTS, column)?).map_err(|e| corrupt(ATTEMPTS, e))
            };
            if let Some(rate) = SuccessRate::new(count("succeeded")?, count("attempts")?) {
                rates.insert(tool, rate);
            }
        }
        Ok(rates)
    }

    async fn attempts(
        &self,
        tool: ToolId,
        page: PageRequest,
    ) -> Result<Page<AttemptRecord>, RepoError> {
        // Every org's attempts on the tool: the platform scope.
        let tx = self.begin(Scope::Platform).await?;
        let total = query_one(
            &tx,
            "SELECT COUNT(*) AS total FROM install_attempts WHERE tool_id = ?",
            vec![tool.as_uuid().into()],
        )
        .await?
        .map_or(Ok(0), |row| get::<i64>(&row, ATTEMPTS, "total"))?;
        let rows = query_all(
            &tx,
            "SELECT org_id, user_id, kind, outcome, reason, duration_ms, at
             FROM install_attempts WHERE tool_id = ?
             ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
            vec![
                tool.as_uuid().into(),
                i64::from(page.limit()).into(),
                i64::try_from(page.offset()).unwrap_or(i64::MAX).into(),
            ],
        )
        .await?;
        commit(tx).await?;
        let items = rows
            .iter()
            .map(|row| {
                let duration = u64::try_from(get::<i64>(row, ATTEMPTS, "duration_ms")?)
                    .map_err(|e| corrupt(ATTEMPTS, e))?;
                Ok(AttemptRecord {
                    org: OrgId::from_uuid(get::<Uuid>(row, ATTEMPTS, "org_id")?),
                    by: UserId::from_uuid(get::<Uuid>(row, ATTEMPTS, "user_id")?),
                    at: get(row, ATTEMPTS, "at")?,
                    attempt: Attempt {
                        module: tool,
                        kind: labels::read_attempt_kind(&get::<String>(row, ATTEMPTS, "kind")?)?,
                        outcome: labels::read_outcome(
                            &get::<String>(row, ATTEMPTS, "outcome")?,
                            get::<Option<String>>(row, ATTEMPTS, "reason")?,
                        )?,
                        duration: Duration::from_millis(duration),
                    },
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}
