//! [`OrderRepository`]: orders, their lines and idempotency keys (R-O1, R-O2), the credit
//! debit (R-O3) and fulfilment (R-O4, R-O5) as single transactions.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::catalog::{ItemRef, Page, PageRequest};
use marketplace_domain::checkout::{
    FulfilmentPlan, IdempotencyKey, KeyedOrder, LinePlan, Order, OrderLine, OrderParts,
    OrderRepository, OrderStatus, PaymentMethod, PaymentRef, PlacedOrder,
};
use marketplace_domain::ids::{OrderId, OrgId, PlanId, UserId};
use marketplace_domain::plan::{BillingInterval, GrantedTrial, PlanCode};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::Purchase;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::convert::{insert_model, item, item_columns, label, money, split_items};
use crate::entities::{bundles, idempotency_keys, order_lines, orders, tools};
use crate::error::{map_db, map_db_for};
use crate::holdings::insert_entitlements;
use crate::ledger::insert_posting;
use crate::purchases::purchase_model;
use crate::tenant::{Scope, commit};

fn order_model(o: &Order) -> orders::Model {
    orders::Model {
        id: o.id().as_uuid(),
        org_id: o.org_id().as_uuid(),
        user_id: o.user_id().as_uuid(),
        status: o.status().as_str().to_owned(),
        payment_method: o.payment_method().as_str().to_owned(),
        total_amount: o.total().amount(),
        currency: o.total().currency().code().to_owned(),
        payment_reference: o.payment().map(|p| p.reference.clone()),
        client_secret: o.payment().and_then(|p| p.client_secret.clone()),
        failure_reason: o.failure_reason().map(str::to_owned),
        refunded_amount: o.refunded().amount(),
        created_at: o.created_at(),
        updated_at: o.updated_at(),
    }
}

/// Orders with their lines, in the order of `models`. Line names are the items' current
/// catalog names: the schema keeps no name snapshot on `order_lines`.
async fn hydrate<C: ConnectionTrait>(
    db: &C,
    models: Vec<orders::Model>,
) -> Result<Vec<Order>, RepoError> {
    const T: &str = "orders";
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.is_in(ids))
        .order_by_asc(order_lines::Column::OrderId)
        .order_by_asc(order_lines::Column::Position)
        .all(db)
        .await
        .map_err(map_db)?;
    let items = lines
        .iter()
        .map(|l| item("order_lines", &l.item_type, l.tool_id, l.bundle_id))
        .collect::<Result<Vec<ItemRef>, RepoError>>()?;
    let (tool_ids, bundle_ids) = split_items(&items);
    let mut names: HashMap<Uuid, String> = HashMap::new();
    if !tool_ids.is_empty() {
        let rows: Vec<(Uuid, String)> = tools::Entity::find()
            .select_only()
            .column(tools::Column::Id)
            .column(tools::Column::Name)
            .filter(tools::Column::Id.is_in(tool_ids))
            .into_tuple()
            .all(db)
            .await
            .map_err(map_db)?;
        names.extend(rows);
    }
    if !bundle_ids.is_empty() {
        let rows: Vec<(Uuid, String)> = bundles::Entity::find()
            .select_only()
            .column(bundles::Column::Id)
            .column(bundles::Column::Name)
            .filter(bundles::Column::Id.is_in(bundle_ids))
            .into_tuple()
            .all(db)
            .await
            .map_err(map_db)?;
        names.extend(rows);
    }
    let mut by_order: HashMap<Uuid, Vec<OrderLine>> = HashMap::new();
    for (l, item) in lines.into_iter().zip(items) {
        let plan = line_plan(&l)?;
        by_order.entry(l.order_id).or_default().push(OrderLine {
            item,
            name: names.get(&item.uuid()).cloned().unwrap_or_default(),
            price_at_purchase: money("order_lines", l.price_at_purchase, &l.currency)?,
            plan,
        });
    }
    models
        .into_iter()
        .map(|m| {
            Ok(Order::restore(OrderParts {
                id: OrderId::from_uuid(m.id),
                org_id: OrgId::from_uuid(m.org_id),
                user_id: UserId::from_uuid(m.user_id),
                status: label::<OrderStatus>(T, &m.status)?,
                payment_method: label::<PaymentMethod>(T, &m.payment_method)?,
                lines: by_order.remove(&m.id).unwrap_or_default(),
                total: money(T, m.total_amount, &m.currency)?,
                refunded: money(T, m.refunded_amount, &m.currency)?,
                payment: m.payment_reference.map(|reference| PaymentRef {
                    reference,
                    client_secret: m.client_secret,
                }),
                failure_reason: m.failure_reason,
                created_at: m.created_at,
                updated_at: m.updated_at,
            }))
        })
        .collect()
}

