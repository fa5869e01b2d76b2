//! R-I4: a plan is a dry run; applying it is atomic and one at a time per org, each
//! applied plan a new generation; a rollback restores the previous generation whole.

use std::sync::Arc;

use marketplace_kernel::ids::ToolId;
use marketplace_kernel::store::RepoError;

use super::fake::{ApplyAnswer, InMemoryInstallations};
use super::support::*;
use crate::installation::ports::ApplyError;
use crate::installation::{ChangeKind, ChangeRequest, GenerationRecord, InstallError};
use crate::outcome::{AttemptKind, Outcome};
use crate::plan::{Step, diff};
use crate::uninstall::Cascade;
use crate::{Generation, GenerationNumber, InstalledPolicy, Lockfile, Registry, Request, Resolver};

/// Whether `lockfile` is a valid installed set on the fixtures' platform: resolving it
/// with every version kept gives it back unchanged.
fn consistent(registry: &Registry<ToolId>, lockfile: &Lockfile<ToolId>) -> bool {
    let everything = |_: &ToolId| true;
    Resolver::new(registry, &everything, v(PLATFORM))
        .resolve(
            lockfile,
            &Request::new().with_installed(InstalledPolicy::Keep),
        )
        .is_ok_and(|resolved| resolved == *lockfile)
}

#[tokio::test]
async fn r_i4_plan_lists_installs_upgrades_downgrades_and_removals_and_stores_nothing() {
    // No expectation on apply, log or notices: a dry run stores and records nothing.
    let service = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(2, &[(data_core(), "2.0.0"), (reports(), "1.0.0")]))
        .build();

    // CRM Sync needs Data Core ^1, so Data Core comes down; Reports goes.
    let request =
        ChangeRequest::new([(crm_sync(), req("*"))], [reports()], Cascade::Refuse).unwrap();
    let plan = service.plan(&owner(), &request).await.unwrap();

    assert_eq!(plan.base(), GenerationNumber::new(2));
    assert_eq!(
        plan.steps(),
        [
            Step::Downgrade {
                module: data_core(),
                from: v("2.0.0"),
                to: v("1.1.0"),
            },
            Step::Install {
                module: crm_sync(),
                version: v("1.0.0"),
            },
            Step::Remove {
                module: reports(),
                version: v("1.0.0"),
            },
        ]
    );

    let service = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .build();
    let upgrade = ChangeRequest::install(data_core(), req("^1.1"));
    assert_eq!(
        service.plan(&owner(), &upgrade).await.unwrap().steps(),
        [Step::Upgrade {
            module: data_core(),
            from: v("1.0.0"),
            to: v("1.1.0"),
        }]
    );
}

#[tokio::test]
async fn r_i4_apply_stores_the_plan_as_the_next_generation() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(3, &[(data_core(), "1.0.0")]))
        .at_now();
    ports
        .installations
        .expect_apply()
        .withf(|o, record| {
            *o == org()
                && record.follows() == GenerationNumber::new(3)
                && record.generation().number() == GenerationNumber::new(4)
                && *record.generation().lockfile()
                    == lock(&[(data_core(), "1.0.0"), (crm_sync(), "1.0.0")])
                && record.kind() == ChangeKind::Change
                && record.applied_by() == user()
        })
        .times(1)
        .returning(|_, _| Ok(()));
    ports.log.expect_record().times(1).returning(|_| Ok(()));
    let service = ports.build();

    let applied = service
        .apply(&owner(), &ChangeRequest::install(crm_sync(), req("^1")))
        .await
        .unwrap();

    assert_eq!(applied.generation().number(), GenerationNumber::new(4));
    assert_eq!(
        applied.steps(),
        [Step::Install {
            module: crm_sync(),
            version: v("1.0.0"),
        }]
    );
}

