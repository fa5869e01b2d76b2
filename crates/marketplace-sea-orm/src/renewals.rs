//! [`RenewalRepository`]: one renewal per purchase and period (R-B6), collected with the
//! purchase's period, its entitlements, its sale (R-B7) and the credits in one
//! transaction, and refunded against its own sale.
//!
//! Every write is guarded in its own statement, so two runs of the renewal job racing over
//! the same purchase renew it once: the first insert of a period's row wins
//! (`subscription_renewals_period_key`), an update moves a row only from the status it was
//! read in, and the purchase moves only from the period before the renewal's. The loser
//! gets `Stale` and its transaction (debit included) is rolled back.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::ids::{OrgId, PostingId, PurchaseId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::{Billing, Purchase, PurchaseStatus};
use marketplace_domain::renewal::{
    CollectedRenewal, OpenRenewal, RenewalCharge, RenewalId, RenewalRefund, RenewalRepository,
    RenewalState, RenewalStatus,
};
use marketplace_domain::revenue::Posting;
use marketplace_domain::subscription::InvoiceNumber;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::SeaOrmStore;
use crate::convert::{insert_model, label, money};
use crate::entities::{entitlements, ledger_postings, organizations, purchases};
use crate::error::{corrupt, map_db};
use crate::ledger::{insert_posting, with_entries};
use crate::orgs::{credit_back, debit_credits};
use crate::tenant::{Scope, commit};

const T: &str = "subscription_renewals";

/// The renewal tables as sea-orm entities.
pub(crate) mod entities {
    /// `subscription_renewals`: one purchase's renewal for one period.
    pub(crate) mod subscription_renewals {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "subscription_renewals")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub org_id: Uuid,
            pub purchase_id: Uuid,
            pub period_start: DateTimeUtc,
            pub period_end: DateTimeUtc,
            pub amount: Decimal,
            pub currency: String,
            pub payment_method: String,
            pub status: String,
            pub due_at: Option<DateTimeUtc>,
            pub invoice_number: Option<i32>,
            pub collected_at: Option<DateTimeUtc>,
            pub payment_reference: Option<String>,
            pub sale_posting_id: Option<Uuid>,
            pub refunded_amount: Decimal,
            pub opened_at: DateTimeUtc,
            pub updated_at: DateTimeUtc,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// `subscription_renewal_postings`: which ledger postings are a renewal's.
    pub(crate) mod subscription_renewal_postings {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "subscription_renewal_postings")]
        pub struct Model {
            pub renewal_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub posting_id: Uuid,
            pub org_id: Uuid,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}

use entities::subscription_renewal_postings as links;
pub(crate) use entities::subscription_renewals as renewals;

fn model(r: &RenewalCharge, now: DateTime<Utc>) -> renewals::Model {
    let (due_at, invoice_number, collected_at, payment_reference, sale) = match &r.state {
        RenewalState::PastDue { grace_ends } => (Some(*grace_ends), None, None, None, None),
        RenewalState::Invoiced { number, due } => {
            (Some(*due), Some(number.sequence()), None, None, None)
        }
        RenewalState::Collected {
            at,
            payment,
            invoice,
            sale,
        } => (
            None,
            invoice.map(InvoiceNumber::sequence),
            Some(*at),
            payment.clone(),
            *sale,
        ),
    };
    renewals::Model {
        id: r.id.as_uuid(),
        org_id: r.org_id.as_uuid(),
        purchase_id: r.purchase_id.as_uuid(),
        period_start: r.period.start(),
        period_end: r.period.end(),
        amount: r.amount.amount(),
        currency: r.amount.currency().code().to_owned(),
        payment_method: r.method.as_str().to_owned(),
        status: r.state.status().as_str().to_owned(),
        due_at,
        invoice_number: invoice_number.and_then(|n| i32::try_from(n).ok()),
        collected_at,
        payment_reference,
        sale_posting_id: sale.map(|s| s.as_uuid()),
        refunded_amount: r.refunded.amount(),
        opened_at: r.opened_at,
        updated_at: now,
    }
}

