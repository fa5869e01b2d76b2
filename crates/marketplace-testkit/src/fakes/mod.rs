//! In-memory fakes of every port, and [`Fakes`]: all of them wired into the domain's
//! services.

mod carts;
mod catalog;
mod gateway;
mod holdings;
mod orders;
mod orgs;
mod payment_events;
mod payouts;
mod plans;
mod purchases;
mod renewals;
mod reviews;
mod sellers;
mod store;
mod support;

use std::sync::Arc;

use marketplace_domain::access::Actor;
use marketplace_domain::cart::CartService;
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::catalog::{Bundle, CatalogService, Tool};
use marketplace_domain::checkout::{CheckoutPorts, CheckoutService};
use marketplace_domain::entitlement::EntitlementService;
use marketplace_domain::ids::PlanId;
use marketplace_domain::ids::{OrgId, SellerId};
use marketplace_domain::lifecycle::{PlanChangeService, PurchaseService, SubscriptionService};
use marketplace_domain::money::Money;
use marketplace_domain::org::{OrgService, Organization};
use marketplace_domain::plan::{
    BillingInterval, Plan, PlanCode, PlanDraft, PlanName, PlanService, Quotas, TrialDays,
    plan_for_bundle_price, plan_for_price_model,
};
use marketplace_domain::revenue::{FeeRate, SellerKind, SellerTerms};
use marketplace_domain::review::ReviewService;
use marketplace_domain::seller::{PayoutService, SellerService};
use marketplace_domain::stats::StatsService;
use marketplace_domain::tier::Tier;

pub use gateway::{FakePayment, FakePaymentGateway, FakeRefund, GatewayBehaviour};
pub use payouts::{FakePayoutGateway, TransferBehaviour, TransferRequest};
pub use reviews::{Flag, ReviewTables, Vote};
pub use sellers::SellerTables;
pub use store::{InMemoryStore, StoreData, StoredOrder};
pub use support::{FixedClock, RecordingAuditLog, SequentialIds, UniqueIds};

use crate::builders::{self, ToolBuilder};

/// Every fake, shared: one store behind all repositories, a fixed clock, sequential ids,
/// a configurable payment gateway and a recording audit log. The platform seller
/// [`builders::platform_seller`] is already there.
#[derive(Clone, Debug)]
pub struct Fakes {
    pub store: Arc<InMemoryStore>,
    pub clock: Arc<FixedClock>,
    pub ids: Arc<SequentialIds>,
    pub payments: Arc<FakePaymentGateway>,
    pub audit: Arc<RecordingAuditLog>,
}

impl Default for Fakes {
    fn default() -> Self {
        Self::new()
    }
}

impl Fakes {
    /// Fresh fakes, the clock at [`builders::t0`], the platform seller stored.
    #[must_use]
    pub fn new() -> Self {
        let fakes = Self {
            store: Arc::new(InMemoryStore::default()),
            clock: Arc::new(FixedClock::default()),
            ids: Arc::new(SequentialIds::default()),
            payments: Arc::new(FakePaymentGateway::default()),
            audit: Arc::new(RecordingAuditLog::default()),
        };
        fakes.store.put_seller(SellerTerms {
            seller_id: builders::platform_seller(),
            kind: SellerKind::Platform,
            fee_rate: FeeRate::DEFAULT,
        });
        fakes
    }

    #[must_use]
    pub fn catalog_service(&self) -> CatalogService {
        CatalogService::new(
            self.store.clone(),
            self.audit.clone(),
            self.clock.clone(),
            self.ids.clone(),
        )
    }

    #[must_use]
    pub fn subscription_service(&self) -> SubscriptionService {
        SubscriptionService::new(
            self.purchase_service(),
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            self.clock.clone(),
        )
    }

    #[must_use]
    pub fn plan_change_service(&self) -> PlanChangeService {
        PlanChangeService::new(
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            self.audit.clone(),
            self.clock.clone(),
            self.ids.clone(),
        )
    }

    #[must_use]
    pub fn plan_service(&self) -> PlanService {
        PlanService::new(
            self.catalog_service(),
            self.store.clone(),
            self.store.clone(),
            self.audit.clone(),
            self.clock.clone(),
            self.ids.clone(),
        )
    }

    #[must_use]
    pub fn cart_service(&self) -> CartService {
        CartService::new(
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            self.clock.clone(),
        )
        .with_plans(self.store.clone())
        .with_trials(self.store.clone())
    }

    #[must_use]
    pub fn checkout_service(&self) -> CheckoutService {
        CheckoutService::new(CheckoutPorts {
            orders: self.store.clone(),
            carts: self.store.clone(),
            catalog: self.store.clone(),
            orgs: self.store.clone(),
            holdings: self.store.clone(),
            payments: self.payments.clone(),
            audit: self.audit.clone(),
            clock: self.clock.clone(),
            ids: self.ids.clone(),
        })
        .with_subscriptions(self.store.clone())
        .with_plans(self.store.clone())
    }

    #[must_use]
    pub fn payment_event_service(&self) -> marketplace_domain::payment_events::PaymentEventService {
        marketplace_domain::payment_events::PaymentEventService::new(
            self.checkout_service(),
            self.purchase_service(),
            self.renewal_service(),
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            self.clock.clone(),
        )
    }

    /// Renewals with the default grace (3 days).
    #[must_use]
    pub fn renewal_service(&self) -> marketplace_domain::renewal::RenewalService {
        marketplace_domain::renewal::RenewalService::new(
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            self.payments.clone(),
            self.audit.clone(),
            self.clock.clone(),
            self.ids.clone(),
            marketplace_domain::subscription::GracePeriod::default(),
        )
        .with_plans(self.store.clone())
    }

