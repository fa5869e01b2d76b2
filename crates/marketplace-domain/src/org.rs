//! Organizations as the marketplace knows them: tier and platform-credit balance.

use async_trait::async_trait;

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::ids::OrgId;
use crate::money::{Currency, Money};
use crate::ports::{Clock, RepoError};
use crate::tier::Tier;
use std::sync::Arc;

/// A tenant: its tier and its wallet of pre-paid platform credits (R-O3). The wallet only
/// changes through [`Organization::grant_credits`] and [`Organization::debit_credits`], so
/// it never goes negative and holds one currency at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    id: OrgId,
    name: String,
    tier: Tier,
    credits: Money,
}

/// Platform credits to add to a wallet: always above zero (R-O3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreditGrant(Money);

impl CreditGrant {
    /// # Errors
    /// [`CreditError::NotPositive`] for zero or less.
    pub fn new(amount: Money) -> Result<Self, CreditError> {
        if amount.is_negative() || amount.is_zero() {
            Err(CreditError::NotPositive)
        } else {
            Ok(Self(amount))
        }
    }

    #[must_use]
    pub const fn amount(&self) -> Money {
        self.0
    }
}

/// Why credits cannot be added to a wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreditError {
    #[error("a credit grant must be above zero")]
    NotPositive,
    #[error("credits are held in {held}, not {given}")]
    CurrencyMismatch { held: Currency, given: Currency },
}

/// The wallet does not cover a debit (R-O3): too little, or another currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the org's platform credits do not cover {needed}")]
pub struct InsufficientCredits {
    pub needed: Money,
}

impl Organization {
    /// How an org unknown to the marketplace starts: FREE, no credits.
    #[must_use]
    pub fn provisioned(id: OrgId) -> Self {
        Self {
            id,
            name: String::new(),
            tier: Tier::Free,
            credits: Money::zero(Currency::USD),
        }
    }

    /// An org as a store holds it (its wallet was only ever changed by the methods below).
    #[must_use]
    pub const fn restore(id: OrgId, name: String, tier: Tier, credits: Money) -> Self {
        Self {
            id,
            name,
            tier,
            credits,
        }
    }

    #[must_use]
    pub const fn id(&self) -> OrgId {
        self.id
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    #[must_use]
    pub const fn tier(&self) -> Tier {
        self.tier
    }

    /// Pre-paid platform credits (R-O3); never negative.
    #[must_use]
    pub const fn credits(&self) -> Money {
        self.credits
    }

    /// R-O3: whether credits in `currency` may be added: a wallet holds one currency, and
    /// an empty one may take any.
    #[must_use]
    pub fn accepts_credits_in(&self, currency: Currency) -> bool {
        self.credits.is_zero() || self.credits.currency() == currency
    }

    /// R-O3: adds a grant (or credits given back by a refund) to the wallet.
    ///
    /// # Errors
    /// [`CreditError::CurrencyMismatch`] when the wallet holds credits in another currency.
    pub fn grant_credits(&mut self, grant: CreditGrant) -> Result<(), CreditError> {
        let amount = grant.amount();
        let mismatch = CreditError::CurrencyMismatch {
            held: self.credits.currency(),
            given: amount.currency(),
        };
        if !self.accepts_credits_in(amount.currency()) {
            return Err(mismatch);
        }
        let held = if self.credits.is_zero() {
            Money::zero(amount.currency())
        } else {
            self.credits
        };
        self.credits = held.checked_add(amount).map_err(|_| mismatch)?;
        Ok(())
    }

    /// R-O3: pays `amount` from the wallet, which must hold at least that much in the
    /// same currency.
    ///
    /// # Errors
    /// [`InsufficientCredits`]; the wallet is unchanged.
    pub fn debit_credits(&mut self, amount: Money) -> Result<(), InsufficientCredits> {
        let refused = InsufficientCredits { needed: amount };
        if amount.is_negative() {
            return Err(refused);
        }
        let left = self.credits.checked_sub(amount).map_err(|_| refused)?;
        if left.is_negative() {
            return Err(refused);
        }
        self.credits = left;
        Ok(())
    }
}

/// Where organizations live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrgRepository: Send + Sync {
    /// `Ok(None)` for an org the marketplace does not know.
    async fn get(&self, id: OrgId) -> Result<Option<Organization>, RepoError>;

    /// Returns the org, creating it as [`Organization::provisioned`] when absent.
    async fn get_or_provision(&self, id: OrgId) -> Result<Organization, RepoError>;

    /// Creates or renames and re-tiers an org, keeping its credits.
    async fn upsert(&self, id: OrgId, name: &str, tier: Tier) -> Result<Organization, RepoError>;

    /// Adds `amount` (above zero) to the org's credits atomically, as
    /// [`Organization::grant_credits`] does, and returns the org.
    ///
    /// # Errors
    /// `RepoError::NotFound` for an unknown org; `RepoError::Conflict` when the currency
    /// differs from the balance's (a balance of zero may change currency).
    async fn grant_credits(&self, id: OrgId, amount: Money) -> Result<Organization, RepoError>;
}

/// What org administration can fail with.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("not found")]
    NotFound,
    #[error("invalid: {0}")]
    Invalid(&'static str),
    #[error("credits are held in {held}, not {given}")]
    CurrencyMismatch { held: Currency, given: Currency },
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for OrgError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            other => Self::Infrastructure(other),
        }
    }
}

/// Platform admins' management of orgs.
#[derive(Clone)]
pub struct OrgService {
    orgs: Arc<dyn OrgRepository>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for OrgService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgService").finish_non_exhaustive()
    }
}

