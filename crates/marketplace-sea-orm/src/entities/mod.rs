//! The sea-orm entities: one module per table of the migrations, the only description of
//! each table in this crate. Private to the crate: the repositories map rows to domain
//! types at the edge (one mapper per domain type) and nothing here crosses into the
//! domain. Enum columns are `String`s holding the domain's labels (`Labelled`).
#![allow(missing_debug_implementations, clippy::struct_field_names)]

pub(crate) mod audit_log;
pub(crate) mod bundle_items;
pub(crate) mod bundles;
pub(crate) mod cart_lines;
pub(crate) mod entitlements;
pub(crate) mod idempotency_keys;
pub(crate) mod ledger_entries;
pub(crate) mod ledger_postings;
pub(crate) mod order_lines;
pub(crate) mod orders;
pub(crate) mod organizations;
pub(crate) mod payouts;
pub(crate) mod plans;
pub(crate) mod processed_payment_events;
pub(crate) mod purchases;
pub(crate) mod review_flags;
pub(crate) mod review_votes;
pub(crate) mod reviews;
pub(crate) mod sellers;
pub(crate) mod tool_tags;
pub(crate) mod tools;