    #[must_use]
    pub fn purchase_service(&self) -> PurchaseService {
        PurchaseService::new(
            self.store.clone(),
            self.store.clone(),
            self.store.clone(),
            self.payments.clone(),
            self.audit.clone(),
            self.clock.clone(),
            self.ids.clone(),
        )
    }

    #[must_use]
    pub fn review_service(&self) -> ReviewService {
        ReviewService::new(
            self.store.clone(),
            self.store.clone(),
            self.audit.clone(),
            self.clock.clone(),
            self.ids.clone(),
        )
    }

    #[must_use]
    pub fn org_service(&self) -> OrgService {
        OrgService::new(self.store.clone(), self.audit.clone(), self.clock.clone())
    }

    #[must_use]
    pub fn entitlement_service(&self) -> EntitlementService {
        EntitlementService::new(self.store.clone(), self.clock.clone())
    }

    /// The seller use cases, onboarding through `payouts` (the fake provider).
    #[must_use]
    pub fn seller_service(&self, payouts: &Arc<FakePayoutGateway>) -> SellerService {
        SellerService::new(
            self.store.clone(),
            self.store.clone(),
            self.audit.clone(),
            self.clock.clone(),
            self.ids.clone(),
        )
        .with_gateway(Some(payouts.clone()))
    }

    /// The payout run over the store, transferring through `payouts`.
    #[must_use]
    pub fn payout_service(&self, payouts: &Arc<FakePayoutGateway>) -> PayoutService {
        PayoutService::new(
            self.store.clone(),
            Some(payouts.clone()),
            self.audit.clone(),
            self.ids.clone(),
        )
    }

    #[must_use]
    pub fn stats_service(&self) -> StatsService {
        StatsService::new(self.store.clone(), self.store.clone(), self.clock.clone())
    }

    /// Stores a seller with its terms and returns its id.
    pub fn add_seller(&self, kind: SellerKind, fee_rate: FeeRate) -> SellerId {
        let seller_id = SellerId::from_uuid(builders::unique_uuid());
        self.store.put_seller(SellerTerms {
            seller_id,
            kind,
            fee_rate,
        });
        seller_id
    }

    /// Stores a tool as built (counters included) and returns it. A seller it names that
    /// is unknown is stored as a third party at the default rate.
    pub fn add_tool(&self, tool: impl Into<Tool>) -> Tool {
        let tool = tool.into();
        self.store.with(|d| {
            d.sellers.entry(tool.seller_id).or_insert(SellerTerms {
                seller_id: tool.seller_id,
                kind: SellerKind::ThirdParty,
                fee_rate: FeeRate::DEFAULT,
            });
            d.tools.insert(tool.id, tool.clone());
            if let Some(draft) = plan_for_price_model(&tool.pricing) {
                d.plans.push(first_plan(ItemRef::Tool(tool.id), draft));
            }
        });
        tool
    }

    /// Stores a default tool changed by `f` (a shorthand for `add_tool(f(ToolBuilder::new()))`).
    pub fn tool(&self, f: impl FnOnce(ToolBuilder) -> ToolBuilder) -> Tool {
        self.add_tool(f(ToolBuilder::new()))
    }

    /// Stores a bundle as built and returns it.
    pub fn add_bundle(&self, bundle: impl Into<Bundle>) -> Bundle {
        let bundle = bundle.into();
        self.store.with(|d| {
            d.bundles.insert(bundle.id(), bundle.clone());
            let draft = plan_for_bundle_price(bundle.price());
            d.plans
                .push(first_plan(ItemRef::Bundle(bundle.id()), draft));
        });
        bundle
    }

    /// Stores one more plan of `item`, after its others: `code` at `price`, paid every
    /// `interval`, with `trial_days` free first (R-B1).
    pub fn add_plan(
        &self,
        item: ItemRef,
        code: &str,
        price: Money,
        interval: BillingInterval,
        trial_days: u32,
    ) -> Plan {
        let draft = PlanDraft {
            code: PlanCode::parse(code).unwrap_or_else(|e| panic!("plan code {code}: {e}")),
            name: PlanName::parse(code).unwrap_or_else(|e| panic!("plan name {code}: {e}")),
            price,
            interval,
            trial_days: TrialDays::new(trial_days)
                .unwrap_or_else(|e| panic!("trial of {code}: {e}")),
            quotas: Quotas::none(),
            provider_price: None,
        };
        let plan = first_plan(item, draft);
        self.store.with(|d| d.plans.push(plan.clone()));
        plan
    }

    /// Stores (or replaces) `org` with this tier and credit balance.
    pub fn set_org(&self, org: OrgId, tier: Tier, credits: Money) -> Organization {
        let stored = Organization::restore(org, format!("Org {org}"), tier, credits);
        self.store.put_org(stored.clone());
        stored
    }

    /// A new org of this tier with this credit balance.
    pub fn new_org(&self, tier: Tier, credits: Money) -> OrgId {
        let org = builders::org_id();
        self.set_org(org, tier, credits);
        org
    }

    /// A new org of this tier, no credits, and its owner.
    pub fn org_with_owner(&self, tier: Tier) -> (OrgId, Actor) {
        let org = self.new_org(tier, builders::usd("0"));
        (org, builders::owner(org))
    }
}

/// The plan a stored item is sold through from the start, as the seed and the migration
/// give one (R-B2).
fn first_plan(item: ItemRef, draft: PlanDraft) -> Plan {
    Plan::new(PlanId::from_uuid(builders::unique_uuid()), item, draft)
        .unwrap_or_else(|e| panic!("the first plan of {item:?}: {e}"))
}
