//! The usage services against mocks of their ports (and, for concurrent batches, an
//! in-memory store keeping the record contract), one file per rule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod memory;
mod support;

mod caller;
mod packs;
mod r_u1_meters;
mod r_u2_ingest;
mod r_u3_totals;
mod r_u4_quotas;
mod r_u5_billing;
mod r_u6_access;