/// Two changes for one org at once, both planned against generation 0: the store lets one
/// through, the other is stale, is planned again against generation 1 and applied after.
/// Applied blindly, the loser's plan would have dropped what the winner installed.
#[tokio::test]
async fn r_i4_apply_never_interleaves_two_changes_for_one_org() {
    let store = Arc::new(InMemoryInstallations::new(v(PLATFORM), 2));
    let mut ports = Ports::new().serving(catalog()).holding(&[]).at_now();
    ports.log.expect_record().times(2).returning(|_| Ok(()));
    let service = ports.build_with(store.clone());

    let crm = ChangeRequest::install(crm_sync(), req("*"));
    let reporting = ChangeRequest::install(reports(), req("*"));
    let owner = owner();
    let (first, second) = tokio::join!(
        service.apply(&owner, &crm),
        service.apply(&owner, &reporting)
    );

    let mut numbers = [
        first.unwrap().generation().number().get(),
        second.unwrap().generation().number().get(),
    ];
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2]);

    let answers = store.answers();
    assert_eq!(answers.len(), 3, "one stale answer, one plan applied again");
    assert_eq!(answers[0], ApplyAnswer::Stored(GenerationNumber::new(1)));
    assert_eq!(
        answers[1],
        ApplyAnswer::Stale {
            expected: GenerationNumber::new(0),
            current: GenerationNumber::new(1),
        }
    );
    assert_eq!(answers[2], ApplyAnswer::Stored(GenerationNumber::new(2)));

    let history = store.history_of(org());
    assert_eq!(history.len(), 2);
    let mut before = Generation::initial();
    for record in &history {
        assert_eq!(record.follows(), before.number());
        assert_eq!(
            record.steps(),
            diff(before.lockfile(), record.generation().lockfile())
        );
        assert!(consistent(&catalog(), record.generation().lockfile()));
        before = record.generation().clone();
    }
    let last = before.lockfile();
    assert!(
        last.contains(&crm_sync()) && last.contains(&reports()),
        "{last:?}"
    );
    assert_eq!(
        last.get(&data_core()),
        Some(&v("1.1.0")),
        "CRM Sync needs ^1"
    );
}

#[tokio::test]
async fn r_i4_losing_the_race_twice_answers_stale_generation() {
    let mut ports = Ports::new().serving(catalog()).holding(&[]).at_now();
    let mut read = 0;
    ports
        .installations
        .expect_state()
        .times(2)
        .returning(move |_| {
            read += 1;
            Ok(state(read, &[(data_core(), "1.0.0")]))
        });
    ports
        .installations
        .expect_apply()
        .times(2)
        .returning(|_, record| {
            Err(ApplyError::Stale {
                expected: record.follows(),
                current: GenerationNumber::new(record.follows().get() + 1),
            })
        });
    ports
        .log
        .expect_record()
        .withf(|attempts| {
            attempts.len() == 1
                && attempts[0].attempt.module == crm_sync()
                && matches!(&attempts[0].attempt.outcome, Outcome::Failed { reason } if reason.contains("another change"))
        })
        .times(1)
        .returning(|_| Ok(()));
    let service = ports.build();

    let result = service
        .apply(&owner(), &ChangeRequest::install(crm_sync(), req("*")))
        .await;

    assert!(
        matches!(
            result,
            Err(InstallError::StaleGeneration { expected, current })
                if expected == GenerationNumber::new(2) && current == GenerationNumber::new(3)
        ),
        "{result:?}"
    );
}

fn generation(number: u64, entries: &[(ToolId, &str)]) -> Generation<ToolId> {
    Generation::restore(GenerationNumber::new(number), lock(entries))
}

#[tokio::test]
async fn r_i4_rollback_restores_the_previous_generation_whole() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(
            2,
            &[
                (data_core(), "1.1.0"),
                (crm_sync(), "1.0.0"),
                (reports(), "1.0.0"),
            ],
        ))
        .at_now();
    ports
        .installations
        .expect_generation()
        .withf(|o, n| *o == org() && *n == GenerationNumber::new(1))
        .returning(|_, _| Ok(Some(generation(1, &[(data_core(), "1.0.0")]))));
    ports
        .installations
        .expect_apply()
        .withf(|_, record| {
            record.kind()
                == ChangeKind::Rollback {
                    restores: GenerationNumber::new(1),
                }
                && record.generation().number() == GenerationNumber::new(3)
                && *record.generation().lockfile() == lock(&[(data_core(), "1.0.0")])
        })
        .times(1)
        .returning(|_, _| Ok(()));
    ports
        .log
        .expect_record()
        .withf(|attempts| {
            attempts.len() == 3
                && attempts.iter().all(|a| {
                    a.attempt.kind == AttemptKind::Rollback
                        && a.attempt.outcome == Outcome::Succeeded
                })
        })
        .times(1)
        .returning(|_| Ok(()));
    let service = ports.build();

    let rolled_back: GenerationRecord = service.rollback(&owner()).await.unwrap();

    assert_eq!(
        rolled_back.steps(),
        [
            Step::Downgrade {
                module: data_core(),
                from: v("1.1.0"),
                to: v("1.0.0"),
            },
            Step::Remove {
                module: crm_sync(),
                version: v("1.0.0"),
            },
            Step::Remove {
                module: reports(),
                version: v("1.0.0"),
            },
        ]
    );
}

