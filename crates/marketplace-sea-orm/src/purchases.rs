//! [`PurchaseRepository`]: purchases with their recurring periods (R-R*), their end by
//! cancellation, expiry or refund (R-E2), and refunds with their ledger postings (R-M5).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::checkout::{OrderStatus, PaymentMethod};
use marketplace_domain::entitlement::Entitlement;
use marketplace_domain::ids::{OrderId, OrgId, PlanId, PurchaseId, UserId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::{
    Billing, Interval, Period, PlanSwitch, Purchase, PurchaseEnd, PurchaseFilter, PurchaseParts,
    PurchaseRepository, PurchaseStatus, RefundPlan,
};
use marketplace_domain::revenue::Posting;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::SeaOrmStore;
use crate::convert::{item, item_columns, label, money};
use crate::entities::{entitlements, orders, purchases};
use crate::error::{corrupt, map_db};
use crate::holdings::{insert_entitlements, to_entitlement};
use crate::ledger::{insert_posting, postings_of};
use crate::orgs::{add_rounded, credit_back};
use crate::tenant::{Scope, commit};

/// The `billing` of a one-time purchase; a recurring one stores its [`Interval`]'s label.
pub(crate) const ONE_TIME: &str = "ONE_TIME";

pub(crate) fn purchase_model(p: &Purchase) -> purchases::Model {
    let (purchase_type, tool_id, bundle_id) = item_columns(p.item());
    let (billing, period_start, period_end, auto_renew) = match *p.billing() {
        Billing::OneTime => (ONE_TIME, None, None, false),
        Billing::Recurring {
            interval,
            period,
            auto_renew,
        } => (
            interval.as_str(),
            Some(period.start()),
            Some(period.end()),
            auto_renew,
        ),
    };
    purchases::Model {
        id: p.id().as_uuid(),
        org_id: p.org_id().as_uuid(),
        user_id: p.user_id().as_uuid(),
        order_id: p.order_id().as_uuid(),
        purchase_type,
        tool_id,
        bundle_id,
        amount: p.amount().amount(),
        currency: p.amount().currency().code().to_owned(),
        payment_method: p.payment_method().as_str().to_owned(),
        status: p.status().as_str().to_owned(),
        refunded_amount: p.refunded().amount(),
        billing: billing.to_owned(),
        period_start,
        period_end,
        auto_renew,
        provider_subscription_id: p.subscription_ref().map(str::to_owned),
        plan_id: p.plan().map(|plan| plan.as_uuid()),
        trial_ends_at: p.trial_ends(),
        scheduled_plan_id: p.scheduled_plan().map(|plan| plan.as_uuid()),
        created_at: p.created_at(),
        updated_at: p.ended_at().unwrap_or(p.created_at()),
        cancelled_at: (p.status() == PurchaseStatus::Cancelled)
            .then_some(p.ended_at())
            .flatten(),
        ended_at: p.ended_at(),
    }
}

pub(crate) fn to_purchase(m: purchases::Model) -> Result<Purchase, RepoError> {
    const T: &str = "purchases";
    let billing = match (m.billing.as_str(), m.period_start, m.period_end) {
        (ONE_TIME, _, _) => Billing::OneTime,
        (interval, Some(start), Some(end)) => Billing::Recurring {
            interval: label::<Interval>(T, interval)?,
            period: Period::restore(start, end).ok_or_else(|| corrupt(T, "empty period"))?,
            auto_renew: m.auto_renew,
        },
        _ => return Err(corrupt(T, "recurring purchase without a period")),
    };
    Ok(Purchase::restore(PurchaseParts {
        id: PurchaseId::from_uuid(m.id),
        org_id: OrgId::from_uuid(m.org_id),
        user_id: UserId::from_uuid(m.user_id),
        order_id: OrderId::from_uuid(m.order_id),
        item: item(T, &m.purchase_type, m.tool_id, m.bundle_id)?,
        amount: money(T, m.amount, &m.currency)?,
        refunded: money(T, m.refunded_amount, &m.currency)?,
        payment_method: label::<PaymentMethod>(T, &m.payment_method)?,
        status: label::<PurchaseStatus>(T, &m.status)?,
        billing,
        subscription_ref: m.provider_subscription_id,
        plan: m.plan_id.map(PlanId::from_uuid),
        trial_ends: m.trial_ends_at,
        scheduled_plan: m.scheduled_plan_id.map(PlanId::from_uuid),
        created_at: m.created_at,
        ended_at: m.ended_at,
    }))
}

async fn find_one<C: ConnectionTrait>(
    db: &C,
    cond: Condition,
) -> Result<Option<Purchase>, RepoError> {
    purchases::Entity::find()
        .filter(cond)
        .one(db)
        .await
        .map_err(map_db)?
        .map(to_purchase)
        .transpose()
}

async fn exists<C: ConnectionTrait>(db: &C, p: &Purchase) -> Result<bool, RepoError> {
    Ok(purchases::Entity::find()
        .filter(purchases::Column::Id.eq(p.id().as_uuid()))
        .filter(purchases::Column::OrgId.eq(p.org_id().as_uuid()))
        .count(db)
        .await
        .map_err(map_db)?
        > 0)
}

/// R-E2: ends the listed entitlements and grants the successors, in the caller's
/// transaction.
async fn end_entitlements(
    tx: &DatabaseTransaction,
    org: OrgId,
    end: &PurchaseEnd,
    at: DateTime<Utc>,
) -> Result<(), RepoError> {
    if !end.end_entitlements.is_empty() {
        entitlements::Entity::update_many()
            .col_expr(entitlements::Column::EndedAt, Expr::val(at))
            .filter(entitlements::Column::OrgId.eq(org.as_uuid()))
            .filter(
                entitlements::Column::Id.is_in(end.end_entitlements.iter().map(|e| e.as_uuid())),
            )
            .filter(entitlements::Column::EndedAt.is_null())
            .exec(tx)
            .await
            .map_err(map_db)?;
    }
    insert_entitlements(tx, &end.successor_entitlements).await
}

/// Writes the purchase's status, end, refunds, auto-renew and subscription; only while it
/// is still ACTIVE when `require_active`.
async fn write_purchase(
    tx: &DatabaseTransaction,
    p: &Purchase,
    at: DateTime<Utc>,
    expect: Condition,
) -> Result<(), RepoError> {
    let m = purchase_model(p);
    let res = purchases::Entity::update_many()
        .col_expr(purchases::Column::Status, Expr::val(m.status))
        .col_expr(
            purchases::Column::RefundedAmount,
            Expr::val(m.refunded_amount),
        )
        .col_expr(purchases::Column::AutoRenew, Expr::val(m.auto_renew))
        .col_expr(purchases::Column::PeriodStart, Expr::val(m.period_start))
        .col_expr(purchases::Column::PeriodEnd, Expr::val(m.period_end))
        .col_expr(
            purchases::Column::ProviderSubscriptionId,
            Expr::val(m.provider_subscription_id),
        )
        .col_expr(purchases::Column::EndedAt, Expr::val(m.ended_at))
        .col_expr(purchases::Column::CancelledAt, Expr::val(m.cancelled_at))
        // A plan change (R-B9) moves the plan and what was paid for the purchase.
        .col_expr(purchases::Column::Amount, Expr::val(m.amount))
        .col_expr(purchases::Column::PlanId, Expr::val(m.plan_id))
        .col_expr(
            purchases::Column::ScheduledPlanId,
            Expr::val(m.scheduled_plan_id),
        )
        .col_expr(purchases::Column::UpdatedAt, Expr::val(at))
        .filter(purchases::Column::Id.eq(m.id))
        .filter(purchases::Column::OrgId.eq(m.org_id))
        .filter(expect)
        .exec(tx)
        .await
        .map_err(map_db)?;
    if res.rows_affected == 0 {
        return Err(if exists(tx, p).await? {
            RepoError::Stale("the purchase changed meanwhile")
        } else {
            RepoError::NotFound
        });
    }
    Ok(())
}

#[async_trait]
impl PurchaseRepository for SeaOrmStore {
    async fn list(&self, org: OrgId, status: PurchaseFilter) -> Result<Vec<Purchase>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let mut q = purchases::Entity::find().filter(purchases::Column::OrgId.eq(org.as_uuid()));
        if let Some(s) = status {
            q = q.filter(purchases::Column::Status.eq(s.as_str()));
        }
        let rows = q
            .order_by_desc(purchases::Column::CreatedAt)
            .order_by_desc(purchases::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.into_iter().map(to_purchase).collect()
    }

    async fn page(
        &self,
        org: OrgId,
        status: PurchaseFilter,
        page: PageRequest,
    ) -> Result<Page<Purchase>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let mut q = purchases::Entity::find().filter(purchases::Column::OrgId.eq(org.as_uuid()));
        if let Some(s) = status {
            q = q.filter(purchases::Column::Status.eq(s.as_str()));
        }
        let total = q.clone().count(&tx).await.map_err(map_db)?;
        let rows = q
            .order_by_desc(purchases::Column::CreatedAt)
            .order_by_desc(purchases::Column::Id)
            .limit(u64::from(page.limit()))
            .offset(page.offset())
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(to_purchase)
                .collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn get(&self, org: OrgId, id: PurchaseId) -> Result<Option<Purchase>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let p = find_one(
            &tx,
            Condition::all()
                .add(purchases::Column::Id.eq(id.as_uuid()))
                .add(purchases::Column::OrgId.eq(org.as_uuid())),
        )
        .await?;
        commit(tx).await?;
        Ok(p)
    }

    async fn find(&self, id: PurchaseId) -> Result<Option<Purchase>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let p = find_one(
            &tx,
            Condition::all().add(purchases::Column::Id.eq(id.as_uuid())),
        )
        .await?;
        commit(tx).await?;
        Ok(p)
    }

    async fn find_by_subscription(
        &self,
        subscription_ref: &str,
    ) -> Result<Option<Purchase>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let p = find_one(
            &tx,
            Condition::all().add(purchases::Column::ProviderSubscriptionId.eq(subscription_ref)),
        )
        .await?;
        commit(tx).await?;
        Ok(p)
    }

    async fn entitlements_of(&self, id: PurchaseId) -> Result<Vec<Entitlement>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let rows = entitlements::Entity::find()
            .filter(entitlements::Column::PurchaseId.eq(id.as_uuid()))
            .filter(entitlements::Column::EndedAt.is_null())
            .order_by_asc(entitlements::Column::GrantedAt)
            .order_by_asc(entitlements::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.into_iter().map(to_entitlement).collect()
    }

    async fn postings(&self, id: PurchaseId) -> Result<Vec<Posting>, RepoError> {
        // Platform scope: the renewals' links are tenant rows.
        let tx = self.begin(Scope::Platform).await?;
        let postings = postings_of(&tx, id).await?;
        commit(tx).await?;
        Ok(postings)
    }

    async fn save(&self, purchase: &Purchase) -> Result<(), RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(purchase.org_id(), None)).await?;
            write_purchase(&tx, purchase, self.now(), Condition::all()).await?;
            commit(tx).await
        })
        .await
    }

    async fn renew(&self, purchase: &Purchase) -> Result<(), RepoError> {
        let Billing::Recurring { period, .. } = purchase.billing() else {
            return Err(corrupt("purchases", "a one-time purchase does not renew"));
        };
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(purchase.org_id(), None)).await?;
            write_purchase(
                &tx,
                purchase,
                self.now(),
                Condition::all().add(purchases::Column::Status.eq(PurchaseStatus::Active.as_str())),
            )
            .await?;
            entitlements::Entity::update_many()
                .col_expr(entitlements::Column::EndsAt, Expr::val(Some(period.end())))
                .filter(entitlements::Column::PurchaseId.eq(purchase.id().as_uuid()))
                .filter(entitlements::Column::OrgId.eq(purchase.org_id().as_uuid()))
                .filter(entitlements::Column::EndedAt.is_null())
                .exec(&tx)
                .await
                .map_err(map_db)?;
            commit(tx).await
        })
        .await
    }

    async fn end(&self, end: &PurchaseEnd) -> Result<(), RepoError> {
        let p = &end.purchase;
        let at = p.ended_at().unwrap_or_else(|| self.now());
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(p.org_id(), None)).await?;
            write_purchase(
                &tx,
                p,
                at,
                Condition::all().add(purchases::Column::Status.eq(PurchaseStatus::Active.as_str())),
            )
            .await?;
            end_entitlements(&tx, p.org_id(), end, at).await?;
            commit(tx).await
        })
        .await
    }

    async fn switch_plan(&self, switch: &PlanSwitch) -> Result<(), RepoError> {
        let p = &switch.purchase;
        let at = self.now();
        let (plan, scheduled) = switch.from;
        let is = |column: purchases::Column, id: Option<PlanId>| match id {
            Some(id) => column.eq(id.as_uuid()),
            None => column.is_null(),
        };
        // Optimistic: still ACTIVE under the plans the change started from.
        let expect = Condition::all()
            .add(purchases::Column::Status.eq(PurchaseStatus::Active.as_str()))
            .add(is(purchases::Column::PlanId, plan))
            .add(is(purchases::Column::ScheduledPlanId, scheduled));
        self.atomically(|| {
            let expect = expect.clone();
            async move {
                let tx = self.begin(Scope::Org(p.org_id(), None)).await?;
                write_purchase(&tx, p, at, expect).await?;
                if let Some(posting) = &switch.posting {
                    insert_posting(&tx, posting, at).await?;
                }
                if let Some(debit) = switch.credit_debit {
                    crate::orgs::debit_credits(&tx, p.org_id(), debit, at).await?;
                }
                commit(tx).await
            }
        })
        .await
    }

    async fn refund(&self, plan: &RefundPlan) -> Result<(), RepoError> {
        let p = &plan.purchase;
        let at = plan.posting.occurred_at();
        let before = p
            .refunded()
            .checked_sub(plan.amount)
            .map_err(|e| corrupt("purchases", e))?;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(p.org_id(), None)).await?;
            // Optimistic: the stored refunds must be what the plan started from.
            write_purchase(
                &tx,
                p,
                at,
                Condition::all().add(purchases::Column::RefundedAmount.eq(before.amount())),
            )
            .await?;
            insert_posting(&tx, &plan.posting, self.now()).await?;
            if let Some(end) = &plan.end {
                end_entitlements(&tx, p.org_id(), end, at).await?;
            }
            if let Some(credits) = plan.credit_back {
                credit_back(&tx, p.org_id(), credits, at).await?;
            }
            let res = orders::Entity::update_many()
                .col_expr(
                    orders::Column::Status,
                    Expr::val(plan.order_status.as_str()),
                )
                .col_expr(
                    orders::Column::RefundedAmount,
                    add_rounded("refunded_amount", plan.amount.amount()),
                )
                .col_expr(orders::Column::UpdatedAt, Expr::val(at))
                .filter(orders::Column::Id.eq(p.order_id().as_uuid()))
                .filter(orders::Column::OrgId.eq(p.org_id().as_uuid()))
                .filter(orders::Column::Status.is_in([
                    OrderStatus::Fulfilled.as_str(),
                    OrderStatus::PartiallyRefunded.as_str(),
                ]))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if res.rows_affected == 0 {
                return Err(RepoError::Stale("the order cannot be refunded"));
            }
            commit(tx).await
        })
        .await
    }

    async fn due_to_expire(&self, now: DateTime<Utc>) -> Result<Vec<Purchase>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let rows = purchases::Entity::find()
            .filter(purchases::Column::Status.eq(PurchaseStatus::Active.as_str()))
            .filter(purchases::Column::Billing.ne(ONE_TIME))
            .filter(purchases::Column::PeriodEnd.lte(now))
            .order_by_asc(purchases::Column::PeriodEnd)
            .order_by_asc(purchases::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.into_iter().map(to_purchase).collect()
    }
}
