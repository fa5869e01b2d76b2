//! R-U6: the access answer, built from one entitlement read and one totals row.

use marketplace_kernel::access::OrgRole;
use rust_decimal::{Decimal, dec};

use super::support::*;
use crate::service::{UsageError, UsagePermission};
use crate::{AccessAnswer, BillingPeriod, MeterKey};

fn checker() -> crate::service::UsageCaller {
    key_holder(&[UsagePermission::CheckAccess])
}

/// The org holds the tool: one entitlement read, for that tool alone.
fn holding(ports: &mut Ports, holds: bool) {
    ports
        .entitlements
        .expect_held()
        .times(1)
        .withf(|org_id, tools| *org_id == org() && tools == [tool()])
        .returning(move |_, tools| {
            Ok(if holds {
                held_of(tools)
            } else {
                Default::default()
            })
        });
}

#[tokio::test]
async fn r_u6_the_answer_is_one_entitlement_read_and_one_totals_read() {
    let mut ports = Ports::default();
    holding(&mut ports, true);
    ports
        .definitions
        .expect_active_plan()
        .times(1)
        .returning(|_, _, _| Ok(Some(plan(&[("api_calls", hard(dec!(10)))]))));
    ports
        .store
        .expect_totals()
        .times(1)
        .withf(|org_id, tool_id, meter, asked| {
            (*org_id, *tool_id, meter.as_str(), *asked) == (org(), tool(), "api_calls", period())
        })
        .returning(|_, _, _, _| Ok(Some(calls_total(7))));

    let answer = ports
        .access()
        .access(&checker(), tool(), Some(&key("api_calls")), now())
        .await
        .unwrap();

    assert_eq!(
        answer,
        AccessAnswer::granted(Some("PRO".into())).with_meter(dec!(7), Some(&hard(dec!(10))))
    );
    assert_eq!(
        (
            answer.usage(),
            answer.limit(),
            answer.remaining(),
            answer.hard()
        ),
        (Some(dec!(7)), Some(dec!(10)), Some(dec!(3)), Some(true))
    );
    assert!(answer.may_use_more());
}

#[tokio::test]
async fn r_u6_an_org_without_the_tool_is_denied_after_the_entitlement_read_alone() {
    let mut ports = Ports::default();
    holding(&mut ports, false);

    let answer = ports
        .access()
        .access(&checker(), tool(), Some(&key("api_calls")), now())
        .await
        .unwrap();

    assert!(!answer.has_access());
    assert_eq!(answer.remaining(), Some(Decimal::ZERO), "nothing is left");
    assert!(!answer.may_use_more());
}

#[tokio::test]
async fn r_u6_without_a_meter_the_answer_is_access_and_plan() {
    let mut ports = Ports::default();
    holding(&mut ports, true);
    ports
        .definitions
        .expect_active_plan()
        .times(1)
        .returning(|_, _, _| Ok(Some(plan(&[]))));

    let answer = ports
        .access()
        .access(&member(OrgRole::Viewer), tool(), None, now())
        .await
        .unwrap();

    assert_eq!(answer, AccessAnswer::granted(Some("PRO".into())));
}

#[tokio::test]
async fn r_u6_an_unlimited_meter_is_checked_against_the_tools_meters_and_read_in_the_month() {
    let mut ports = Ports::default();
    holding(&mut ports, true);
    ports
        .definitions
        .expect_active_plan()
        .times(1)
        .returning(|_, _, _| Ok(None));
    ports
        .definitions
        .expect_meters()
        .times(1)
        .returning(|tools| Ok(meters_of(tools)));
    ports
        .store
        .expect_totals()
        .times(1)
        .withf(|_, _, _, asked| *asked == BillingPeriod::calendar_month(now()).unwrap())
        .returning(|_, _, _, _| Ok(None));

    let answer = ports
        .access()
        .access(&checker(), tool(), Some(&key("gb_processed")), now())
        .await
        .unwrap();

    assert_eq!(
        (
            answer.has_access(),
            answer.plan(),
            answer.usage(),
            answer.remaining()
        ),
        (true, None, Some(Decimal::ZERO), None)
    );
    assert!(answer.may_use_more());
}

#[tokio::test]
async fn r_u6_a_misspelt_meter_is_refused_not_taken_for_an_unlimited_one() {
    let mut ports = Ports::default();
    holding(&mut ports, true);
    ports
        .definitions
        .expect_active_plan()
        .returning(|_, _, _| Ok(Some(plan(&[("api_calls", hard(dec!(10)))]))));
    ports
        .definitions
        .expect_meters()
        .returning(|tools| Ok(meters_of(tools)));

    let answer = ports
        .access()
        .access(&checker(), tool(), Some(&key("api_cals")), now())
        .await;

    assert!(
        matches!(&answer, Err(UsageError::UnknownMeter { tool: t, meter }) if *t == tool() && meter.as_str() == "api_cals"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn r_u6_a_caller_who_may_not_check_access_touches_no_port() {
    for caller in [host(), key_holder(&[UsagePermission::ReadUsage])] {
        let answer = Ports::default()
            .access()
            .access(&caller, tool(), Some(&key("api_calls")), now())
            .await;
        assert!(
            matches!(
                answer,
                Err(UsageError::Forbidden(UsagePermission::CheckAccess))
            ),
            "{answer:?}"
        );
    }
}

#[tokio::test]
async fn r_u6_read_at_once_the_answer_counts_only_the_total_of_the_period_in_force() {
    let mut reads = crate::service::ports::MockAccessReads::new();
    reads
        .expect_access_facts()
        .times(1)
        .withf(|org_id, tool_id, meter, at| {
            (*org_id, *tool_id, meter.as_ref().map(MeterKey::as_str), *at)
                == (org(), tool(), Some("api_calls"), now())
        })
        .returning(|_, _, _, _| {
            let earlier = period().start() - chrono::TimeDelta::days(30);
            Ok(crate::service::ports::AccessFacts {
                held: true,
                plan: Some(plan(&[("api_calls", hard(dec!(10)))])),
                meter_known: true,
                // Another period's total comes along and counts for nothing.
                totals: vec![
                    (earlier, calls_total(9)),
                    (period().start(), calls_total(4)),
                ],
            })
        });
    let answer = crate::service::AccessService::over(std::sync::Arc::new(reads))
        .access(&checker(), tool(), Some(&key("api_calls")), now())
        .await
        .unwrap();
    assert_eq!(
        answer,
        AccessAnswer::granted(Some("PRO".into())).with_meter(dec!(4), Some(&hard(dec!(10))))
    );
}

#[tokio::test]
async fn r_u6_read_at_once_a_meter_neither_limited_nor_defined_is_refused() {
    let mut reads = crate::service::ports::MockAccessReads::new();
    reads
        .expect_access_facts()
        .times(1)
        .returning(|_, _, _, _| {
            Ok(crate::service::ports::AccessFacts {
                held: true,
                ..Default::default()
            })
        });
    let refused = crate::service::AccessService::over(std::sync::Arc::new(reads))
        .access(&checker(), tool(), Some(&key("api_callz")), now())
        .await;
    assert!(matches!(refused, Err(UsageError::UnknownMeter { .. })));
}
