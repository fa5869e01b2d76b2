//! Integration tests of the migrations and the seed: one binary, SQLite always, PostgreSQL
//! when reachable (required when `MARKETPLACE_REQUIRE_POSTGRES=1`).

// Test helpers fail the test by panicking; clippy's test allowance covers only `#[test]`s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod postgres;
mod sqlite;
