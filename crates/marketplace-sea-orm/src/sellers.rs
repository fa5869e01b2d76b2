//! The domain's [`SellerRepository`]: sellers with their payout settings, tool
//! assignment, the ledger read per seller and per month, and the payout records, each
//! payout change written in one transaction with its posting.
//!
//! Sellers and the ledger carry org ids under forced row-level security (R-T6); this
//! repository reads and writes them across orgs, so it runs on the platform pool. The
//! domain's seller policy decides who reads which seller, and payout runs are platform
//! jobs.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, PayoutId, SellerId, ToolId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::{FeeRate, Posting, SellerKind, YearMonth};
use marketplace_domain::seller::{
    ConnectAccount, Payout, PayoutPlan, PayoutSettings, PayoutStatus, Seller, SellerName,
    SellerParts, SellerRepository,
};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::convert::{fix_scale, insert_model, label, money};
use crate::entities::{ledger_entries, ledger_postings, payouts, sellers, tools};
use crate::error::{corrupt, map_db, map_db_or_missing};
use crate::ledger::{insert_posting, with_entries};
use crate::tenant::{Scope, commit};

const SELLERS: &str = "sellers";
const PAYOUTS: &str = "payouts";

/// The one mapping of a `sellers` row to the domain's [`Seller`] (its terms included).
pub(crate) fn to_seller(m: sellers::Model) -> Result<Seller, RepoError> {
    let minimum = money(SELLERS, m.payout_minimum, &m.payout_currency)?;
    Ok(Seller::restore(SellerParts {
        id: SellerId::from_uuid(m.id),
        name: SellerName::parse(&m.name).map_err(|e| corrupt(SELLERS, e.message))?,
        kind: label::<SellerKind>(SELLERS, &m.kind)?,
        fee_rate: FeeRate::new(fix_scale(m.fee_rate, 4)).map_err(|e| corrupt(SELLERS, e))?,
        org_id: m.org_id.map(OrgId::from_uuid),
        connect: m.stripe_account_id.map(|account_id| ConnectAccount {
            account_id,
            payouts_enabled: m.payouts_enabled,
        }),
        payout: PayoutSettings::new(minimum).map_err(|e| corrupt(SELLERS, e.message))?,
        created_at: m.created_at,
    }))
}

fn seller_row(s: &Seller) -> sellers::Model {
    let minimum = s.payout().minimum();
    sellers::Model {
        id: s.id().as_uuid(),
        name: s.name().to_owned(),
        kind: s.kind().as_str().to_owned(),
        fee_rate: s.fee_rate().value(),
        org_id: s.org_id().map(|o| o.as_uuid()),
        stripe_account_id: s.connect().map(|c| c.account_id.clone()),
        payouts_enabled: s.connect().is_some_and(|c| c.payouts_enabled),
        payout_minimum: minimum.amount(),
        payout_currency: minimum.currency().code().to_owned(),
        created_at: s.created_at(),
    }
}

