//! Renewals of recurring purchases (R-B6, R-B7, R-B8): each period a purchase is renewed
//! for is one [`RenewalCharge`], recorded once per purchase and period whatever pays for
//! it, and every renewal collected is a sale in the ledger split like a first sale.
//!
//! - Card renewals are charged by the payment provider; its paid invoice is collected here
//!   ([`RenewalService::card_renewal_paid`]), and a payment for a purchase that has ended
//!   is refunded at once.
//! - Credits and invoices are renewed by the engine's job ([`RenewalService::run_due`]):
//!   credits are debited at the period's end (not enough: PAST_DUE, retried on every run
//!   until the grace ends); an invoice payer gets a numbered renewal invoice due at the end
//!   of the grace, collected when an admin marks it paid.
//! - A refund of a renewal reverses that renewal's sale alone.
//!
//! - A metered plan's overage (R-U5) joins the renewal the engine charges (credits and
//!   invoices): the renewal's amount is the plan's price plus its overage lines, and its
//!   sale is split like any other.
//!
//! The store keys a renewal by (purchase, period start): two runs of the job, or a job and
//! a redelivered provider event, can never renew the same period twice.

mod charge;
mod ports;
mod service;

pub use charge::{RenewalCharge, RenewalId, RenewalState, RenewalStatus};
pub use ports::{
    CollectedRenewal, OpenRenewal, OverageCharge, RenewalRefund, RenewalRepository, UsageCharges,
};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockRenewalRepository, MockUsageCharges};
pub(crate) use service::sale_parts;
pub use service::{CardRenewal, RenewalError, RenewalService, RunReport};
