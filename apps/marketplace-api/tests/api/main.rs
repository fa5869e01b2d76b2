//! HTTP tests through actix's test service, over the real wiring on a fresh in-memory
//! SQLite database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod cart;
mod catalog;
mod checkout;
mod errors;
mod helpers;
mod openapi;
mod purchases;
mod reviews;