pub(crate) fn to_renewal(m: renewals::Model) -> Result<RenewalCharge, RepoError> {
    let invoice = m
        .invoice_number
        .map(|n| {
            u32::try_from(n)
                .ok()
                .and_then(|n| InvoiceNumber::new(n).ok())
                .ok_or_else(|| corrupt(T, "invoice number"))
        })
        .transpose()?;
    let state = match (label::<RenewalStatus>(T, &m.status)?, m.due_at, invoice) {
        (RenewalStatus::PastDue, Some(grace_ends), _) => RenewalState::PastDue { grace_ends },
        (RenewalStatus::Invoiced, Some(due), Some(number)) => {
            RenewalState::Invoiced { number, due }
        }
        (RenewalStatus::Collected, _, invoice) => RenewalState::Collected {
            at: m.collected_at.ok_or_else(|| corrupt(T, "collected_at"))?,
            payment: m.payment_reference,
            invoice,
            sale: m.sale_posting_id.map(PostingId::from_uuid),
        },
        _ => return Err(corrupt(T, "status without its columns")),
    };
    Ok(RenewalCharge {
        id: RenewalId::from_uuid(m.id),
        purchase_id: PurchaseId::from_uuid(m.purchase_id),
        org_id: OrgId::from_uuid(m.org_id),
        period: marketplace_domain::purchase::Period::restore(m.period_start, m.period_end)
            .ok_or_else(|| corrupt(T, "empty period"))?,
        amount: money(T, m.amount, &m.currency)?,
        method: label::<PaymentMethod>(T, &m.payment_method)?,
        state,
        refunded: money(T, m.refunded_amount, &m.currency)?,
        opened_at: m.opened_at,
    })
}

/// A unique key already taken: another run recorded this renewal first.
fn stale_on_conflict(e: RepoError) -> RepoError {
    match e {
        RepoError::Conflict(_) => RepoError::Stale("the period's renewal is already recorded"),
        other => other,
    }
}

impl SeaOrmStore {
    async fn renewal_where(&self, cond: Condition) -> Result<Option<RenewalCharge>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let row = renewals::Entity::find()
            .filter(cond)
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_renewal).transpose()
    }

    /// Queues the org's renewal invoices behind one lock, so sequence numbers are taken
    /// one at a time (PostgreSQL: the org's row `FOR UPDATE`; SQLite runs one write
    /// transaction at a time already).
    async fn lock_org(&self, tx: &DatabaseTransaction, org: OrgId) -> Result<(), RepoError> {
        if self.backend() == DbBackend::Postgres {
            organizations::Entity::find()
                .filter(organizations::Column::Id.eq(org.as_uuid()))
                .lock_exclusive()
                .one(tx)
                .await
                .map_err(map_db)?;
        }
        Ok(())
    }
}

async fn link(
    tx: &DatabaseTransaction,
    renewal: &RenewalCharge,
    posting: &Posting,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    insert_posting(tx, posting, now).await?;
    insert_model(
        tx,
        links::Model {
            renewal_id: renewal.id.as_uuid(),
            posting_id: posting.id().as_uuid(),
            org_id: renewal.org_id.as_uuid(),
        },
    )
    .await
    .map_err(map_db)
}

