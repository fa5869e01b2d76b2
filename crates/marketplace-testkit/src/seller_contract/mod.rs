//! The [`SellerRepository`] contract: what every implementation (the in-memory store,
//! SQLite, PostgreSQL) must do, as async functions over [`SellerContractPorts`]. Sales and
//! refunds reach the ledger through the domain's own checkout and refund use cases over
//! the same ports, so these tests also check that what fulfilment and refunds post is what
//! a seller's ledger reads back.
//!
//! Each function makes its own sellers, tools and orgs with process-unique ids, so rows
//! already in the store (a seeded catalog) do not disturb it.
//!
//! One module per concept: `sellers`, `ledger`, `payouts`; what they share in `setup`.

use std::sync::Arc;

use marketplace_domain::seller::SellerRepository;

use crate::contract::ContractPorts;
use crate::fakes::InMemoryStore;

mod ledger;
mod payouts;
mod sellers;
mod setup;

pub use ledger::a_sellers_ledger_by_window;
pub use payouts::{payout_records_move_once, payout_runs_pay_each_seller_once};
pub use sellers::{
    one_seller_per_org_and_per_account, sellers_round_trip, tools_are_assigned_to_sellers,
};

/// The ports of [`crate::contract`] and the seller repository over the same store.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct SellerContractPorts {
    pub ports: ContractPorts,
    pub sellers: Arc<dyn SellerRepository>,
}

impl SellerContractPorts {
    /// Every port over a fresh in-memory store.
    #[must_use]
    pub fn in_memory() -> Self {
        let store = Arc::new(InMemoryStore::default());
        Self {
            ports: ContractPorts::over(&store),
            sellers: store,
        }
    }
}

/// Every contract function by name.
pub const ALL: &[&str] = &[
    "sellers_round_trip",
    "one_seller_per_org_and_per_account",
    "tools_are_assigned_to_sellers",
    "a_sellers_ledger_by_window",
    "payout_records_move_once",
    "payout_runs_pay_each_seller_once",
];
