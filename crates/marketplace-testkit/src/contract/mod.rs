//! Port contract tests: what every implementation of the repository ports must do, as
//! async functions over [`ContractPorts`]. The in-memory fakes run them in this crate's
//! `tests/contract_fakes.rs`; the SeaORM adapter runs the very same functions against
//! SQLite and PostgreSQL.
//!
//! Each function seeds what it needs through the ports themselves (tools and bundles with
//! `insert_tool`/`insert_bundle`, orgs with `upsert`/`grant_credits`, sellers with the
//! small [`Seeder`]) using process-unique ids, and panics with a message naming the broken
//! rule. Rows already in the store (a seeded catalog) do not disturb them.
//!
//! One module per concept (`catalog`, `carts`, `orders`, `holdings`, `purchases`,
//! `reviews`), the seeding helpers they share in `setup`; every contract function is
//! re-exported here.

use std::sync::Arc;

use async_trait::async_trait;
use marketplace_domain::cart::CartRepository;
use marketplace_domain::catalog::CatalogRepository;
use marketplace_domain::checkout::OrderRepository;
use marketplace_domain::entitlement::HoldingsRepository;
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::org::OrgRepository;
use marketplace_domain::plan::PlanRepository;
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::PurchaseRepository;
use marketplace_domain::revenue::SellerTerms;
use marketplace_domain::review::ReviewRepository;

use crate::fakes::{Fakes, InMemoryStore};

mod carts;
mod catalog;
mod holdings;
mod orders;
mod plans;
mod purchases;
mod reviews;
mod setup;

pub use carts::carts_and_tenant_isolation;
pub use catalog::{catalog_round_trip, catalog_search_agrees_with_reference};
pub use holdings::holdings_report_what_the_limits_count;
pub use orders::{
    conflicting_active_purchase_stores_nothing, fulfil_stores_everything,
    place_idempotency_key_conflict, place_with_credit_debit, second_fulfil_is_stale,
};
pub use plans::{plan_choices_are_stored, plans_round_trip, tool_with_plans_is_stored_whole};
pub use purchases::{refund_partial_then_full, renew_then_expire};
pub use reviews::{
    one_vote_and_one_flag_per_user, rating_rounds_half_away_from_zero,
    review_save_recomputes_rating,
};

/// Seeds what no repository port writes: sellers (and, where the schema keeps them,
/// users).
#[async_trait]
pub trait Seeder: Send + Sync {
    /// Stores a seller with its revenue terms.
    async fn insert_seller(&self, terms: &SellerTerms) -> Result<(), RepoError>;

    /// Makes `user` a known user of `org`, for stores whose reviews, votes or carts refer
    /// to a users table. The default does nothing.
    async fn insert_user(&self, _user: UserId, _org: OrgId) -> Result<(), RepoError> {
        Ok(())
    }
}

#[async_trait]
impl Seeder for InMemoryStore {
    async fn insert_seller(&self, terms: &SellerTerms) -> Result<(), RepoError> {
        self.put_seller(*terms);
        Ok(())
    }
}

/// Every repository port under test, plus the seeder.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct ContractPorts {
    pub catalog: Arc<dyn CatalogRepository>,
    pub plans: Arc<dyn PlanRepository>,
    pub carts: Arc<dyn CartRepository>,
    pub orgs: Arc<dyn OrgRepository>,
    pub orders: Arc<dyn OrderRepository>,
    pub purchases: Arc<dyn PurchaseRepository>,
    pub holdings: Arc<dyn HoldingsRepository>,
    pub reviews: Arc<dyn ReviewRepository>,
    pub seeder: Arc<dyn Seeder>,
}

impl ContractPorts {
    /// Every port over one in-memory store.
    #[must_use]
    pub fn over(store: &Arc<InMemoryStore>) -> Self {
        Self {
            catalog: store.clone(),
            plans: store.clone(),
            carts: store.clone(),
            orgs: store.clone(),
            orders: store.clone(),
            purchases: store.clone(),
            holdings: store.clone(),
            reviews: store.clone(),
            seeder: store.clone(),
        }
    }

    /// Every port over the fakes' store.
    #[must_use]
    pub fn from_fakes(fakes: &Fakes) -> Self {
        Self::over(&fakes.store)
    }

    /// Every port over a fresh in-memory store.
    #[must_use]
    pub fn in_memory() -> Self {
        Self::over(&Arc::new(InMemoryStore::default()))
    }
}

/// Every contract function by name, for adapters that want to loop (each is also public).
pub const ALL: &[&str] = &[
    "catalog_round_trip",
    "catalog_search_agrees_with_reference",
    "plans_round_trip",
    "tool_with_plans_is_stored_whole",
    "plan_choices_are_stored",
    "carts_and_tenant_isolation",
    "place_idempotency_key_conflict",
    "place_with_credit_debit",
    "fulfil_stores_everything",
    "holdings_report_what_the_limits_count",
    "second_fulfil_is_stale",
    "conflicting_active_purchase_stores_nothing",
    "refund_partial_then_full",
    "renew_then_expire",
    "review_save_recomputes_rating",
    "rating_rounds_half_away_from_zero",
    "one_vote_and_one_flag_per_user",
];
