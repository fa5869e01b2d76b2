//! The API's tests, in one binary: HTTP tests through actix's test service over the real
//! wiring on a fresh in-memory SQLite database per test (catalog, cart, checkout,
//! purchases, reviews, admin, sellers, API keys, licenses, errors, the OpenAPI document
//! and the response shapes' snapshots), and end-to-end tests of the real binary, offline
//! and against localstripe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod api_keys;
mod audit;
mod bola;
mod cart;
mod catalog;
mod checkout;
mod e2e;
mod errors;
mod helpers;
mod installations;
mod licenses;
mod listings;
mod openapi;
mod personal_data;
mod plan_choices;
mod plans;
mod purchases;
mod rate_limits;
mod renewals;
mod reviews;
mod sellers;
mod services;
mod shapes;
mod stripe_e2e;
mod subscriptions;
mod usage;
