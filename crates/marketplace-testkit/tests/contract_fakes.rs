//! Every port contract function, run against the in-memory fakes.

use marketplace_testkit::contract::{self, ContractPorts};

#[tokio::test]
async fn catalog_round_trip() {
    contract::catalog_round_trip(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn catalog_search_agrees_with_reference() {
    contract::catalog_search_agrees_with_reference(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn plans_round_trip() {
    contract::plans_round_trip(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn tool_with_plans_is_stored_whole() {
    contract::tool_with_plans_is_stored_whole(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn plan_choices_are_stored() {
    contract::plan_choices_are_stored(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn carts_and_tenant_isolation() {
    contract::carts_and_tenant_isolation(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn place_idempotency_key_conflict() {
    contract::place_idempotency_key_conflict(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn place_with_credit_debit() {
    contract::place_with_credit_debit(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn fulfil_stores_everything() {
    contract::fulfil_stores_everything(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn holdings_report_what_the_limits_count() {
    contract::holdings_report_what_the_limits_count(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn second_fulfil_is_stale() {
    contract::second_fulfil_is_stale(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn conflicting_active_purchase_stores_nothing() {
    contract::conflicting_active_purchase_stores_nothing(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn refund_partial_then_full() {
    contract::refund_partial_then_full(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn renew_then_expire() {
    contract::renew_then_expire(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn review_save_recomputes_rating() {
    contract::review_save_recomputes_rating(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn rating_rounds_half_away_from_zero() {
    contract::rating_rounds_half_away_from_zero(&ContractPorts::in_memory()).await;
}

#[tokio::test]
async fn one_vote_and_one_flag_per_user() {
    contract::one_vote_and_one_flag_per_user(&ContractPorts::in_memory()).await;
}

#[test]
fn every_contract_fn_is_run_here() {
    let here = include_str!("contract_fakes.rs");
    for name in contract::ALL {
        assert!(
            here.contains(&format!("async fn {name}()")),
            "{name} is not run against the fakes"
        );
    }
    assert_eq!(contract::ALL.len(), 17);
}
