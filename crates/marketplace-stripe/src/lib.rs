//! # marketplace-stripe
//!
//! Payment adapters for the domain's [`PaymentGateway`](marketplace_domain::checkout::PaymentGateway)
//! port:
//! - [`StripeGateway`]: card payments through Stripe PaymentIntents, refunds, and the
//!   customers and subscriptions of recurring purchases, over a small typed client
//!   (reqwest, rustls with ring) with bounded retries and idempotency keys
//!   (docs/decisions/0003-stripe-client.md says why not a Stripe SDK);
//! - [`StripeConnect`]: the domain's `PayoutGateway` over Stripe Connect: Express
//!   accounts, onboarding links and transfers to sellers under per-(seller, month)
//!   idempotency keys;
//! - [`webhook`]: [`StripeWebhook`] checks a delivery's `Stripe-Signature` and translates
//!   its event into the domain's (payment events, a seller's account change) or nothing;
//! - [`OfflineGateway`]: for the embedded demo, takes no money.

mod client;
mod config;
mod connect;
mod gateway;
mod offline;
pub mod testing;
pub mod webhook;
mod wire;

pub use client::HttpFailure;
pub use config::{ApiFlavor, DEFAULT_API_BASE, DEFAULT_API_VERSION, StripeConfig};
pub use connect::StripeConnect;
pub use gateway::{
    BillingInterval, CustomerRef, StripeGateway, SubscriptionRef, SubscriptionRequest,
    SubscriptionStatus,
};
pub use offline::OfflineGateway;
pub use webhook::{StripeWebhook, Translated, WebhookError};