/// Moves the purchase to the renewal's period, only from the period just before it.
async fn renew_purchase(
    tx: &DatabaseTransaction,
    purchase: &Purchase,
    renewal: &RenewalCharge,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let Billing::Recurring { period, .. } = purchase.billing() else {
        return Err(corrupt("purchases", "a one-time purchase does not renew"));
    };
    let res = purchases::Entity::update_many()
        .col_expr(
            purchases::Column::PeriodStart,
            Expr::val(Some(period.start())),
        )
        .col_expr(purchases::Column::PeriodEnd, Expr::val(Some(period.end())))
        .col_expr(purchases::Column::UpdatedAt, Expr::val(now))
        .filter(purchases::Column::Id.eq(purchase.id().as_uuid()))
        .filter(purchases::Column::OrgId.eq(purchase.org_id().as_uuid()))
        .filter(purchases::Column::Status.eq(PurchaseStatus::Active.as_str()))
        .filter(purchases::Column::PeriodEnd.eq(renewal.period.start()))
        .exec(tx)
        .await
        .map_err(map_db)?;
    if res.rows_affected == 0 {
        return Err(RepoError::Stale("the purchase moved meanwhile"));
    }
    entitlements::Entity::update_many()
        .col_expr(entitlements::Column::EndsAt, Expr::val(Some(period.end())))
        .filter(entitlements::Column::PurchaseId.eq(purchase.id().as_uuid()))
        .filter(entitlements::Column::OrgId.eq(purchase.org_id().as_uuid()))
        .filter(entitlements::Column::EndedAt.is_null())
        .exec(tx)
        .await
        .map_err(map_db)?;
    Ok(())
}

#[async_trait]
impl RenewalRepository for SeaOrmStore {
    async fn due_for_renewal(&self, now: DateTime<Utc>) -> Result<Vec<Purchase>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let rows = purchases::Entity::find()
            .filter(purchases::Column::Status.eq(PurchaseStatus::Active.as_str()))
            .filter(purchases::Column::AutoRenew.eq(true))
            .filter(purchases::Column::PaymentMethod.is_in([
                PaymentMethod::PlatformCredits.as_str(),
                PaymentMethod::Invoice.as_str(),
            ]))
            .filter(purchases::Column::PeriodEnd.lte(now))
            .order_by_asc(purchases::Column::PeriodEnd)
            .order_by_asc(purchases::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.into_iter()
            .map(crate::purchases::to_purchase)
            .collect()
    }

    async fn renewal_for(
        &self,
        purchase: PurchaseId,
        start: DateTime<Utc>,
    ) -> Result<Option<RenewalCharge>, RepoError> {
        self.renewal_where(
            Condition::all()
                .add(renewals::Column::PurchaseId.eq(purchase.as_uuid()))
                .add(renewals::Column::PeriodStart.eq(start)),
        )
        .await
    }

    async fn past_due(&self, org: OrgId) -> Result<Vec<RenewalCharge>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let rows = renewals::Entity::find()
            .filter(renewals::Column::OrgId.eq(org.as_uuid()))
            .filter(renewals::Column::Status.eq(RenewalStatus::PastDue.as_str()))
            .order_by_asc(renewals::Column::PeriodStart)
            .order_by_asc(renewals::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.into_iter().map(to_renewal).collect()
    }

