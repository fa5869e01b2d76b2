//! What happens to a purchase after the sale: listing, cancellation (R-R2), refunds (R-M5,
//! R-E2), renewals and expiry (R-R2), and the org's subscriptions as the API shows them
//! ([`SubscriptionService`], R-B5) and their plan changes ([`PlanChangeService`], R-B9). It sits above [`crate::checkout`] and
//! [`crate::purchase`]: it reads orders and moves purchases, and neither of them needs it.

mod plan_change;
mod service;
mod subscriptions;

#[cfg(test)]
mod service_tests;

pub use plan_change::{PlanChangeError, PlanChangeService, PlanChanged};
pub use service::{PurchaseError, PurchaseService};
pub use subscriptions::{SubscriptionService, SubscriptionView};
