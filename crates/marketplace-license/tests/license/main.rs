//! License keys and signed answers through the public API, one module per rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod r_l2;
mod r_l3;
mod r_l4;
mod support;
mod tampering;