    async fn open(&self, open: &OpenRenewal) -> Result<RenewalCharge, RepoError> {
        let r = &open.renewal;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(r.org_id, None)).await?;
            let mut stored = r.clone();
            if let RenewalState::Invoiced { due, .. } = r.state {
                self.lock_org(&tx, r.org_id).await?;
                let last = renewals::Entity::find()
                    .filter(renewals::Column::OrgId.eq(r.org_id.as_uuid()))
                    .filter(renewals::Column::InvoiceNumber.is_not_null())
                    .order_by_desc(renewals::Column::InvoiceNumber)
                    .one(&tx)
                    .await
                    .map_err(map_db)?
                    .and_then(|m| m.invoice_number)
                    .unwrap_or(0);
                let next = u32::try_from(last + 1).map_err(|e| corrupt(T, e))?;
                stored.state = RenewalState::Invoiced {
                    number: InvoiceNumber::new(next).map_err(|e| corrupt(T, e))?,
                    due,
                };
            }
            insert_model(&tx, model(&stored, self.now()))
                .await
                .map_err(map_db)
                .map_err(stale_on_conflict)?;
            commit(tx).await?;
            Ok(stored)
        })
        .await
    }

    async fn collect(&self, c: &CollectedRenewal) -> Result<(), RepoError> {
        let r = &c.renewal;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(r.org_id, None)).await?;
            let now = self.now();
            let row = model(r, now);
            match c.from {
                None => insert_model(&tx, row)
                    .await
                    .map_err(map_db)
                    .map_err(stale_on_conflict)?,
                Some(from) => {
                    let res = renewals::Entity::update_many()
                        .col_expr(renewals::Column::Status, Expr::val(row.status))
                        .col_expr(renewals::Column::CollectedAt, Expr::val(row.collected_at))
                        .col_expr(
                            renewals::Column::PaymentReference,
                            Expr::val(row.payment_reference),
                        )
                        .col_expr(
                            renewals::Column::SalePostingId,
                            Expr::val(row.sale_posting_id),
                        )
                        .col_expr(renewals::Column::Amount, Expr::val(row.amount))
                        .col_expr(renewals::Column::UpdatedAt, Expr::val(now))
                        .filter(renewals::Column::Id.eq(row.id))
                        .filter(renewals::Column::OrgId.eq(row.org_id))
                        .filter(renewals::Column::Status.eq(from.as_str()))
                        .exec(&tx)
                        .await
                        .map_err(map_db)?;
                    if res.rows_affected == 0 {
                        return Err(RepoError::Stale("the renewal was collected meanwhile"));
                    }
                }
            }
            renew_purchase(&tx, &c.purchase, r, now).await?;
            if let Some(posting) = &c.posting {
                link(&tx, r, posting, now).await?;
            }
            if let Some(debit) = c.credit_debit {
                debit_credits(&tx, r.org_id, debit, now).await?;
            }
            commit(tx).await
        })
        .await
    }

    async fn find_by_payment(&self, reference: &str) -> Result<Option<RenewalCharge>, RepoError> {
        self.renewal_where(Condition::all().add(renewals::Column::PaymentReference.eq(reference)))
            .await
    }

    async fn find_by_invoice(
        &self,
        purchase: PurchaseId,
        number: u32,
    ) -> Result<Option<RenewalCharge>, RepoError> {
        let Ok(number) = i32::try_from(number) else {
            return Ok(None);
        };
        self.renewal_where(
            Condition::all()
                .add(renewals::Column::PurchaseId.eq(purchase.as_uuid()))
                .add(renewals::Column::InvoiceNumber.eq(number)),
        )
        .await
    }

    async fn postings(&self, id: RenewalId) -> Result<Vec<Posting>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let rows = ledger_postings::Entity::find()
            .filter(
                ledger_postings::Column::Id.in_subquery(
                    Query::select()
                        .column(links::Column::PostingId)
                        .from(links::Entity)
                        .and_where(links::Column::RenewalId.eq(id.as_uuid()))
                        .to_owned(),
                ),
            )
            .order_by_asc(ledger_postings::Column::OccurredAt)
            .order_by_asc(ledger_postings::Column::CreatedAt)
            .order_by_asc(ledger_postings::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        let postings = with_entries(&tx, rows).await?;
        commit(tx).await?;
        Ok(postings)
    }

    async fn refund(&self, refund: &RenewalRefund) -> Result<(), RepoError> {
        let r = &refund.renewal;
        let before = r
            .refunded
            .checked_sub(refund.amount)
            .map_err(|e| corrupt(T, e))?;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(r.org_id, None)).await?;
            let now = self.now();
            let res = renewals::Entity::update_many()
                .col_expr(
                    renewals::Column::RefundedAmount,
                    Expr::val(r.refunded.amount()),
                )
                .col_expr(renewals::Column::UpdatedAt, Expr::val(now))
                .filter(renewals::Column::Id.eq(r.id.as_uuid()))
                .filter(renewals::Column::OrgId.eq(r.org_id.as_uuid()))
                .filter(renewals::Column::RefundedAmount.eq(before.amount()))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if res.rows_affected == 0 {
                return Err(RepoError::Stale("the renewal was refunded meanwhile"));
            }
            link(&tx, r, &refund.posting, now).await?;
            if let Some(credits) = refund.credit_back {
                credit_back(&tx, r.org_id, credits, now).await?;
            }
            commit(tx).await
        })
        .await
    }
}
