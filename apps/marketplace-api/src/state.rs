//! The services the handlers call, built once from the ports.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use marketplace_domain::analytics::{AnalyticsRepository, AnalyticsService};
use marketplace_domain::audit::{AuditLog, AuditTrail, AuditTrailService};
use marketplace_domain::cart::{CartRepository, CartService};
use marketplace_domain::catalog::{CatalogRepository, CatalogService};
use marketplace_domain::checkout::{
    CheckoutPorts, CheckoutService, OrderRepository, PaymentGateway,
};
use marketplace_domain::claims::UnitClaims;
use marketplace_domain::entitlement::{EntitlementService, HoldingsRepository};
use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_domain::lifecycle::{PlanChangeService, PurchaseService, SubscriptionService};
use marketplace_domain::org::{OrgRepository, OrgService};
use marketplace_domain::payment_events::{PaymentEventLog, PaymentEventService};
use marketplace_domain::personal_data::{PersonalDataService, PersonalDataStore};
use marketplace_domain::plan::{PlanRepository, PlanService};
use marketplace_domain::ports::{Clock, IdGenerator, RepoError};
use marketplace_domain::purchase::{GracePeriod, PurchaseRepository};
use marketplace_domain::renewal::{RenewalRepository, RenewalService};
use marketplace_domain::review::{ReviewRepository, ReviewService};
use marketplace_domain::seller::{PayoutGateway, PayoutService, SellerRepository, SellerService};
use marketplace_domain::stats::StatsService;
use marketplace_licensing::api_key::{ApiKeyRepository, ApiKeyService, RandomSource};
use marketplace_licensing::license::{EntitlementFeed, LicenseRepository, LicenseService};
use marketplace_listings::ports::ListingRepository;
use marketplace_listings::{ListingPorts, ListingService};
use marketplace_modules::installation::InstallationService;
use marketplace_modules::installation::ports::{
    Entitlements, InstallLog, Installations, ModuleCatalog, Notices,
};

use marketplace_services::ports::ServicesStore;
use marketplace_services::service::ServicesService;

use crate::licensing::LicensingSetup;
use crate::publishing::{CatalogPublishing, ListedServices};
use crate::service_cards::GatewayServicePayments;
use crate::usage::{MeteredOverage, UsageServices};

/// Whether the service can do its work (GET /readyz).
#[async_trait]
pub trait Readiness: Send + Sync {
    /// # Errors
    /// Why the service is not ready.
    async fn check(&self) -> anyhow::Result<()>;
}

/// Every port the application needs; adapters (or test fakes) fill it.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct Ports {
    pub catalog: Arc<dyn CatalogRepository>,
    pub plans: Arc<dyn PlanRepository>,
    pub carts: Arc<dyn CartRepository>,
    pub orders: Arc<dyn OrderRepository>,
    pub purchases: Arc<dyn PurchaseRepository>,
    /// Each period's renewal of a recurring purchase (R-B6).
    pub renewals: Arc<dyn RenewalRepository>,
    pub holdings: Arc<dyn HoldingsRepository>,
    pub orgs: Arc<dyn OrgRepository>,
    pub reviews: Arc<dyn ReviewRepository>,
    pub payment_events: Arc<dyn PaymentEventLog>,
    pub audit: Arc<dyn AuditLog>,
    /// The stored audit trail, read back (R-T8).
    pub audit_trail: Arc<dyn AuditTrail>,
    /// A user's personal data, exported and erased (R-T9).
    pub personal_data: Arc<dyn PersonalDataStore>,
    /// Claims on the jobs' units of work across replicas (R-T10).
    pub claims: Arc<dyn UnitClaims>,
    pub payments: Arc<dyn PaymentGateway>,
    /// Sellers, the ledger per seller and payouts.
    pub sellers: Arc<dyn SellerRepository>,
    /// Tool page views per month and the purchases they convert to (R-C6, R-C7).
    pub analytics: Arc<dyn AnalyticsRepository>,
    /// Stripe Connect; `None` offline (onboarding and payouts then answer "not
    /// configured").
    pub payouts: Option<Arc<dyn PayoutGateway>>,
    /// Module versions and their dependencies (R-I1).
    pub module_catalog: Arc<dyn ModuleCatalog>,
    /// Each org's platform version, generations and disabled flags (R-I2, R-I4).
    pub installations: Arc<dyn Installations>,
    /// Install, update and rollback attempts (R-I7).
    pub install_log: Arc<dyn InstallLog>,
    /// Update notices per org (R-I6).
    pub update_notices: Arc<dyn Notices>,
    /// Sellers' listings, notices, opt-in choices and profiles (R-G*).
    pub listings: Arc<dyn ListingRepository>,
    /// Providers, service listings, transactions, threads and ratings (R-X*).
    pub services: Arc<dyn ServicesStore>,
    /// API keys (digests and records), licenses and their activations.
    pub api_keys: Arc<dyn ApiKeyRepository>,
    pub licenses: Arc<dyn LicenseRepository>,
    /// The entitlements licenses are issued for and follow.
    pub entitlement_feed: Arc<dyn EntitlementFeed>,
    /// Randomness for new API keys.
    pub random: Arc<dyn RandomSource>,
    /// The license signing keys and the API key digest secret.
    pub licensing: LicensingSetup,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub readiness: Arc<dyn Readiness>,
    /// How long a recurring purchase keeps access after its period while its renewal may
    /// still be paid (configuration; 3 days by default).
    pub grace: GracePeriod,
    /// Usage events and their totals (R-U2..R-U4).
    pub usage: Arc<dyn marketplace_metering::service::ports::UsageStore>,
    /// Tools' meters and the plans orgs use them under (R-U1, R-U4).
    pub meters: Arc<dyn marketplace_metering::service::ports::MeterDefinitions>,
    /// Where catalog admins define meters (R-U1).
    pub meter_registry: Arc<dyn marketplace_metering::service::ports::MeterRegistry>,
    /// The access answer's reads at once (R-U6).
    pub access_reads: Arc<dyn marketplace_metering::service::ports::AccessReads>,
}

