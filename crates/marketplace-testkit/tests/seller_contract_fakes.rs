//! Every seller contract function, run against the in-memory fakes.

use marketplace_testkit::seller_contract::{self, SellerContractPorts};

#[tokio::test]
async fn sellers_round_trip() {
    seller_contract::sellers_round_trip(&SellerContractPorts::in_memory()).await;
}

#[tokio::test]
async fn one_seller_per_org_and_per_account() {
    seller_contract::one_seller_per_org_and_per_account(&SellerContractPorts::in_memory()).await;
}

#[tokio::test]
async fn tools_are_assigned_to_sellers() {
    seller_contract::tools_are_assigned_to_sellers(&SellerContractPorts::in_memory()).await;
}

#[tokio::test]
async fn a_sellers_ledger_by_window() {
    seller_contract::a_sellers_ledger_by_window(&SellerContractPorts::in_memory()).await;
}

#[tokio::test]
async fn payout_records_move_once() {
    seller_contract::payout_records_move_once(&SellerContractPorts::in_memory()).await;
}

#[test]
fn every_seller_contract_fn_is_run() {
    assert_eq!(seller_contract::ALL.len(), 6);
}

#[tokio::test]
async fn payout_runs_pay_each_seller_once() {
    seller_contract::payout_runs_pay_each_seller_once(&SellerContractPorts::in_memory()).await;
}
