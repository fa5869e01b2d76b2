//! The testkit's port contract tests, every one on SQLite and on PostgreSQL.

use marketplace_testkit::contract;

use crate::support::TestDb;

macro_rules! contract_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let db = TestDb::sqlite().await;
                    contract::$name(&db.ports()).await;
                    db.finish().await;
                }
            )+
        }

        mod postgres {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = TestDb::postgres(stringify!($name)).await else { return };
                    contract::$name(&db.ports()).await;
                    db.finish().await;
                }
            )+
        }

        #[test]
        fn every_contract_fn_is_run_on_both_backends() {
            let here: &[&str] = &[$(stringify!($name)),+];
            for name in contract::ALL {
                assert!(here.contains(name), "contract fn {name} is not run against the adapter");
            }
            assert_eq!(here.len(), contract::ALL.len());
        }
    };
}

contract_tests!(
    catalog_round_trip,
    catalog_search_agrees_with_reference,
    plans_round_trip,
    tool_with_plans_is_stored_whole,
    plan_choices_are_stored,
    carts_and_tenant_isolation,
    place_idempotency_key_conflict,
    place_with_credit_debit,
    fulfil_stores_everything,
    holdings_report_what_the_limits_count,
    second_fulfil_is_stale,
    conflicting_active_purchase_stores_nothing,
    refund_partial_then_full,
    renew_then_expire,
    review_save_recomputes_rating,
    rating_rounds_half_away_from_zero,
    one_vote_and_one_flag_per_user,
);
