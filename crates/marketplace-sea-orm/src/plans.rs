//! [`PlanRepository`]: the plans of the global catalog (no tenant). Quotas and overage
//! prices are one JSON array per plan, decimals as strings so they round-trip exactly on
//! both backends; every plan read is checked again by the domain (R-B1).

use std::collections::HashMap;

use async_trait::async_trait;
use marketplace_domain::catalog::{ItemRef, Tool};
use marketplace_domain::ids::PlanId;
use marketplace_domain::plan::{
    BillingInterval, ItemPlans, MeterKey, OveragePrice, Plan, PlanCode, PlanDraft, PlanName,
    PlanRepository, PlanStatus, ProviderPriceId, Quota, QuotaKind, Quotas, SaleRecord, ToolMeter,
    TrialDays,
};
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_metering::service::ports::Defined;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    Value,
};
use serde_json::json;

use crate::SeaOrmStore;
use crate::catalog::{tag_rows, tool_model};
use crate::convert::{insert_model, insert_row, item, item_columns, label, money, split_items};
use crate::entities::plans;
use crate::error::{corrupt, map_db, map_db_or_missing};
use crate::tenant::{Scope, commit};

const T: &str = "plans";

/// The stored JSON of a plan's quotas: one object per quota, with its overage price.
fn quotas_json(quotas: &Quotas) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = quotas
        .quotas()
        .iter()
        .map(|q| {
            json!({
                "meter": q.meter().as_str(),
                "limit": q.limit().normalize().to_string(),
                "hard": q.kind() == QuotaKind::Hard,
                "overage_unit_price": quotas
                    .overage_price(q.meter())
                    .map(|p| p.normalize().to_string()),
            })
        })
        .collect();
    serde_json::Value::Array(rows)
}

fn decimal(v: &serde_json::Value) -> Result<Decimal, RepoError> {
    v.as_str()
        .ok_or_else(|| corrupt(T, "a quota's number is not a string"))?
        .parse::<Decimal>()
        .map_err(|e| corrupt(T, e))
}

pub(crate) fn to_quotas(v: &serde_json::Value) -> Result<Quotas, RepoError> {
    let rows = v
        .as_array()
        .ok_or_else(|| corrupt(T, "quotas is not an array"))?;
    let mut quotas = Vec::with_capacity(rows.len());
    let mut overage = Vec::new();
    for row in rows {
        let meter = row["meter"]
            .as_str()
            .ok_or_else(|| corrupt(T, "a quota without its meter"))?;
        let meter = MeterKey::parse(meter).map_err(|e| corrupt(T, e))?;
        let kind = match row["hard"].as_bool() {
            Some(true) => QuotaKind::Hard,
            Some(false) => QuotaKind::Soft,
            None => return Err(corrupt(T, "a quota without its kind")),
        };
        let limit = decimal(&row["limit"])?;
        if !serde_json::Value::is_null(&row["overage_unit_price"]) {
            let price = decimal(&row["overage_unit_price"])?;
            overage.push(OveragePrice::new(meter.clone(), price).map_err(|e| corrupt(T, e))?);
        }
        quotas.push(Quota::new(meter, limit, kind).map_err(|e| corrupt(T, e))?);
    }
    Quotas::new(quotas, overage).map_err(|e| corrupt(T, e))
}

fn to_plan(m: plans::Model) -> Result<Plan, RepoError> {
    let bad = |e: marketplace_domain::plan::PlanError| corrupt(T, e);
    let draft = PlanDraft {
        code: PlanCode::parse(&m.code).map_err(bad)?,
        name: PlanName::parse(&m.name).map_err(bad)?,
        price: money(T, m.price_amount, &m.currency)?,
        interval: label::<BillingInterval>(T, &m.billing_interval)?,
        trial_days: TrialDays::new(u32::try_from(m.trial_days).map_err(|e| corrupt(T, e))?)
            .map_err(bad)?,
        quotas: to_quotas(&m.quotas)?,
        provider_price: m
            .provider_price_id
            .as_deref()
            .map(ProviderPriceId::parse)
            .transpose()
            .map_err(bad)?,
    };
    let item = item(T, &m.item_type, m.tool_id, m.bundle_id)?;
    Plan::restore(
        PlanId::from_uuid(m.id),
        item,
        draft,
        label::<PlanStatus>(T, &m.status)?,
    )
    .map_err(bad)
}

