//! The SeaORM adapter's integration tests: one binary, a database per test.
//!
//! SQLite always; PostgreSQL when reachable at `MARKETPLACE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), required with
//! `MARKETPLACE_REQUIRE_POSTGRES=1`. Skipped PostgreSQL tests say so on stderr.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod catalog_memory;
mod claims;
mod concurrency;
mod contract;
mod corrupt;
mod fixtures;
mod licensing;
mod listings;
mod meter_definitions;
mod metering;
mod modules;
mod personal_data;
mod plans;
mod renewals;
mod rls;
mod schema_labels;
mod sellers;
mod services;
mod support;