/// The use cases, as handlers see them.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct Services {
    pub catalog: CatalogService,
    /// Plans, and creating tools and bundles together with their first plan.
    pub plans: PlanService,
    pub cart: CartService,
    pub checkout: CheckoutService,
    pub purchases: PurchaseService,
    /// The org's recurring purchases as subscriptions (R-B5).
    pub subscriptions: SubscriptionService,
    /// Plan changes of subscriptions (R-B9).
    pub plan_changes: PlanChangeService,
    pub renewals: RenewalService,
    pub reviews: ReviewService,
    pub orgs: OrgService,
    pub entitlements: EntitlementService,
    pub stats: StatsService,
    pub payment_events: PaymentEventService,
    pub sellers: SellerService,
    pub payouts: PayoutService,
    pub installations: InstallationService,
    /// Sellers' registration, listings, moderation, opt-in and dashboard (R-G*).
    pub listings: ListingService,
    /// Providers, services, transactions, messages and provider ratings (R-X*).
    pub services: ServicesService,
    pub api_keys: ApiKeyService,
    pub licenses: LicenseService,
    /// Usage metering, quotas and the access answer (R-U*).
    pub usage: UsageServices,
    /// Tool page views counted in memory and flushed by a job (R-C6), and the reports
    /// (R-C7).
    pub analytics: AnalyticsService,
    /// The audit trail for platform admins and an org's owners (R-T8).
    pub audit: AuditTrailService,
    /// A user's export and erasure (R-T9).
    pub personal_data: PersonalDataService,
    pub readiness: Arc<dyn Readiness>,
    /// The one clock the jobs and commands read, the same the use cases were given.
    pub clock: Arc<dyn Clock>,
}

/// The installation context's entitlement port answered by the domain's holdings: the one
/// answer to "does org X hold tool Y now" (R-E3), so a module's candidates are exactly what
/// the org holds or what is free (R-I2).
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct HoldingsEntitlements {
    holdings: Arc<dyn HoldingsRepository>,
    clock: Arc<dyn Clock>,
}

impl HoldingsEntitlements {
    pub fn new(holdings: Arc<dyn HoldingsRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { holdings, clock }
    }
}

#[async_trait]
impl Entitlements for HoldingsEntitlements {
    async fn held(&self, org: OrgId, tools: &[ToolId]) -> Result<BTreeSet<ToolId>, RepoError> {
        let holdings = self.holdings.holdings(org, self.clock.now()).await?;
        Ok(tools
            .iter()
            .copied()
            .filter(|tool| holdings.holds_tool(*tool))
            .collect())
    }
}