impl OrgService {
    pub fn new(
        orgs: Arc<dyn OrgRepository>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            orgs,
            audit,
            clock,
            policy: AccessPolicy,
        }
    }

    /// The caller's own org, provisioned on first use.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn current(&self, actor: &Actor) -> Result<Organization, OrgError> {
        self.policy.require(actor, Permission::ViewHoldings)?;
        Ok(self.orgs.get_or_provision(actor.org_id).await?)
    }

    /// Creates or updates an org's name and tier.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` for an empty or over-long name, `Infrastructure`.
    pub async fn upsert(
        &self,
        actor: &Actor,
        id: OrgId,
        name: &str,
        tier: Tier,
    ) -> Result<Organization, OrgError> {
        self.policy.require(actor, Permission::ManageOrgs)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(OrgError::Invalid("name must be 1 to 200 characters"));
        }
        let before = self.orgs.get(id).await?;
        let org = self.orgs.upsert(id, name, tier).await?;
        self.audit
            .record(
                AuditEvent::by(actor, "org.upserted", "org", id.as_uuid(), self.clock.now())
                    .changed(
                        "name",
                        before.as_ref().map(Organization::name).as_ref(),
                        Some(&org.name()),
                    )
                    .changed(
                        "tier",
                        before.as_ref().map(Organization::tier).as_ref(),
                        Some(&org.tier()),
                    ),
            )
            .await;
        Ok(org)
    }

    /// Grants platform credits (R-O3).
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` for a non-positive amount, `NotFound`, `CurrencyMismatch`.
    pub async fn grant_credits(
        &self,
        actor: &Actor,
        id: OrgId,
        amount: Money,
    ) -> Result<Organization, OrgError> {
        self.policy.require(actor, Permission::ManageOrgs)?;
        let grant =
            CreditGrant::new(amount).map_err(|_| OrgError::Invalid("amount must be above zero"))?;
        let mut org = self.orgs.get(id).await?.ok_or(OrgError::NotFound)?;
        // Refused here so nothing is written; the store adds it atomically.
        org.grant_credits(grant).map_err(|e| match e {
            CreditError::CurrencyMismatch { held, given } => {
                OrgError::CurrencyMismatch { held, given }
            }
            CreditError::NotPositive => OrgError::Invalid("amount must be above zero"),
        })?;
        let org = self.orgs.grant_credits(id, grant.amount()).await?;
        // The balance before, from the one the store added to (concurrent grants each
        // show their own step).
        let before = org.credits().checked_sub(grant.amount()).ok();
        self.audit
            .record(
                AuditEvent::by(
                    actor,
                    "org.credits_granted",
                    "org",
                    id.as_uuid(),
                    self.clock.now(),
                )
                .with_detail("amount", grant.amount().to_string())
                .changed("credits", before.as_ref(), Some(&org.credits())),
            )
            .await;
        Ok(org)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::{Decimal, dec};
    use uuid::Uuid;

    fn money(amount: Decimal, currency: Currency) -> Money {
        Money::new(amount, currency).unwrap()
    }

    fn org_with(credits: Money) -> Organization {
        Organization::restore(
            OrgId::from_uuid(Uuid::from_u128(1)),
            "Acme".to_owned(),
            Tier::Growth,
            credits,
        )
    }

    fn grant(amount: Decimal, currency: Currency) -> CreditGrant {
        CreditGrant::new(money(amount, currency)).unwrap()
    }

    #[test]
    fn r_o3_a_debit_needs_enough_credits_in_the_same_currency() {
        let mut org = org_with(money(dec!(10.00), Currency::USD));
        org.debit_credits(money(dec!(4.00), Currency::USD)).unwrap();
        assert_eq!(org.credits(), money(dec!(6.00), Currency::USD));
        for refused in [
            money(dec!(6.01), Currency::USD),
            money(dec!(1.00), Currency::EUR),
            money(dec!(-1.00), Currency::USD),
        ] {
            assert_eq!(
                org.debit_credits(refused),
                Err(InsufficientCredits { needed: refused })
            );
            assert_eq!(org.credits(), money(dec!(6.00), Currency::USD), "unchanged");
        }
        org.debit_credits(money(dec!(6.00), Currency::USD)).unwrap();
        assert!(org.credits().is_zero(), "down to zero, never below");
    }

    #[test]
    fn r_o3_grants_add_up_and_only_an_empty_wallet_changes_currency() {
        let mut org = org_with(money(dec!(5.00), Currency::USD));
        org.grant_credits(grant(dec!(2.50), Currency::USD)).unwrap();
        assert_eq!(org.credits(), money(dec!(7.50), Currency::USD));
        assert!(!org.accepts_credits_in(Currency::EUR));
        assert_eq!(
            org.grant_credits(grant(dec!(1), Currency::EUR)),
            Err(CreditError::CurrencyMismatch {
                held: Currency::USD,
                given: Currency::EUR
            })
        );
        assert_eq!(org.credits(), money(dec!(7.50), Currency::USD), "unchanged");

        let mut empty = org_with(Money::zero(Currency::USD));
        assert!(empty.accepts_credits_in(Currency::EUR));
        empty.grant_credits(grant(dec!(3), Currency::EUR)).unwrap();
        assert_eq!(empty.credits(), money(dec!(3), Currency::EUR));
    }

    #[test]
    fn r_o3_a_credit_grant_is_above_zero() {
        for bad in [dec!(0), dec!(-0.01)] {
            assert_eq!(
                CreditGrant::new(money(bad, Currency::USD)),
                Err(CreditError::NotPositive)
            );
        }
        assert_eq!(
            grant(dec!(0.01), Currency::USD).amount(),
            money(dec!(0.01), Currency::USD)
        );
    }
}