/// The plan snapshot of a stored line (R-B3); `None` for a line that names no plan.
fn line_plan(l: &order_lines::Model) -> Result<Option<LinePlan>, RepoError> {
    const T: &str = "order_lines";
    let (Some(id), Some(code), Some(interval)) = (l.plan_id, &l.plan_code, &l.billing_interval)
    else {
        return Ok(None);
    };
    let days = u8::try_from(l.trial_days.unwrap_or(0))
        .map_err(|_| crate::error::corrupt(T, "trial days out of range"))?;
    Ok(Some(LinePlan {
        id: PlanId::from_uuid(id),
        code: PlanCode::parse(code).map_err(|e| crate::error::corrupt(T, e))?,
        interval: label::<BillingInterval>(T, interval)?,
        trial: GrantedTrial::restore(days),
    }))
}

async fn one<C: ConnectionTrait>(db: &C, cond: Condition) -> Result<Option<Order>, RepoError> {
    let models = orders::Entity::find()
        .filter(cond)
        .limit(1)
        .all(db)
        .await
        .map_err(map_db)?;
    Ok(hydrate(db, models).await?.into_iter().next())
}

/// Inserts one purchase; a violation of the one-active-purchase indexes names its item.
async fn insert_purchase(tx: &DatabaseTransaction, p: &Purchase) -> Result<(), RepoError> {
    insert_model(tx, purchase_model(p))
        .await
        .map_err(|e| map_db_for(e, Some(p.item())))
}

/// The writes of a fulfilment after the order has moved (R-O4): purchases (one active per
/// item, R-O5), entitlements, one purchase counter per purchase, ledger postings and the
/// bought cart lines, in the caller's transaction, recorded at `now`.
async fn apply_fulfilment(
    tx: &DatabaseTransaction,
    plan: &FulfilmentPlan,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    for p in &plan.purchases {
        insert_purchase(tx, p).await?;
    }
    insert_entitlements(tx, &plan.entitlements).await?;
    for p in &plan.purchases {
        let res = match p.item() {
            ItemRef::Tool(t) => {
                tools::Entity::update_many()
                    .col_expr(
                        tools::Column::PurchaseCount,
                        Expr::col(tools::Column::PurchaseCount).add(1),
                    )
                    .filter(tools::Column::Id.eq(t.as_uuid()))
                    .exec(tx)
                    .await
            }
            ItemRef::Bundle(b) => {
                bundles::Entity::update_many()
                    .col_expr(
                        bundles::Column::PurchaseCount,
                        Expr::col(bundles::Column::PurchaseCount).add(1),
                    )
                    .filter(bundles::Column::Id.eq(b.as_uuid()))
                    .exec(tx)
                    .await
            }
        }
        .map_err(map_db)?;
        if res.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
    }
    for posting in &plan.postings {
        insert_posting(tx, posting, now).await?;
    }
    crate::cart::remove_items(tx, plan.org_id, plan.user_id, &plan.cart_items).await
}

use sea_orm::sea_query::ExprTrait as _;

