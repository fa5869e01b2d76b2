//! [`OrgRepository`]: tenants with their tier and platform-credit wallet (R-O3). Every
//! call runs in the org's own tenant scope.

use async_trait::async_trait;
use chrono::Utc;
use marketplace_domain::ids::OrgId;
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::org::{OrgRepository, Organization};
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::tier::Tier;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};

use crate::SeaOrmStore;
use crate::convert::{label, money};
use crate::entities::organizations;
use crate::error::map_db;
use crate::tenant::{Scope, commit};

fn to_org(m: organizations::Model) -> Result<Organization, RepoError> {
    const T: &str = "organizations";
    Ok(Organization::restore(
        OrgId::from_uuid(m.id),
        m.name,
        label::<Tier>(T, &m.tier)?,
        money(T, m.credit_balance, &m.credit_currency)?,
    ))
}

/// `ROUND(column + delta, 2)`: exact on PostgreSQL's NUMERIC and, on SQLite's REAL, back
/// to the double nearest the 2-dp result, so stored balances never drift.
pub(crate) fn add_rounded(column: &'static str, delta: Decimal) -> Expr {
    Expr::expr(Func::round_with_precision(Expr::col(column).add(delta), 2))
}

impl SeaOrmStore {
    async fn load_org(
        &self,
        tx: &DatabaseTransaction,
        id: OrgId,
        lock: bool,
    ) -> Result<Option<Organization>, RepoError> {
        let mut q = organizations::Entity::find_by_id(id.as_uuid());
        if lock && self.backend() == DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        q.one(tx).await.map_err(map_db)?.map(to_org).transpose()
    }
}

#[async_trait]
impl OrgRepository for SeaOrmStore {
    async fn get(&self, id: OrgId) -> Result<Option<Organization>, RepoError> {
        let tx = self.begin(Scope::Org(id, None)).await?;
        let org = self.load_org(&tx, id, false).await?;
        commit(tx).await?;
        Ok(org)
    }

    async fn get_or_provision(&self, id: OrgId) -> Result<Organization, RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(id, None)).await?;
            if let Some(org) = self.load_org(&tx, id, false).await? {
                commit(tx).await?;
                return Ok(org);
            }
            let org = Organization::provisioned(id);
            let now = self.now();
            let row = organizations::Model {
                id: id.as_uuid(),
                name: org.name().to_owned(),
                tier: org.tier().as_str().to_owned(),
                credit_balance: org.credits().amount(),
                credit_currency: org.credits().currency().code().to_owned(),
                created_at: now,
                updated_at: now,
            };
            organizations::Entity::insert(row.into_active_model().reset_all())
                .on_conflict(
                    OnConflict::column(organizations::Column::Id)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&tx)
                .await
                .map_err(map_db)?;
            let stored = self
                .load_org(&tx, id, false)
                .await?
                .ok_or(RepoError::NotFound)?;
            commit(tx).await?;
            Ok(stored)
        })
        .await
    }

    async fn upsert(&self, id: OrgId, name: &str, tier: Tier) -> Result<Organization, RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(id, None)).await?;
            let now = self.now();
            let row = organizations::Model {
                id: id.as_uuid(),
                name: name.to_owned(),
                tier: tier.as_str().to_owned(),
                credit_balance: Decimal::ZERO,
                credit_currency: Currency::USD.code().to_owned(),
                created_at: now,
                updated_at: now,
            };
            organizations::Entity::insert(row.into_active_model().reset_all())
                .on_conflict(
                    OnConflict::column(organizations::Column::Id)
                        .update_columns([
                            organizations::Column::Name,
                            organizations::Column::Tier,
                            organizations::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&tx)
                .await
                .map_err(map_db)?;
            let stored = self
                .load_org(&tx, id, false)
                .await?
                .ok_or(RepoError::NotFound)?;
            commit(tx).await?;
            Ok(stored)
        })
        .await
    }

    async fn grant_credits(&self, id: OrgId, amount: Money) -> Result<Organization, RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(id, None)).await?;
            let org = self
                .load_org(&tx, id, true)
                .await?
                .ok_or(RepoError::NotFound)?;
            if !org.accepts_credits_in(amount.currency()) {
                return Err(RepoError::Conflict(Conflict::CreditCurrency));
            }
            organizations::Entity::update_many()
                .col_expr(
                    organizations::Column::CreditBalance,
                    add_rounded("credit_balance", amount.amount()),
                )
                .col_expr(
                    organizations::Column::CreditCurrency,
                    Expr::val(amount.currency().code().to_owned()),
                )
                .col_expr(organizations::Column::UpdatedAt, Expr::val(self.now()))
                .filter(organizations::Column::Id.eq(id.as_uuid()))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            let stored = self
                .load_org(&tx, id, false)
                .await?
                .ok_or(RepoError::NotFound)?;
            commit(tx).await?;
            Ok(stored)
        })
        .await
    }
}

/// The R-O3 debit: a conditional UPDATE that only succeeds when the balance covers it, in
/// the caller's transaction.
///
/// # Errors
/// `InsufficientCredits` when it does not (or the wallet holds another currency).
pub(crate) async fn debit_credits(
    tx: &DatabaseTransaction,
    org: OrgId,
    amount: Money,
    at: chrono::DateTime<Utc>,
) -> Result<(), RepoError> {
    let res = organizations::Entity::update_many()
        .col_expr(
            organizations::Column::CreditBalance,
            add_rounded("credit_balance", -amount.amount()),
        )
        .col_expr(organizations::Column::UpdatedAt, Expr::val(at))
        .filter(organizations::Column::Id.eq(org.as_uuid()))
        .filter(organizations::Column::CreditCurrency.eq(amount.currency().code()))
        .filter(organizations::Column::CreditBalance.gte(amount.amount()))
        .exec(tx)
        .await
        .map_err(map_db)?;
    if res.rows_affected == 0 {
        return Err(RepoError::InsufficientCredits);
    }
    Ok(())
}

/// Gives credits back (a refund of a purchase paid with them), in the caller's transaction.
///
/// # Errors
/// `NotFound` for an unknown org.
pub(crate) async fn credit_back(
    tx: &DatabaseTransaction,
    org: OrgId,
    amount: Money,
    at: chrono::DateTime<Utc>,
) -> Result<(), RepoError> {
    let res = organizations::Entity::update_many()
        .col_expr(
            organizations::Column::CreditBalance,
            add_rounded("credit_balance", amount.amount()),
        )
        .col_expr(organizations::Column::UpdatedAt, Expr::val(at))
        .filter(organizations::Column::Id.eq(org.as_uuid()))
        .exec(tx)
        .await
        .map_err(map_db)?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(())
}
