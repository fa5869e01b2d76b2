//! # marketplace-stripe
//!
//! Payment adapters for the domain's [`PaymentGateway`](marketplace_domain::checkout::PaymentGateway)
//! port: [`OfflineGateway`] for the embedded demo, and (behind configuration) Stripe.

mod offline;

pub use offline::OfflineGateway;
