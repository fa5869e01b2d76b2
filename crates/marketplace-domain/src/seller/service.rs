//! Seller use cases: administration, the seller's own view (profile, statements, payouts,
//! onboarding), the provider's account updates and the admin revenue reports.

use std::sync::Arc;

use crate::access::{AccessPolicy, Actor, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::ids::{SellerId, ToolId};
use crate::money::Currency;
use crate::org::OrgRepository;
use crate::ports::{Clock, IdGenerator, IdGeneratorExt};
use crate::revenue::{SellerKind, YearMonth};
use crate::seller::{
    ConnectAccount, NewSeller, Payout, PayoutGateway, ReportBy, RevenueReport, Seller, SellerError,
    SellerPatch, SellerRepository, SellerStatement, month_end, month_start, revenue_report,
};

/// Where onboarding continues: the provider's page for the seller's connected account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Onboarding {
    pub account_id: String,
    /// A one-time link; ask again when it expires.
    pub url: String,
}

/// The seller use cases. See the module documentation for who may do what.
#[derive(Clone)]
pub struct SellerService {
    sellers: Arc<dyn SellerRepository>,
    orgs: Arc<dyn OrgRepository>,
    gateway: Option<Arc<dyn PayoutGateway>>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for SellerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SellerService")
            .field("connect", &self.gateway.is_some())
            .finish_non_exhaustive()
    }
}

