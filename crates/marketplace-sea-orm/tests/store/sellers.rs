//! The testkit's seller contract (sellers, the ledger per seller, payout records and
//! payout runs) on SQLite and on PostgreSQL (as the app role, so its grants are checked
//! too).

use std::sync::Arc;

use marketplace_testkit::seller_contract::{self, SellerContractPorts};

use crate::support::TestDb;

fn ports(db: &TestDb) -> SellerContractPorts {
    SellerContractPorts {
        ports: db.ports(),
        sellers: Arc::new(db.store()),
    }
}

macro_rules! seller_contract_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let db = TestDb::sqlite().await;
                    seller_contract::$name(&ports(&db)).await;
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
                    seller_contract::$name(&ports(&db)).await;
                    db.finish().await;
                }
            )+
        }

        #[test]
        fn every_seller_contract_fn_is_run_on_both_backends() {
            let here: &[&str] = &[$(stringify!($name)),+];
            for name in seller_contract::ALL {
                assert!(here.contains(name), "seller contract fn {name} is not run");
            }
            assert_eq!(here.len(), seller_contract::ALL.len());
        }
    };
}

seller_contract_tests!(
    sellers_round_trip,
    one_seller_per_org_and_per_account,
    tools_are_assigned_to_sellers,
    a_sellers_ledger_by_window,
    payout_records_move_once,
    payout_runs_pay_each_seller_once,
);
