//! # marketplace-api
//!
//! The thin actix-web application over the marketplace domain: configuration, wiring,
//! routes, authentication, error mapping and the OpenAPI document. Handlers hold no
//! business rule and no SQL: they extract, convert the request into a domain command, call
//! one use case and convert the result; every error becomes an HTTP answer in `error`.

pub mod app;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod license_check;
pub mod licensing;
pub mod openapi;
pub mod plan_example;
pub mod publishing;
pub mod rate_limit;
pub mod revenue_example;
pub mod routes;
pub mod runtime;
pub mod server;
pub mod service_cards;
pub mod state;
pub mod telemetry;
pub mod usage;
pub mod wire;