impl SellerService {
    /// Without a payout provider: onboarding answers `ConnectNotConfigured`.
    pub fn new(
        sellers: Arc<dyn SellerRepository>,
        orgs: Arc<dyn OrgRepository>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            sellers,
            orgs,
            gateway: None,
            audit,
            clock,
            ids,
            policy: AccessPolicy,
        }
    }

    /// With the payout provider that onboards sellers.
    #[must_use]
    pub fn with_gateway(mut self, gateway: Option<Arc<dyn PayoutGateway>>) -> Self {
        self.gateway = gateway;
        self
    }

    /// Adds a seller. An `org_id` is provisioned if the platform has not met it yet.
    ///
    /// # Errors
    /// `Forbidden` (not a platform admin), `Invalid`, `OrgTaken`, `Infrastructure`.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, actor: &Actor, new: NewSeller) -> Result<Seller, SellerError> {
        self.policy.require(actor, Permission::ManageSellers)?;
        let now = self.clock.now();
        let seller = new
            .into_seller(self.ids.new_id(), now)
            .map_err(SellerError::Invalid)?;
        if let Some(org) = seller.org_id() {
            self.orgs.get_or_provision(org).await?;
        }
        self.sellers.upsert(&seller).await?;
        self.audit_by(actor, "seller.created", seller.id()).await;
        Ok(seller)
    }

    /// Changes some of a seller's fields.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Invalid`, `OrgTaken`, `Infrastructure`.
    #[tracing::instrument(skip_all, fields(seller = %id))]
    pub async fn update(
        &self,
        actor: &Actor,
        id: SellerId,
        patch: SellerPatch,
    ) -> Result<Seller, SellerError> {
        self.policy.require(actor, Permission::ManageSellers)?;
        let seller = self.sellers.get(id).await?.ok_or(SellerError::NotFound)?;
        let next = seller.patched(patch).map_err(SellerError::Invalid)?;
        if let Some(org) = next.org_id().filter(|o| seller.org_id() != Some(*o)) {
            self.orgs.get_or_provision(org).await?;
        }
        self.sellers.upsert(&next).await?;
        self.audit_by(actor, "seller.updated", id).await;
        Ok(next)
    }

    /// Every seller (platform admins).
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Seller>, SellerError> {
        self.policy.require(actor, Permission::ManageSellers)?;
        Ok(self.sellers.list().await?)
    }

    /// One seller: for platform admins, or for the users of the org that manages it.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (also another org's seller), `Infrastructure`.
    pub async fn get(&self, actor: &Actor, id: SellerId) -> Result<Seller, SellerError> {
        self.policy.require(actor, Permission::ViewSellerAccount)?;
        let seller = self.sellers.get(id).await?.ok_or(SellerError::NotFound)?;
        if self.policy.allows(actor, Permission::ManageSellers)
            || seller.is_managed_by(actor.org_id)
        {
            Ok(seller)
        } else {
            Err(SellerError::NotFound)
        }
    }

    /// Makes `seller` the seller of `tool`: its later sales split by the seller's terms.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (tool or seller), `Infrastructure`.
    #[tracing::instrument(skip_all, fields(tool = %tool, seller = %seller))]
    pub async fn assign_tool(
        &self,
        actor: &Actor,
        tool: ToolId,
        seller: SellerId,
    ) -> Result<(), SellerError> {
        self.policy.require(actor, Permission::ManageSellers)?;
        self.sellers.assign_tool(tool, seller).await?;
        self.audit
            .record(AuditEvent::by(
                actor,
                "tool.seller_assigned",
                "tool",
                tool.as_uuid(),
                self.clock.now(),
            ))
            .await;
        Ok(())
    }

    /// The seller the actor's org manages.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` when the org manages none, `Infrastructure`.
    pub async fn me(&self, actor: &Actor) -> Result<Seller, SellerError> {
        self.policy.require(actor, Permission::ViewSellerAccount)?;
        self.sellers
            .of_org(actor.org_id)
            .await?
            .ok_or(SellerError::NotFound)
    }

    /// The tools of a seller the actor may see ([`SellerService::get`]).
    ///
    /// # Errors
    /// As `get`.
    pub async fn tools(&self, actor: &Actor, id: SellerId) -> Result<Vec<ToolId>, SellerError> {
        let seller = self.get(actor, id).await?;
        Ok(self.sellers.tools_of(seller.id()).await?)
    }

    /// R-M6: the actor's seller's statement for `month`, in its payout currency, from the
    /// ledger. A month without activity is an empty statement.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` when the org manages no seller, `Infrastructure`.
    pub async fn statement(
        &self,
        actor: &Actor,
        month: YearMonth,
    ) -> Result<SellerStatement, SellerError> {
        let seller = self.me(actor).await?;
        self.statement_of_seller(&seller, month).await
    }

    /// R-M6: a seller's statement, for platform admins or the seller's own users.
    ///
    /// # Errors
    /// `NotFound` (also another org's seller), `Infrastructure`.
    pub async fn statement_of(
        &self,
        actor: &Actor,
        id: SellerId,
        month: YearMonth,
    ) -> Result<SellerStatement, SellerError> {
        let seller = self.get(actor, id).await?;
        self.statement_of_seller(&seller, month).await
    }

    async fn statement_of_seller(
        &self,
        seller: &Seller,
        month: YearMonth,
    ) -> Result<SellerStatement, SellerError> {
        let postings = self
            .sellers
            .postings_for(seller.id(), None, Some(month_end(month)))
            .await?;
        Ok(SellerStatement::from_ledger(
            seller.id(),
            month,
            seller.payout().currency(),
            &postings,
        ))
    }

    /// The actor's seller's payouts, newest month first.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` when the org manages no seller, `Infrastructure`.
    pub async fn payouts(&self, actor: &Actor) -> Result<Vec<Payout>, SellerError> {
        let seller = self.me(actor).await?;
        Ok(self.sellers.payouts_of(seller.id()).await?)
    }

    /// Starts (or resumes) onboarding the actor's seller with the payout provider: creates
    /// its connected account once, then returns a fresh onboarding link.
    ///
    /// # Errors
    /// `Forbidden` for members and viewers (before any lookup); `NotFound` when the org
    /// manages no seller; `PlatformSeller`; `ConnectNotConfigured` without a provider;
    /// `Payment`; `AccountTaken`; `Infrastructure`.
    #[tracing::instrument(skip_all)]
    pub async fn start_onboarding(
        &self,
        actor: &Actor,
        refresh_url: &str,
        return_url: &str,
    ) -> Result<Onboarding, SellerError> {
        self.policy
            .require(actor, Permission::ManageSellerAccount)?;
        let seller = self.me(actor).await?;
        if seller.kind() == SellerKind::Platform {
            return Err(SellerError::PlatformSeller);
        }
        let gateway = self
            .gateway
            .as_ref()
            .ok_or(SellerError::ConnectNotConfigured)?;
        let account = match seller.connect() {
            Some(account) => account.clone(),
            None => {
                let key = format!("connect-account-{}", seller.id());
                let account = gateway
                    .create_account(seller.id(), &key)
                    .await
                    .map_err(SellerError::Payment)?;
                self.sellers
                    .set_connect_account(seller.id(), &account)
                    .await?;
                self.audit_by(actor, "seller.connect_account_created", seller.id())
                    .await;
                account
            }
        };
        let url = gateway
            .account_link(&account.account_id, refresh_url, return_url)
            .await
            .map_err(SellerError::Payment)?;
        Ok(Onboarding {
            account_id: account.account_id,
            url,
        })
    }

    /// The provider says a connected account changed (Stripe's `account.updated`):
    /// records whether it may receive payouts. `Ok(false)` when no seller has the account
    /// (another platform's, or not recorded yet) or nothing changed.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn account_updated(
        &self,
        account_id: &str,
        payouts_enabled: bool,
    ) -> Result<bool, SellerError> {
        let Some(seller) = self.sellers.by_connect_account(account_id).await? else {
            return Ok(false);
        };
        if seller
            .connect()
            .is_some_and(|c| c.payouts_enabled == payouts_enabled)
        {
            return Ok(false);
        }
        let account = ConnectAccount {
            account_id: account_id.to_owned(),
            payouts_enabled,
        };
        self.sellers
            .set_connect_account(seller.id(), &account)
            .await?;
        self.audit
            .record(AuditEvent::system(
                seller.org_id(),
                if payouts_enabled {
                    "seller.payouts_enabled"
                } else {
                    "seller.payouts_disabled"
                },
                "seller",
                seller.id().as_uuid(),
                self.clock.now(),
            ))
            .await;
        Ok(true)
    }

    /// The platform's revenue in `month`, per seller or per tool (platform admins).
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn revenue_report(
        &self,
        actor: &Actor,
        month: YearMonth,
        currency: Currency,
        by: ReportBy,
    ) -> Result<RevenueReport, SellerError> {
        self.policy.require(actor, Permission::ManageSellers)?;
        let postings = self
            .sellers
            .postings_between(month_start(month), month_end(month))
            .await?;
        Ok(revenue_report(month, currency, by, &postings))
    }

    async fn audit_by(&self, actor: &Actor, action: &'static str, id: SellerId) {
        self.audit
            .record(AuditEvent::by(
                actor,
                action,
                "seller",
                id.as_uuid(),
                self.clock.now(),
            ))
            .await;
    }
}
