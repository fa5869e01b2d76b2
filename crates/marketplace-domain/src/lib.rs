//! # marketplace-domain
//!
//! The marketplace's business rules (`R-…` in `docs/domain-rules.md`) as types, pure
//! functions and use cases behind port traits. No database, HTTP, runtime or payment
//! provider crate is a dependency: adapters implement the ports, applications wire them.
//!
//! Modules by business concept:
//! - [`money`], [`ids`], [`tier`], [`access`], [`item`], [`paging`], [`field`],
//!   [`interval`], [`payment`]: the shared kernel (`marketplace-kernel`), re-exported.
//! - [`catalog`]: tools, bundles, catalog queries and admin edits (R-C*).
//! - [`analytics`]: tool page views counted in memory and stored in batches, views,
//!   purchases and conversion per tool and month (R-C6, R-C7).
//! - [`cart`]: the cart and its derived totals (R-K*).
//! - [`checkout`]: orders, idempotent checkout, payment and fulfilment (R-O*).
//! - [`order`]: orders and their states (R-O6).
//! - [`purchase`]: purchases and their recurring periods (R-R1).
//! - [`lifecycle`]: cancellation, refunds, renewals and expiry of purchases (R-R2, R-E2).
//! - [`renewal`]: each period's renewal, whatever pays for it, as a sale (R-B6, R-B7).
//! - [`entitlement`]: bundle expansion and "does org X hold tool Y" (R-E*).
//! - [`review`]: reviews, moderation and rating aggregates (R-V*).
//! - [`revenue`]: revenue split, bundle allocation, ledger and statements (R-M*).
//! - [`seller`]: sellers, their statements and reports, and the monthly payout run.
//! - [`org`], [`stats`], [`audit`]: organizations, figures, the audit trail.
//! - [`ports`]: what adapters report, the clock and id generation.

pub mod analytics;
pub mod audit;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod claims;
pub mod entitlement;
pub mod lifecycle;
pub mod order;
pub mod org;
pub mod payment_events;
pub mod personal_data;
pub mod plan;
pub mod ports;
pub mod purchase;
pub mod renewal;
pub mod revenue;
pub mod review;
pub mod seller;
pub mod stats;
pub mod subscription;

// The shared kernel, under the paths the domain has always used.
pub use marketplace_kernel::labelled;
pub use marketplace_kernel::{
    access, field, ids, interval, item, labels, money, paging, payment, tier,
};

#[cfg(test)]
mod proptests;