fn to_payout(m: payouts::Model) -> Result<Payout, RepoError> {
    Ok(Payout {
        id: PayoutId::from_uuid(m.id),
        seller_id: SellerId::from_uuid(m.seller_id),
        month: YearMonth::parse(m.month.trim()).map_err(|e| corrupt(PAYOUTS, e))?,
        amount: money(PAYOUTS, m.amount, &m.currency)?,
        status: label::<PayoutStatus>(PAYOUTS, &m.status)?,
        transfer_id: m.transfer_id,
        failure_reason: m.failure_reason,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Postings matching `cond`, oldest first.
async fn postings_where<C: ConnectionTrait>(
    db: &C,
    cond: Condition,
) -> Result<Vec<Posting>, RepoError> {
    let rows = ledger_postings::Entity::find()
        .filter(cond)
        .order_by_asc(ledger_postings::Column::OccurredAt)
        .order_by_asc(ledger_postings::Column::CreatedAt)
        .order_by_asc(ledger_postings::Column::Id)
        .all(db)
        .await
        .map_err(map_db)?;
    with_entries(db, rows).await
}

fn window(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Condition {
    let mut cond = Condition::all();
    if let Some(from) = from {
        cond = cond.add(ledger_postings::Column::OccurredAt.gte(from));
    }
    if let Some(to) = to {
        cond = cond.add(ledger_postings::Column::OccurredAt.lt(to));
    }
    cond
}

impl SeaOrmStore {
    async fn seller_where(&self, cond: Condition) -> Result<Option<Seller>, RepoError> {
        sellers::Entity::find()
            .filter(cond)
            .one(&self.platform)
            .await
            .map_err(map_db)?
            .map(to_seller)
            .transpose()
    }

    /// Moves a `Pending` payout to the plan's status and writes its posting, in one
    /// transaction.
    async fn settle_payout(&self, plan: &PayoutPlan, to: PayoutStatus) -> Result<(), RepoError> {
        if plan.payout.status != to {
            return Err(RepoError::Stale("the plan does not settle the payout"));
        }
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let p = &plan.payout;
            let res = payouts::Entity::update_many()
                .col_expr(payouts::Column::Status, Expr::val(to.as_str()))
                .col_expr(
                    payouts::Column::TransferId,
                    Expr::val(p.transfer_id.clone()),
                )
                .col_expr(
                    payouts::Column::FailureReason,
                    Expr::val(p.failure_reason.clone()),
                )
                .col_expr(payouts::Column::UpdatedAt, Expr::val(p.updated_at))
                .filter(payouts::Column::Id.eq(p.id.as_uuid()))
                .filter(payouts::Column::Status.eq(PayoutStatus::Pending.as_str()))
                .exec(&tx)
                .await
                .map_err(map_db_or_missing)?;
            if res.rows_affected == 0 {
                let exists = payouts::Entity::find_by_id(p.id.as_uuid())
                    .one(&tx)
                    .await
                    .map_err(map_db)?
                    .is_some();
                return Err(if exists {
                    RepoError::Stale("the payout is no longer pending")
                } else {
                    RepoError::NotFound
                });
            }
            insert_posting(&tx, &plan.posting, self.now()).await?;
            commit(tx).await
        })
        .await
    }
}

#[async_trait]
impl SellerRepository for SeaOrmStore {
    async fn get(&self, id: SellerId) -> Result<Option<Seller>, RepoError> {
        self.seller_where(Condition::all().add(sellers::Column::Id.eq(id.as_uuid())))
            .await
    }

    async fn of_org(&self, org: OrgId) -> Result<Option<Seller>, RepoError> {
        self.seller_where(Condition::all().add(sellers::Column::OrgId.eq(org.as_uuid())))
            .await
    }

    async fn by_connect_account(&self, account_id: &str) -> Result<Option<Seller>, RepoError> {
        self.seller_where(Condition::all().add(sellers::Column::StripeAccountId.eq(account_id)))
            .await
    }

    async fn list(&self) -> Result<Vec<Seller>, RepoError> {
        sellers::Entity::find()
            .order_by_asc(sellers::Column::Id)
            .all(&self.platform)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(to_seller)
            .collect()
    }

    async fn upsert(&self, seller: &Seller) -> Result<(), RepoError> {
        use sellers::Column as C;
        sellers::Entity::insert(seller_row(seller).into_active_model().reset_all())
            .on_conflict(
                OnConflict::column(C::Id)
                    .update_columns([
                        C::Name,
                        C::Kind,
                        C::FeeRate,
                        C::OrgId,
                        C::StripeAccountId,
                        C::PayoutsEnabled,
                        C::PayoutMinimum,
                        C::PayoutCurrency,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.platform)
            .await
            .map_err(map_db_or_missing)?;
        Ok(())
    }

    async fn set_connect_account(
        &self,
        id: SellerId,
        account: &ConnectAccount,
    ) -> Result<(), RepoError> {
        let res = sellers::Entity::update_many()
            .col_expr(
                sellers::Column::StripeAccountId,
                Expr::val(account.account_id.clone()),
            )
            .col_expr(
                sellers::Column::PayoutsEnabled,
                Expr::val(account.payouts_enabled),
            )
            .filter(sellers::Column::Id.eq(id.as_uuid()))
            .exec(&self.platform)
            .await
            .map_err(map_db_or_missing)?;
        if res.rows_affected == 0 {
            return Err(RepoError::NotFound);
        }
        Ok(())
    }

    async fn tools_of(&self, id: SellerId) -> Result<Vec<ToolId>, RepoError> {
        let ids: Vec<Uuid> = tools::Entity::find()
            .select_only()
            .column(tools::Column::Id)
            .filter(tools::Column::SellerId.eq(id.as_uuid()))
            .order_by_asc(tools::Column::Id)
            .into_tuple()
            .all(&self.platform)
            .await
            .map_err(map_db)?;
        Ok(ids.into_iter().map(ToolId::from_uuid).collect())
    }

    async fn assign_tool(&self, tool: ToolId, seller: SellerId) -> Result<(), RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Platform).await?;
            let known = sellers::Entity::find_by_id(seller.as_uuid())
                .one(&tx)
                .await
                .map_err(map_db)?
                .is_some();
            if !known {
                return Err(RepoError::NotFound);
            }
            let res = tools::Entity::update_many()
                .col_expr(tools::Column::SellerId, Expr::val(seller.as_uuid()))
                .col_expr(tools::Column::UpdatedAt, Expr::val(self.now()))
                .filter(tools::Column::Id.eq(tool.as_uuid()))
                .exec(&tx)
                .await
                .map_err(map_db_or_missing)?;
            if res.rows_affected == 0 {
                return Err(RepoError::NotFound);
            }
            commit(tx).await
        })
        .await
    }

    async fn postings_for(
        &self,
        seller: SellerId,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<Posting>, RepoError> {
        let of_seller = Query::select()
            .column(ledger_entries::Column::PostingId)
            .from(ledger_entries::Entity)
            .and_where(ledger_entries::Column::SellerId.eq(seller.as_uuid()))
            .to_owned();
        let cond = window(from, to).add(ledger_postings::Column::Id.in_subquery(of_seller));
        postings_where(&self.platform, cond).await
    }

    async fn postings_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Posting>, RepoError> {
        postings_where(&self.platform, window(Some(from), Some(to))).await
    }

    async fn payout_for(
        &self,
        seller: SellerId,
        month: YearMonth,
    ) -> Result<Option<Payout>, RepoError> {
        payouts::Entity::find()
            .filter(payouts::Column::SellerId.eq(seller.as_uuid()))
            .filter(payouts::Column::Month.eq(month.to_string()))
            .one(&self.platform)
            .await
            .map_err(map_db)?
            .map(to_payout)
            .transpose()
    }

    async fn payouts_of(&self, seller: SellerId) -> Result<Vec<Payout>, RepoError> {
        payouts::Entity::find()
            .filter(payouts::Column::SellerId.eq(seller.as_uuid()))
            .order_by_desc(payouts::Column::Month)
            .all(&self.platform)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(to_payout)
            .collect()
    }

    async fn record_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        let p = &plan.payout;
        if p.status != PayoutStatus::Pending {
            return Err(RepoError::Stale("a payout is recorded as PENDING"));
        }
        let row = payouts::Model {
            id: p.id.as_uuid(),
            seller_id: p.seller_id.as_uuid(),
            month: p.month.to_string(),
            amount: p.amount.amount(),
            currency: p.amount.currency().code().to_owned(),
            status: p.status.as_str().to_owned(),
            transfer_id: p.transfer_id.clone(),
            failure_reason: p.failure_reason.clone(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        };
        self.atomically(|| {
            let row = row.clone();
            async move {
                let tx = self.begin(Scope::Platform).await?;
                insert_model(&tx, row).await.map_err(map_db_or_missing)?;
                insert_posting(&tx, &plan.posting, self.now()).await?;
                commit(tx).await
            }
        })
        .await
    }

    async fn complete_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        self.settle_payout(plan, PayoutStatus::Paid).await
    }

    async fn reverse_payout(&self, plan: &PayoutPlan) -> Result<(), RepoError> {
        self.settle_payout(plan, PayoutStatus::Failed).await
    }
}
