//! R-I7: attempts with their outcome and duration, and the success rate per module.

use std::time::Duration;

use marketplace_modules::{Attempt, AttemptKind, Outcome, SuccessRate, success_rates};

use crate::support::Id;

fn attempt(module: Id, outcome: Outcome) -> Attempt<Id> {
    Attempt {
        module,
        kind: AttemptKind::Install,
        outcome,
        duration: Duration::from_millis(1200),
    }
}

#[test]
fn r_i7_failures_and_rollbacks_count_against_the_success_rate_per_module() {
    let attempts = [
        attempt("crm", Outcome::Succeeded),
        attempt("crm", Outcome::Succeeded),
        attempt("crm", Outcome::RolledBack),
        attempt(
            "crm",
            Outcome::Failed {
                reason: "health check timed out".to_owned(),
            },
        ),
        attempt("charts", Outcome::Succeeded),
    ];

    let rates = success_rates(&attempts);

    assert_eq!(rates.len(), 2);
    assert_eq!(rates[&"crm"], SuccessRate::new(2, 4).unwrap());
    assert_eq!(rates[&"crm"].percent(), 50);
    assert_eq!(rates[&"charts"].percent(), 100);
}

#[test]
fn r_i7_percentages_round_down_and_thresholds_compare_exactly() {
    let almost = SuccessRate::new(959, 1000).unwrap();
    let exactly = SuccessRate::new(19, 20).unwrap();
    let just_under = SuccessRate::new(9_499, 10_000).unwrap();

    assert_eq!(almost.percent(), 95);
    assert!(almost.at_least(95));
    assert!(!almost.at_least(96));
    assert!(exactly.at_least(95));
    assert_eq!(just_under.percent(), 94);
    assert!(!just_under.at_least(95));
    assert_eq!(SuccessRate::new(2, 3).unwrap().to_string(), "66 % (2 of 3)");
}

#[test]
fn r_i7_a_rate_needs_attempts_and_no_more_successes_than_attempts() {
    assert_eq!(SuccessRate::new(0, 0), None);
    assert_eq!(SuccessRate::new(3, 2), None);
    assert!(success_rates::<Id>(&[]).is_empty());
}
