//! Organizations as the marketplace knows them: tier and platform-credit balance.

use async_trait::async_trait;

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::ids::OrgId;
use crate::money::{Currency, Money};
use crate::ports::{Clock, RepoError};
use crate::tier::Tier;
use std::sync::Arc;

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub tier: Tier,
    /// Pre-paid platform credits (R-O3); never negative.
    pub credits: Money,
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

    /// Adds `amount` to the org's credits atomically and returns the org.
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
        let org = self.orgs.upsert(id, name, tier).await?;
        self.audit
            .record(AuditEvent::by(
                actor,
                "org.upserted",
                "org",
                id.as_uuid(),
                self.clock.now(),
            ))
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
        if amount.is_negative() || amount.is_zero() {
            return Err(OrgError::Invalid("amount must be above zero"));
        }
        let org = self.orgs.get(id).await?.ok_or(OrgError::NotFound)?;
        if !org.credits.is_zero() && org.credits.currency() != amount.currency() {
            return Err(OrgError::CurrencyMismatch {
                held: org.credits.currency(),
                given: amount.currency(),
            });
        }
        let org = self.orgs.grant_credits(id, amount).await?;
        self.audit
            .record(AuditEvent::by(
                actor,
                "org.credits_granted",
                "org",
                id.as_uuid(),
                self.clock.now(),
            ))
            .await;
        Ok(org)
    }
}
