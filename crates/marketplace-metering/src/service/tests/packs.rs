//! The buyer's packs: each plan with its usage and quota this period (R-U4) and the
//! overage it would be charged so far (R-U5).

use std::collections::BTreeMap;

use marketplace_kernel::access::OrgRole;
use rust_decimal::dec;

use super::support::*;
use crate::service::{UsageError, UsagePermission};

#[tokio::test]
async fn r_u4_my_packs_show_each_plan_with_every_meters_usage_and_quota_this_period() {
    let mut ports = Ports::default().with_plans(vec![plan(&[
        ("api_calls", soft(dec!(100), dec!(0.02))),
        ("active_users", hard(dec!(5))),
    ])]);
    ports
        .definitions
        .expect_meters()
        .times(1)
        .withf(|tools| tools == [tool()])
        .returning(|tools| Ok(meters_of(tools)));
    ports
        .store
        .expect_period_usage()
        .times(1)
        .withf(|org_id, tool_id, asked| (*org_id, *tool_id, *asked) == (org(), tool(), period()))
        .returning(|_, _, _| {
            Ok(BTreeMap::from([
                (key("api_calls"), calls_total(130)),
                (key("active_users"), calls_total(2)),
            ]))
        });

    let packs = ports
        .packs()
        .packs(&member(OrgRole::Member), now())
        .await
        .unwrap();

    let [pack] = packs.as_slice() else {
        panic!("one plan: {packs:?}");
    };
    assert_eq!(
        (pack.tool, pack.plan.as_str(), pack.period),
        (tool(), "PRO", period())
    );
    let meters: Vec<(&str, _, _, _)> = pack
        .meters
        .iter()
        .map(|m| {
            (
                m.meter.as_str(),
                m.usage,
                m.quota.map(|q| q.limit()),
                m.remaining,
            )
        })
        .collect();
    assert_eq!(
        meters,
        [
            ("active_users", dec!(2), Some(dec!(5)), Some(dec!(3))),
            ("api_calls", dec!(130), Some(dec!(100)), Some(dec!(0))),
            ("gb_processed", dec!(0), None, None),
        ]
    );
    let [line] = pack.overage_so_far.as_slice() else {
        panic!("one meter beyond a priced quota: {:?}", pack.overage_so_far);
    };
    assert_eq!(
        (line.meter.as_str(), line.amount),
        ("api_calls", dec!(0.60))
    );
}

#[tokio::test]
async fn r_u4_an_org_without_plans_has_no_packs_and_reads_nothing_more() {
    let ports = Ports::default().with_plans(vec![]);
    let packs = ports
        .packs()
        .packs(&member(OrgRole::Viewer), now())
        .await
        .unwrap();
    assert!(packs.is_empty());
}

#[tokio::test]
async fn r_u4_my_packs_need_usage_read_and_touch_no_port_without_it() {
    let answer = Ports::default().packs().packs(&host(), now()).await;
    assert!(
        matches!(
            answer,
            Err(UsageError::Forbidden(UsagePermission::ReadUsage))
        ),
        "{answer:?}"
    );
}