/// Generation 0 is the empty one, never stored: rolling back generation 1 empties the org
/// without asking the store for it.
#[tokio::test]
async fn r_i4_rolling_back_the_first_generation_restores_the_empty_one() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .at_now();
    ports
        .installations
        .expect_apply()
        .withf(|_, record| record.generation().lockfile().is_empty())
        .returning(|_, _| Ok(()));
    ports.log.expect_record().returning(|_| Ok(()));
    let service = ports.build();

    let rolled_back = service.rollback(&owner()).await.unwrap();

    assert_eq!(rolled_back.generation().number(), GenerationNumber::new(2));
}

#[tokio::test]
async fn r_i4_generation_zero_has_nothing_to_roll_back_to() {
    let service = Ports::new().with_state(state(0, &[])).at_now().build();

    let result = service.rollback(&owner()).await;

    assert!(
        matches!(result, Err(InstallError::NoPreviousGeneration)),
        "{result:?}"
    );
}

/// A rollback would bring back Analytics, whose entitlement ended since: refused, and the
/// refusal is recorded.
#[tokio::test]
async fn r_i4_a_rollback_brings_back_nothing_the_org_may_no_longer_have() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(2, &[(data_core(), "1.0.0")]))
        .at_now();
    ports.installations.expect_generation().returning(|_, _| {
        Ok(Some(generation(
            1,
            &[(data_core(), "1.0.0"), (analytics(), "1.0.0")],
        )))
    });
    ports
        .log
        .expect_record()
        .withf(|attempts| {
            attempts.len() == 1
                && attempts[0].attempt.module == analytics()
                && attempts[0].attempt.kind == AttemptKind::Rollback
                && !attempts[0].attempt.succeeded()
        })
        .times(1)
        .returning(|_| Ok(()));
    let service = ports.build();

    let result = service.rollback(&owner()).await;

    assert!(
        matches!(&result, Err(InstallError::NotEntitled(named)) if named.tool == analytics()),
        "{result:?}"
    );
}

/// The org had Reports 2.0 on platform 5; its platform is now 4.2, where Reports 2.0 does
/// not run: the rollback is refused with the reason.
#[tokio::test]
async fn r_i4_a_rollback_the_platform_no_longer_runs_is_explained() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(2, &[(data_core(), "1.0.0"), (reports(), "1.0.0")]))
        .at_now();
    ports.installations.expect_generation().returning(|_, _| {
        Ok(Some(generation(
            1,
            &[(data_core(), "1.0.0"), (reports(), "2.0.0")],
        )))
    });
    ports.log.expect_record().times(1).returning(|_| Ok(()));
    let service = ports.build();

    let result = service.rollback(&owner()).await;

    let Err(InstallError::Conflict { sentences, tools }) = result else {
        panic!("{result:?}");
    };
    assert!(
        sentences.join(" ").contains("your platform is 4.2.0"),
        "{sentences:?}"
    );
    assert!(tools.contains(&reports()));
}

/// "The previous generation" is the one the caller saw: a rollback that lost the race is
/// not planned again against another.
#[tokio::test]
async fn r_i4_a_rollback_that_lost_the_race_is_not_planned_again() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .at_now();
    ports
        .installations
        .expect_apply()
        .times(1)
        .returning(|_, _| {
            Err(ApplyError::Stale {
                expected: GenerationNumber::new(1),
                current: GenerationNumber::new(2),
            })
        });
    ports.log.expect_record().times(1).returning(|_| Ok(()));
    let service = ports.build();

    let result = service.rollback(&owner()).await;

    assert!(
        matches!(result, Err(InstallError::StaleGeneration { .. })),
        "{result:?}"
    );
}

/// A generation stored, but its attempts not recorded: the caller hears of it.
#[tokio::test]
async fn r_i4_a_stored_change_whose_attempts_were_not_recorded_is_reported() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(0, &[]))
        .at_now();
    ports
        .installations
        .expect_apply()
        .times(1)
        .returning(|_, _| Ok(()));
    ports
        .log
        .expect_record()
        .returning(|_| Err(RepoError::Stale("log")));
    let service = ports.build();

    let result = service
        .apply(&owner(), &ChangeRequest::install(data_core(), req("*")))
        .await;

    assert!(
        matches!(result, Err(InstallError::Infrastructure(_))),
        "{result:?}"
    );
}