#[async_trait]
impl OrderRepository for SeaOrmStore {
    async fn find_by_key(
        &self,
        org: OrgId,
        key: &IdempotencyKey,
    ) -> Result<Option<KeyedOrder>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let Some(k) = idempotency_keys::Entity::find()
            .filter(idempotency_keys::Column::OrgId.eq(org.as_uuid()))
            .filter(idempotency_keys::Column::Key.eq(key.as_str()))
            .one(&tx)
            .await
            .map_err(map_db)?
        else {
            commit(tx).await?;
            return Ok(None);
        };
        let order = one(
            &tx,
            Condition::all()
                .add(orders::Column::Id.eq(k.order_id))
                .add(orders::Column::OrgId.eq(org.as_uuid())),
        )
        .await?;
        commit(tx).await?;
        Ok(order.map(|order| KeyedOrder {
            order,
            fingerprint: k.fingerprint,
        }))
    }

    async fn place(&self, placed: &PlacedOrder) -> Result<(), RepoError> {
        let order = &placed.order;
        self.atomically(|| async move {
            let tx = self
                .begin(Scope::Org(order.org_id(), Some(order.user_id())))
                .await?;
            insert_model(&tx, order_model(order))
                .await
                .map_err(map_db)?;
            for (position, line) in (0_i32..).zip(order.lines()) {
                let (item_type, tool_id, bundle_id) = item_columns(line.item);
                let row = order_lines::Model {
                    id: Uuid::now_v7(),
                    order_id: order.id().as_uuid(),
                    org_id: order.org_id().as_uuid(),
                    position,
                    item_type,
                    tool_id,
                    bundle_id,
                    price_at_purchase: line.price_at_purchase.amount(),
                    currency: line.price_at_purchase.currency().code().to_owned(),
                    plan_id: line.plan.as_ref().map(|p| p.id.as_uuid()),
                    plan_code: line.plan.as_ref().map(|p| p.code.as_str().to_owned()),
                    billing_interval: line.plan.as_ref().map(|p| p.interval.as_str().to_owned()),
                    trial_days: line
                        .plan
                        .as_ref()
                        .map(|p| p.trial.map_or(0, |t| i16::from(t.days()))),
                };
                insert_model(&tx, row).await.map_err(map_db)?;
            }
            let key = idempotency_keys::Model {
                org_id: order.org_id().as_uuid(),
                key: placed.key.as_str().to_owned(),
                fingerprint: placed.fingerprint.clone(),
                order_id: order.id().as_uuid(),
                created_at: order.created_at(),
            };
            insert_model(&tx, key).await.map_err(map_db)?;
            if let Some(debit) = placed.credit_debit {
                crate::orgs::debit_credits(&tx, order.org_id(), debit, order.created_at()).await?;
            }
            if let Some(plan) = &placed.fulfilment {
                apply_fulfilment(&tx, plan, self.now()).await?;
            }
            commit(tx).await
        })
        .await
    }

    async fn get(&self, org: OrgId, id: OrderId) -> Result<Option<Order>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let order = one(
            &tx,
            Condition::all()
                .add(orders::Column::Id.eq(id.as_uuid()))
                .add(orders::Column::OrgId.eq(org.as_uuid())),
        )
        .await?;
        commit(tx).await?;
        Ok(order)
    }

    async fn find(&self, id: OrderId) -> Result<Option<Order>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let order = one(
            &tx,
            Condition::all().add(orders::Column::Id.eq(id.as_uuid())),
        )
        .await?;
        commit(tx).await?;
        Ok(order)
    }

    async fn find_by_payment(&self, reference: &str) -> Result<Option<Order>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let order = one(
            &tx,
            Condition::all().add(orders::Column::PaymentReference.eq(reference)),
        )
        .await?;
        commit(tx).await?;
        Ok(order)
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<Order>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let total = orders::Entity::find()
            .filter(orders::Column::OrgId.eq(org.as_uuid()))
            .count(&tx)
            .await
            .map_err(map_db)?;
        let models = orders::Entity::find()
            .filter(orders::Column::OrgId.eq(org.as_uuid()))
            .order_by_desc(orders::Column::CreatedAt)
            .order_by_desc(orders::Column::Id)
            .limit(u64::from(page.limit()))
            .offset(page.offset())
            .all(&tx)
            .await
            .map_err(map_db)?;
        let items = hydrate(&tx, models).await?;
        commit(tx).await?;
        Ok(Page {
            items,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn attach_payment(&self, id: OrderId, payment: &PaymentRef) -> Result<(), RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let res = orders::Entity::update_many()
                .col_expr(
                    orders::Column::PaymentReference,
                    Expr::val(payment.reference.clone()),
                )
                .col_expr(
                    orders::Column::ClientSecret,
                    Expr::val(payment.client_secret.clone()),
                )
                .filter(orders::Column::Id.eq(id.as_uuid()))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if res.rows_affected == 0 {
                return Err(RepoError::NotFound);
            }
            commit(tx).await
        })
        .await
    }

    async fn fulfil(&self, plan: &FulfilmentPlan) -> Result<(), RepoError> {
        self.atomically(|| async move {
            let tx = self
                .begin(Scope::Org(plan.org_id, Some(plan.user_id)))
                .await?;
            let moved = orders::Entity::update_many()
                .col_expr(
                    orders::Column::Status,
                    Expr::val(OrderStatus::Fulfilled.as_str()),
                )
                .col_expr(orders::Column::UpdatedAt, Expr::val(plan.at))
                .filter(orders::Column::Id.eq(plan.order_id.as_uuid()))
                .filter(orders::Column::OrgId.eq(plan.org_id.as_uuid()))
                .filter(orders::Column::Status.is_in([
                    OrderStatus::PendingPayment.as_str(),
                    OrderStatus::Paid.as_str(),
                ]))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if moved.rows_affected == 0 {
                return Err(RepoError::Stale("the order no longer awaits payment"));
            }
            apply_fulfilment(&tx, plan, self.now()).await?;
            commit(tx).await
        })
        .await
    }

    async fn transition(
        &self,
        id: OrderId,
        from: OrderStatus,
        to: OrderStatus,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let reason = &reason;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let mut update = orders::Entity::update_many()
                .col_expr(orders::Column::Status, Expr::val(to.as_str()))
                .col_expr(orders::Column::UpdatedAt, Expr::val(at));
            if let Some(reason) = reason {
                update = update.col_expr(orders::Column::FailureReason, Expr::val(reason.clone()));
            }
            let res = update
                .filter(orders::Column::Id.eq(id.as_uuid()))
                .filter(orders::Column::Status.eq(from.as_str()))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if res.rows_affected == 0 {
                let exists = orders::Entity::find_by_id(id.as_uuid())
                    .count(&tx)
                    .await
                    .map_err(map_db)?
                    > 0;
                return Err(if exists {
                    RepoError::Stale("the order is no longer in the expected status")
                } else {
                    RepoError::NotFound
                });
            }
            commit(tx).await
        })
        .await
    }

    async fn pending_card_orders(&self, before: DateTime<Utc>) -> Result<Vec<Order>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let models = orders::Entity::find()
            .filter(orders::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
            .filter(orders::Column::PaymentMethod.eq(PaymentMethod::CreditCard.as_str()))
            .filter(orders::Column::CreatedAt.lt(before))
            .order_by_asc(orders::Column::CreatedAt)
            .order_by_asc(orders::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        let list = hydrate(&tx, models).await?;
        commit(tx).await?;
        Ok(list)
    }
}
