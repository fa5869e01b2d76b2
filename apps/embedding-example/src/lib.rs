//! # A storefront of a team's own, built on the marketplace's crates
//!
//! This crate plays a backend team that embeds `marketplace-domain` in a service of its own
//! instead of calling the HTTP API. Its [`Storefront`] offers "buy now": one call that puts a
//! tool in the buyer's cart and checks out with platform credits, refusing at once when the
//! org already holds the tool. Everything the marketplace decides (tiers, limits, prices,
//! idempotency, entitlements, the ledger) stays in the domain's use cases; the team's code
//! only composes them.
//!
//! - `cargo run -p embedding-example --example sea_orm_store`: the storefront over the
//!   sea-orm store on the team's own database (`DATABASE_URL`, SQLite by default).
//! - `cargo run -p embedding-example --example own_adapter`: the same with the team's own
//!   adapter for one port (the audit log goes to the team's logging).
//! - `cargo nextest run -p embedding-example`: the team's unit tests against the domain's
//!   mocked ports (feature `mocks`).
//!
//! docs/embedding.md walks through all three.

use std::sync::Arc;

use marketplace_domain::access::Actor;
use marketplace_domain::cart::{CartError, CartService};
use marketplace_domain::checkout::{CheckoutError, CheckoutPorts, CheckoutService, IdempotencyKey};
use marketplace_domain::entitlement::{EntitlementService, HoldingsError};
use marketplace_domain::ids::ToolId;
use marketplace_domain::item::ItemRef;
use marketplace_domain::order::Order;
use marketplace_domain::payment::PaymentMethod;

/// Why "buy now" did not buy.
#[derive(Debug, thiserror::Error)]
pub enum BuyNowError {
    /// The org holds the tool already; nothing was put in the cart.
    #[error("the org already holds this tool")]
    AlreadyHeld,
    /// The caller's key is not a valid idempotency key.
    #[error("invalid idempotency key: {0}")]
    InvalidKey(&'static str),
    /// The cart refused the tool (tier, limits, status, ...): the domain says which.
    #[error(transparent)]
    Cart(#[from] CartError),
    /// The checkout refused (credits, a concurrent purchase, ...).
    #[error(transparent)]
    Checkout(#[from] CheckoutError),
    #[error(transparent)]
    Holdings(#[from] HoldingsError),
}

/// The team's own use case, composed from the marketplace's.
#[derive(Clone, Debug)]
pub struct Storefront {
    entitlements: EntitlementService,
    cart: CartService,
    checkout: CheckoutService,
}

impl Storefront {
    /// Builds the storefront from the domain's ports, whatever implements them.
    #[must_use]
    pub fn new(ports: CheckoutPorts) -> Self {
        Self {
            entitlements: EntitlementService::new(ports.holdings.clone(), ports.clock.clone()),
            cart: CartService::new(
                ports.carts.clone(),
                ports.catalog.clone(),
                ports.orgs.clone(),
                ports.holdings.clone(),
                Arc::clone(&ports.clock),
            ),
            checkout: CheckoutService::new(ports),
        }
    }

    /// Buys `tool` with platform credits in one call. The same `key` returns the same order
    /// (the domain's idempotent checkout), so a client may retry freely.
    ///
    /// # Errors
    /// [`BuyNowError::AlreadyHeld`] before anything is touched when the org holds the tool;
    /// otherwise the domain's refusal, unchanged.
    pub async fn buy_now(
        &self,
        actor: &Actor,
        tool: ToolId,
        key: &str,
    ) -> Result<Order, BuyNowError> {
        let key = IdempotencyKey::parse(key).map_err(BuyNowError::InvalidKey)?;
        if self.entitlements.holds(actor, tool).await? {
            return Err(BuyNowError::AlreadyHeld);
        }
        self.cart.add(actor, ItemRef::Tool(tool)).await?;
        Ok(self
            .checkout
            .checkout(actor, key, PaymentMethod::PlatformCredits)
            .await?)
    }

    /// Whether the actor's org may use `tool` now (the domain's one answer, R-E3).
    ///
    /// # Errors
    /// The domain's.
    pub async fn holds(&self, actor: &Actor, tool: ToolId) -> Result<bool, BuyNowError> {
        Ok(self.entitlements.holds(actor, tool).await?)
    }
}