fn plan_model(plan: &Plan, position: i32, now: chrono::DateTime<chrono::Utc>) -> plans::Model {
    let (item_type, tool_id, bundle_id) = item_columns(plan.item());
    plans::Model {
        id: plan.id().as_uuid(),
        item_type,
        tool_id,
        bundle_id,
        code: plan.code().as_str().to_owned(),
        name: plan.name().as_str().to_owned(),
        price_amount: plan.price().amount(),
        currency: plan.currency().code().to_owned(),
        billing_interval: plan.interval().as_str().to_owned(),
        trial_days: i16::from(plan.trial_days().days()),
        quotas: quotas_json(plan.quotas()),
        provider_price_id: plan.provider_price().map(|p| p.as_str().to_owned()),
        status: plan.status().as_str().to_owned(),
        position,
        created_at: now,
        updated_at: now,
    }
}

fn item_filter(item: ItemRef) -> sea_orm::Condition {
    match item {
        ItemRef::Tool(t) => sea_orm::Condition::all().add(plans::Column::ToolId.eq(t.as_uuid())),
        ItemRef::Bundle(b) => {
            sea_orm::Condition::all().add(plans::Column::BundleId.eq(b.as_uuid()))
        }
    }
}

fn lineup(item: ItemRef, plans: Vec<Plan>) -> Result<ItemPlans, RepoError> {
    ItemPlans::new(item, plans).map_err(|e| corrupt(T, e))
}

impl SeaOrmStore {
    /// The plans matching `filter`, grouped by item, each item's in display order.
    async fn plans_by_item(
        &self,
        filter: sea_orm::Condition,
    ) -> Result<HashMap<ItemRef, Vec<Plan>>, RepoError> {
        let rows = plans::Entity::find()
            .filter(filter)
            .order_by_asc(plans::Column::Position)
            .order_by_asc(plans::Column::CreatedAt)
            .order_by_asc(plans::Column::Id)
            .all(&self.conn)
            .await
            .map_err(map_db)?;
        let mut by_item: HashMap<ItemRef, Vec<Plan>> = HashMap::new();
        for row in rows {
            let plan = to_plan(row)?;
            by_item.entry(plan.item()).or_default().push(plan);
        }
        Ok(by_item)
    }

    /// Every item's plans, for the in-memory catalog (see [`crate::catalog_memory`]).
    pub(crate) async fn every_lineup(&self) -> Result<Vec<ItemPlans>, RepoError> {
        self.plans_by_item(sea_orm::Condition::all())
            .await?
            .into_iter()
            .map(|(item, plans)| lineup(item, plans))
            .collect()
    }
}

/// Replaces a plan's editable fields in `db`: the one way a plan edit is stored, alone
/// ([`PlanRepository::update_plan`]) or with the tool edit that changes it.
async fn update_plan_in<C: ConnectionTrait>(
    db: &C,
    plan: &Plan,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), RepoError> {
    let m = plan_model(plan, 0, now);
    let res = plans::Entity::update_many()
        .col_expr(plans::Column::Name, Expr::val(m.name))
        .col_expr(plans::Column::PriceAmount, Expr::val(m.price_amount))
        .col_expr(plans::Column::Currency, Expr::val(m.currency))
        .col_expr(
            plans::Column::BillingInterval,
            Expr::val(m.billing_interval),
        )
        .col_expr(plans::Column::TrialDays, Expr::val(m.trial_days))
        .col_expr(plans::Column::Quotas, Expr::val(m.quotas))
        .col_expr(
            plans::Column::ProviderPriceId,
            Expr::val(m.provider_price_id),
        )
        .col_expr(plans::Column::Status, Expr::val(m.status))
        .col_expr(plans::Column::UpdatedAt, Expr::val(m.updated_at))
        .filter(plans::Column::Id.eq(m.id))
        .exec(db)
        .await
        .map_err(map_db)?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(())
}

/// Stores a new plan after its item's others in display order, in `tx`.
async fn insert_plan_in<C: ConnectionTrait>(
    tx: &C,
    plan: &Plan,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), RepoError> {
    let last: Option<Option<i32>> = plans::Entity::find()
        .select_only()
        .column_as(Expr::col(plans::Column::Position).max(), "last")
        .filter(item_filter(plan.item()))
        .into_tuple()
        .one(tx)
        .await
        .map_err(map_db)?;
    let position = last.flatten().map_or(0, |p| p + 1);
    insert_model(tx, plan_model(plan, position, now))
        .await
        .map_err(map_db_or_missing)?;
    Ok(())
}

#[async_trait]
impl PlanRepository for SeaOrmStore {
    async fn item_plans(&self, item: ItemRef) -> Result<ItemPlans, RepoError> {
        Ok(self.plans_of(&[item]).await?.remove(0))
    }

    async fn plans_of(&self, items: &[ItemRef]) -> Result<Vec<ItemPlans>, RepoError> {
        let (tools, bundles) = split_items(items);
        let by_item = self
            .plans_by_item(
                sea_orm::Condition::any()
                    .add(plans::Column::ToolId.is_in(tools))
                    .add(plans::Column::BundleId.is_in(bundles)),
            )
            .await?;
        items
            .iter()
            .map(|i| lineup(*i, by_item.get(i).cloned().unwrap_or_default()))
            .collect()
    }

