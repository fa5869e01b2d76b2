//! # marketplace-testkit
//!
//! What every test of the marketplace stands on:
//! - [`fakes`]: in-memory fakes of every port of `marketplace-domain`, one store behind all
//!   repositories, and [`fakes::Fakes`] wiring them into every domain service;
//! - [`builders`]: test data with sane defaults (tools, bundles, actors, orgs, money);
//! - [`contract`]: the port contract tests, generic over the ports, that every adapter
//!   (the in-memory fakes, SQLite, PostgreSQL) must pass; [`seller_contract`], the same for
//!   the seller repository (sellers, the ledger per seller, payouts).

pub mod builders;
pub mod contract;
pub mod fakes;
pub mod seller_contract;

pub use fakes::Fakes;
