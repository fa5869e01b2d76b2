//! R-I5: a tool other installed tools require is not uninstalled, and the refusal names
//! them, unless the cascade is asked for.

use super::support::*;
use crate::installation::{ChangeRequest, InstallError, Missing, Named};
use crate::plan::Step;
use crate::uninstall::Cascade;

fn with_crm_and_reports() -> Ports {
    Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(
            1,
            &[
                (data_core(), "1.0.0"),
                (crm_sync(), "1.0.0"),
                (reports(), "1.0.0"),
            ],
        ))
        .at_now()
}

#[tokio::test]
async fn r_i5_uninstall_is_refused_naming_the_tools_that_require_it() {
    // Neither apply nor the log is expected: nothing is stored, and an uninstall is not
    // an attempt.
    let service = with_crm_and_reports().build();

    let result = service
        .uninstall(&owner(), data_core(), Cascade::Refuse)
        .await;

    let Err(InstallError::RequiredBy { tool, dependents }) = result else {
        panic!("{result:?}");
    };
    assert_eq!(tool.name, "Data Core");
    assert_eq!(
        dependents,
        [
            Named {
                tool: crm_sync(),
                name: "CRM Sync".to_owned(),
            },
            Named {
                tool: reports(),
                name: "Reports".to_owned(),
            },
        ]
    );
}

#[tokio::test]
async fn r_i5_the_cascade_removes_the_dependents_too() {
    let mut ports = with_crm_and_reports();
    ports
        .installations
        .expect_apply()
        .withf(|_, record| record.generation().lockfile().is_empty())
        .times(1)
        .returning(|_, _| Ok(()));
    let service = ports.build();

    let applied = service
        .uninstall(&owner(), data_core(), Cascade::RemoveDependents)
        .await
        .unwrap();

    assert_eq!(applied.steps().len(), 3);
    assert!(
        applied
            .steps()
            .iter()
            .all(|step| matches!(step, Step::Remove { .. }))
    );
}

/// Uninstalling together every tool that requires the one to go needs no cascade.
#[tokio::test]
async fn r_i5_uninstalling_a_tool_with_all_its_dependents_needs_no_cascade() {
    let service = with_crm_and_reports().build();
    let request =
        ChangeRequest::new([], [data_core(), crm_sync(), reports()], Cascade::Refuse).unwrap();

    let plan = service.plan(&owner(), &request).await.unwrap();

    assert!(plan.target().is_empty());
}

#[tokio::test]
async fn r_i5_uninstalling_a_tool_the_org_does_not_have_is_not_found() {
    let service = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .at_now()
        .build();

    let result = service
        .uninstall(&owner(), crm_sync(), Cascade::RemoveDependents)
        .await;

    assert!(
        matches!(result, Err(InstallError::NotFound(Missing::Installation(t))) if t == crm_sync()),
        "{result:?}"
    );
}

/// A tool asked to go cannot be what a tool asked to come needs.
#[tokio::test]
async fn r_i5_a_tool_asked_to_go_is_not_brought_back_by_the_installs() {
    let service = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .build();
    let request =
        ChangeRequest::new([(crm_sync(), req("*"))], [data_core()], Cascade::Refuse).unwrap();

    let result = service.plan(&owner(), &request).await;

    let Err(InstallError::Conflict { sentences, tools }) = result else {
        panic!("{result:?}");
    };
    assert_eq!(
        sentences,
        ["You asked to uninstall Data Core, but the tools you asked to install need it."]
    );
    assert!(tools.contains(&data_core()));
}
