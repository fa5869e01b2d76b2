//! # marketplace-domain
//!
//! The marketplace's business rules (`R-…` in `docs/domain-rules.md`) as types, pure
//! functions and use cases behind port traits. No database, HTTP, runtime or payment
//! provider crate is a dependency: adapters implement the ports, applications wire them.
//!
//! Modules by business concept:
//! - [`money`], [`ids`], [`tier`], [`access`]: values every rule speaks in.
//! - [`catalog`]: tools, bundles, catalog queries and admin edits (R-C*).
//! - [`cart`]: the cart and its derived totals (R-K*).
//! - [`checkout`]: orders, idempotent checkout, payment and fulfilment (R-O*).
//! - [`purchase`]: purchases, recurring periods, cancellation, expiry, refunds (R-R*).
//! - [`entitlement`]: bundle expansion and "does org X hold tool Y" (R-E*).
//! - [`review`]: reviews, moderation and rating aggregates (R-V*).
//! - [`revenue`]: revenue split, bundle allocation, ledger and statements (R-M*).
//! - [`seller`]: sellers, their statements and reports, and the monthly payout run.
//! - [`org`], [`stats`], [`audit`]: organizations, figures, the audit trail.
//! - [`ports`]: what adapters report, the clock and id generation.

pub mod access;
pub mod audit;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod entitlement;
pub mod ids;
pub mod labels;
pub mod money;
pub mod org;
pub mod payment_events;
pub mod ports;
pub mod purchase;
pub mod revenue;
pub mod review;
pub mod seller;
pub mod stats;
pub mod tier;

#[cfg(test)]
mod proptests;
