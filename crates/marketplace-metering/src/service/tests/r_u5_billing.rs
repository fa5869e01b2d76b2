//! R-U5: the renewal charges a period's overage, one line per meter, rounded on its own
//! to the currency's minor unit.

use std::collections::BTreeMap;

use marketplace_kernel::money::{Currency, Money};
use rust_decimal::dec;

use super::support::*;
use crate::service::BillingError;
use crate::{Aggregation, PeriodTotal, TotalParts};

fn summed(usage: rust_decimal::Decimal) -> PeriodTotal {
    PeriodTotal::from_parts(TotalParts {
        aggregation: Aggregation::Sum,
        events: 7,
        usage,
        latest_at: None,
        latest_event: None,
    })
    .unwrap()
}

#[tokio::test]
async fn r_u5_overage_comes_from_the_period_totals_under_the_plan_of_that_period() {
    let mut ports = Ports::default();
    ports
        .definitions
        .expect_plan_for_period()
        .times(1)
        .withf(|org_id, tool_id, asked| (*org_id, *tool_id, *asked) == (org(), tool(), period()))
        .returning(|_, _, _| {
            Ok(Some(plan(&[
                ("api_calls", soft(dec!(1000), dec!(0.0015))),
                ("gb_processed", soft(dec!(100), dec!(0.125))),
                ("active_users", hard(dec!(5))),
            ])))
        });
    ports
        .store
        .expect_period_usage()
        .times(1)
        .withf(|org_id, tool_id, asked| (*org_id, *tool_id, *asked) == (org(), tool(), period()))
        .returning(|_, _, _| {
            Ok(BTreeMap::from([
                (key("api_calls"), calls_total(1333)),
                (key("gb_processed"), summed(dec!(102.5))),
                (key("active_users"), calls_total(5)),
            ]))
        });

    let invoice = ports
        .billing()
        .overage_for_period(org(), tool(), &period())
        .await
        .unwrap();

    assert_eq!(invoice.plan().as_str(), "PRO");
    assert_eq!(invoice.currency(), Currency::USD);
    let lines: Vec<(&str, _, _)> = invoice
        .lines()
        .iter()
        .map(|line| (line.meter.as_str(), line.overage, line.amount))
        .collect();
    // 333 x 0.0015 = 0.4995 -> 0.50; 2.5 x 0.125 = 0.3125 -> 0.31; the hard quota is
    // never charged.
    assert_eq!(
        lines,
        [
            ("api_calls", dec!(333), dec!(0.50)),
            ("gb_processed", dec!(2.5), dec!(0.31)),
        ]
    );
    assert_eq!(
        invoice.total().unwrap(),
        Money::new(dec!(0.81), Currency::USD).unwrap()
    );
}

#[tokio::test]
async fn r_u5_a_currency_without_cents_rounds_to_whole_units() {
    let mut ports = Ports::default();
    let yen = Currency::parse("JPY").unwrap();
    ports
        .definitions
        .expect_plan_for_period()
        .times(1)
        .returning(move |_, _, _| {
            Ok(Some(plan_in(
                yen,
                &[("api_calls", soft(dec!(10), dec!(0.5)))],
            )))
        });
    ports
        .store
        .expect_period_usage()
        .times(1)
        .returning(|_, _, _| Ok(BTreeMap::from([(key("api_calls"), calls_total(15))])));

    let invoice = ports
        .billing()
        .overage_for_period(org(), tool(), &period())
        .await
        .unwrap();

    // 5 x 0.5 = 2.5 yen, half away from zero: 3.
    assert_eq!(invoice.lines()[0].amount, dec!(3));
    assert_eq!(invoice.total().unwrap(), Money::new(dec!(3), yen).unwrap());
}

#[tokio::test]
async fn r_u5_a_period_no_plan_covered_is_refused_without_reading_usage() {
    let mut ports = Ports::default();
    ports
        .definitions
        .expect_plan_for_period()
        .times(1)
        .returning(|_, _, _| Ok(None));

    let answer = ports
        .billing()
        .overage_for_period(org(), tool(), &period())
        .await;

    assert!(
        matches!(answer, Err(BillingError::NoPlan { tool: t, period: p }) if t == tool() && p == period()),
        "{answer:?}"
    );
}

#[tokio::test]
async fn r_u5_usage_within_the_quotas_charges_nothing() {
    let mut ports = Ports::default();
    ports
        .definitions
        .expect_plan_for_period()
        .returning(|_, _, _| Ok(Some(plan(&[("api_calls", soft(dec!(1000), dec!(0.01)))]))));
    ports
        .store
        .expect_period_usage()
        .returning(|_, _, _| Ok(BTreeMap::from([(key("api_calls"), calls_total(1000))])));

    let invoice = ports
        .billing()
        .overage_for_period(org(), tool(), &period())
        .await
        .unwrap();

    assert!(invoice.lines().is_empty());
    assert_eq!(invoice.total().unwrap(), Money::zero(Currency::USD));
}
