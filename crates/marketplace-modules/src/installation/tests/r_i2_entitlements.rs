//! R-I2: installing resolves every dependency, choosing only free tools and those the org
//! is entitled to, as the entitlement context answers.

use super::support::*;
use crate::installation::{ChangeRequest, InstallError, Missing, Named};
use crate::plan::Step;

#[tokio::test]
async fn r_i2_a_paid_tool_is_not_chosen_for_an_org_without_its_entitlement() {
    let mut ports = Ports::new().serving(catalog()).with_state(state(0, &[]));
    ports
        .entitlements
        .expect_held()
        .withf(|o, tools| *o == org() && tools == [analytics()])
        .times(1)
        .returning(|_, _| Ok(Default::default()));
    let service = ports.build();

    let result = service
        .plan(&owner(), &ChangeRequest::install(analytics(), req("*")))
        .await;

    assert!(
        matches!(
            &result,
            Err(InstallError::NotEntitled(Named { tool, name }))
                if *tool == analytics() && name == "Analytics"
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn r_i2_an_entitled_org_gets_the_paid_tool_and_what_it_requires() {
    let service = Ports::new()
        .serving(catalog())
        .holding(&[analytics()])
        .with_state(state(0, &[]))
        .build();

    let plan = service
        .plan(&owner(), &ChangeRequest::install(analytics(), req("*")))
        .await
        .unwrap();

    assert_eq!(
        plan.steps(),
        [
            Step::Install {
                module: data_core(),
                version: v("1.1.0"),
            },
            Step::Install {
                module: analytics(),
                version: v("1.0.0"),
            },
        ]
    );
}

#[tokio::test]
async fn r_i2_a_tool_the_catalog_does_not_list_is_not_found() {
    let service = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(0, &[]))
        .build();

    let result = service
        .plan(&owner(), &ChangeRequest::install(tool(99), req("*")))
        .await;

    assert!(
        matches!(result, Err(InstallError::NotFound(Missing::Tool(t))) if t == tool(99)),
        "{result:?}"
    );
}
