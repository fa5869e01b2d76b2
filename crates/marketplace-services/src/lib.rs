//! # marketplace-services
//!
//! A services marketplace beside the tool catalog (R-X1..R-X5): providers offer services
//! (grooming, training, ...), buyers' orgs transact with them through invoices, talk to
//! them in message threads and rate them. Rules as types and pure functions, use cases
//! behind ports: no database, HTTP or payment provider here, no clock and no id source of
//! its own (the kernel's ports).
//!
//! Money, ids, access and the revenue split are `marketplace-domain`'s: a provider is a
//! seller, a transaction's platform fee and payout are the seller's split (R-M3), and its
//! payment and refunds are balanced ledger postings (R-M5) on the seller's payable, so
//! payouts and statements take services in like tool sales.
//!
//! - [`provider`] (R-X1): a seller's provider profile and payment mode.
//! - [`listing`] (R-X2): service listings, DRAFT → PUBLISHED → ARCHIVED.
//! - [`transaction`] (R-X3): the transaction's states, invoices, fee split and postings.
//! - [`thread`] (R-X4): message threads, their two parties and unread counts.
//! - [`rating`] (R-X5): provider ratings, moderated like reviews.
//! - [`ports`] and [`service`]: what adapters implement and the use cases over them.

pub mod ids;
pub mod listing;
pub mod ports;
pub mod provider;
pub mod rating;
pub mod service;
pub mod text;
pub mod thread;
pub mod transaction;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod service_tests;