impl Services {
    #[must_use]
    pub fn new(p: Ports) -> Self {
        let checkout = CheckoutService::new(CheckoutPorts {
            orders: p.orders.clone(),
            carts: p.carts.clone(),
            catalog: p.catalog.clone(),
            orgs: p.orgs.clone(),
            holdings: p.holdings.clone(),
            payments: p.payments.clone(),
            audit: p.audit.clone(),
            clock: p.clock.clone(),
            ids: p.ids.clone(),
        })
        .with_subscriptions(p.purchases.clone())
        .with_plans(p.plans.clone());
        let purchases = PurchaseService::new(
            p.purchases.clone(),
            p.orders.clone(),
            p.holdings.clone(),
            p.payments.clone(),
            p.audit.clone(),
            p.clock.clone(),
            p.ids.clone(),
        )
        .with_grace(p.grace);
        let usage = UsageServices::new(
            p.usage.clone(),
            p.meters.clone(),
            p.meter_registry.clone(),
            Arc::new(HoldingsEntitlements::new(
                p.holdings.clone(),
                p.clock.clone(),
            )),
        )
        .with_access_reads(p.access_reads.clone());
        let renewals = RenewalService::new(
            p.renewals.clone(),
            p.purchases.clone(),
            p.catalog.clone(),
            p.payments.clone(),
            p.audit.clone(),
            p.clock.clone(),
            p.ids.clone(),
            p.grace,
        )
        .with_usage_charges(Arc::new(MeteredOverage::new(usage.billing.clone())))
        .with_plans(p.plans.clone())
        .with_claims(p.claims.clone());
        let catalog = CatalogService::new(
            p.catalog.clone(),
            p.audit.clone(),
            p.clock.clone(),
            p.ids.clone(),
        )
        .with_holders(Arc::new(EntitlementService::new(
            p.holdings.clone(),
            p.clock.clone(),
        )));
        let catalog = match p.catalog.read_model() {
            Some(read_model) => catalog.with_read_model(read_model),
            None => catalog,
        };
        let plans = PlanService::new(
            catalog.clone(),
            p.plans.clone(),
            p.catalog.clone(),
            p.audit.clone(),
            p.clock.clone(),
            p.ids.clone(),
        );
        let plans = match p.plans.read_model() {
            Some(read_model) => plans.with_read_model(read_model),
            None => plans,
        };
        let installations = InstallationService::new(
            p.module_catalog.clone(),
            p.installations.clone(),
            Arc::new(HoldingsEntitlements::new(
                p.holdings.clone(),
                p.clock.clone(),
            )),
            p.install_log.clone(),
            p.update_notices.clone(),
            p.clock.clone(),
        );
        let services = ServicesService::new(
            p.services.clone(),
            Arc::new(GatewayServicePayments::new(p.payments.clone())),
            p.clock.clone(),
            p.ids.clone(),
        );
        let listings = ListingService::new(ListingPorts {
            listings: p.listings.clone(),
            sellers: p.sellers.clone(),
            catalog: p.catalog.clone(),
            modules: p.module_catalog.clone(),
            install_log: p.install_log.clone(),
            publisher: Arc::new(CatalogPublishing {
                catalog: catalog.clone(),
                plans: plans.clone(),
                installations: installations.clone(),
            }),
            services: Arc::new(ListedServices {
                services: services.clone(),
            }),
            audit: p.audit.clone(),
            clock: p.clock.clone(),
            ids: p.ids.clone(),
        });
        let checkout = checkout.with_offer_gate(Arc::new(listings.clone()));
        Self {
            plan_changes: PlanChangeService::new(
                p.purchases.clone(),
                p.plans.clone(),
                p.catalog.clone(),
                p.audit.clone(),
                p.clock.clone(),
                p.ids.clone(),
            ),
            subscriptions: SubscriptionService::new(
                purchases.clone(),
                p.purchases.clone(),
                p.plans.clone(),
                p.renewals.clone(),
                p.clock.clone(),
            ),
            plans,
            payment_events: PaymentEventService::new(
                checkout.clone(),
                purchases.clone(),
                renewals.clone(),
                p.purchases.clone(),
                p.orders.clone(),
                p.payment_events.clone(),
                p.clock.clone(),
            ),
            catalog,
            cart: CartService::new(
                p.carts.clone(),
                p.catalog.clone(),
                p.orgs.clone(),
                p.holdings.clone(),
                p.clock.clone(),
            )
            .with_offer_gate(Arc::new(listings.clone()))
            .with_plans(p.plans.clone())
            .with_trials(p.purchases.clone()),
            checkout,
            purchases,
            renewals,
            reviews: ReviewService::new(
                p.reviews.clone(),
                p.holdings.clone(),
                p.audit.clone(),
                p.clock.clone(),
                p.ids.clone(),
            )
            .with_catalog(p.catalog.clone()),
            orgs: OrgService::new(p.orgs.clone(), p.audit.clone(), p.clock.clone()),
            entitlements: EntitlementService::new(p.holdings.clone(), p.clock.clone()),
            stats: StatsService::new(p.catalog.clone(), p.holdings.clone(), p.clock.clone()),
            sellers: SellerService::new(
                p.sellers.clone(),
                p.orgs.clone(),
                p.audit.clone(),
                p.clock.clone(),
                p.ids.clone(),
            )
            .with_gateway(p.payouts.clone()),
            payouts: PayoutService::new(
                p.sellers.clone(),
                p.payouts.clone(),
                p.audit.clone(),
                p.ids.clone(),
            ),
            installations,
            listings,
            services,
            api_keys: ApiKeyService::new(
                p.api_keys.clone(),
                p.random.clone(),
                p.licensing.digester.clone(),
                p.clock.clone(),
                p.ids.clone(),
                p.licensing.environment,
            ),
            licenses: LicenseService::new(
                p.licenses.clone(),
                p.licensing.signing.clone(),
                p.clock.clone(),
                p.ids.clone(),
            )
            .with_entitlements(p.entitlement_feed.clone()),
            usage,
            analytics: AnalyticsService::new(
                p.analytics.clone(),
                p.sellers.clone(),
                p.clock.clone(),
            ),
            audit: AuditTrailService::new(p.audit_trail.clone()),
            personal_data: PersonalDataService::new(p.personal_data.clone(), p.clock.clone()),
            readiness: p.readiness,
            clock: p.clock,
        }
    }
}