    async fn insert_plan(&self, plan: &Plan) -> Result<(), RepoError> {
        let now = self.now();
        self.atomically(|| async move {
            let tx = self.begin(Scope::Global).await?;
            insert_plan_in(&tx, plan, now).await?;
            commit(tx).await
        })
        .await
    }

    async fn update_tool_with_plans(
        &self,
        tool: &Tool,
        added: &[Plan],
        changed: &[Plan],
    ) -> Result<(), RepoError> {
        let model = &tool_model(tool)?;
        let now = self.now();
        self.atomically(|| async move {
            let tx = self.begin(Scope::Global).await?;
            crate::catalog::update_tool_in(&tx, tool, model).await?;
            for plan in changed {
                update_plan_in(&tx, plan, now).await?;
            }
            for plan in added {
                insert_plan_in(&tx, plan, now).await?;
            }
            commit(tx).await
        })
        .await
    }

    fn read_model(&self) -> Option<std::sync::Arc<dyn marketplace_domain::plan::PlanReadModel>> {
        self.memory_catalog
            .clone()
            .map(|m| m as std::sync::Arc<dyn marketplace_domain::plan::PlanReadModel>)
    }

    async fn insert_tool_with_plans(
        &self,
        tool: &Tool,
        plans: &[Plan],
        meters: &[ToolMeter],
    ) -> Result<(), RepoError> {
        let model = &tool_model(tool)?;
        let now = self.now();
        self.atomically(|| async move {
            let tx = self.begin(Scope::Global).await?;
            insert_model(&tx, model.clone())
                .await
                .map_err(map_db_or_missing)?;
            for row in tag_rows(tool) {
                insert_row(&tx, row).await.map_err(map_db)?;
            }
            for (position, plan) in (0..).zip(plans) {
                insert_model(&tx, plan_model(plan, position, now))
                    .await
                    .map_err(map_db_or_missing)?;
            }
            // Stored as the meters endpoint stores them (R-U1), in the same transaction.
            for meter in meters {
                match crate::metering::define_in(&tx, tool.id, meter).await? {
                    Defined::New => {}
                    Defined::Existing(same) if same == *meter => {}
                    Defined::Existing(_) => {
                        return Err(RepoError::Conflict(Conflict::Key {
                            table: "tool_meters",
                        }));
                    }
                }
            }
            commit(tx).await
        })
        .await
    }

    async fn update_plan(&self, plan: &Plan) -> Result<(), RepoError> {
        let result = update_plan_in(&self.conn, plan, self.now()).await;
        // A write outside a transaction: counted like a commit, so this replica's
        // in-memory catalog re-reads its version before the next read.
        crate::commits::note();
        result
    }

    async fn sale_record(&self, plan: PlanId) -> Result<SaleRecord, RepoError> {
        // Every org's purchases count: read in the platform scope.
        let tx = self.begin(Scope::Platform).await?;
        let stmt = Statement::from_sql_and_values(
            self.backend(),
            "SELECT 1 AS sold FROM purchases WHERE plan_id = $1 LIMIT 1",
            [Value::from(plan.as_uuid())],
        );
        let found = tx.query_one_raw(stmt).await.map_err(map_db)?;
        commit(tx).await?;
        Ok(if found.is_some() {
            SaleRecord::Sold
        } else {
            SaleRecord::NeverSold
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn quotas_round_trip_through_their_json() {
        let calls = MeterKey::parse("api_calls").unwrap();
        let rows = MeterKey::parse("rows").unwrap();
        let quotas = Quotas::new(
            vec![
                Quota::new(calls.clone(), dec!(10000), QuotaKind::Soft).unwrap(),
                Quota::new(rows, dec!(2.5), QuotaKind::Hard).unwrap(),
            ],
            vec![OveragePrice::new(calls, dec!(0.0005)).unwrap()],
        )
        .unwrap();
        let stored = quotas_json(&quotas);
        assert_eq!(stored[0]["overage_unit_price"], "0.0005");
        assert!(serde_json::Value::is_null(&stored[1]["overage_unit_price"]));
        assert_eq!(to_quotas(&stored).unwrap(), quotas);
    }

    #[test]
    fn a_quota_of_unknown_shape_is_corrupt() {
        for bad in [
            json!({}),
            json!([{"meter": "rows"}]),
            json!([{"meter": "Rows", "limit": "1", "hard": true}]),
        ] {
            assert!(
                matches!(to_quotas(&bad), Err(RepoError::Corrupt { .. })),
                "{bad}"
            );
        }
    }
}
