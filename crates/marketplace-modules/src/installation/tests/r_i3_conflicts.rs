//! R-I3: when no set of versions works, the answer is a conflict in plain sentences (the
//! HTTP layer answers 422 with them).

use super::support::*;
use crate::installation::{ChangeRequest, InstallError};
use crate::outcome::{AttemptKind, Outcome};

#[tokio::test]
async fn r_i3_a_request_no_version_set_meets_is_explained_in_sentences() {
    let service = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .build();

    let result = service
        .plan(&owner(), &ChangeRequest::install(reports(), req("^2")))
        .await;

    let Err(InstallError::Conflict { sentences, tools }) = result else {
        panic!("{result:?}");
    };
    let text = sentences.join(" ");
    assert!(text.contains("Reports"), "{text}");
    assert!(text.contains("your platform is 4.2.0"), "{text}");
    assert!(tools.contains(&reports()));
}

/// Applying the same request records a failed install whose reason is the explanation.
#[tokio::test]
async fn r_i3_a_refused_apply_is_recorded_with_the_explanation_as_its_reason() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .at_now();
    ports
        .log
        .expect_record()
        .withf(|attempts| {
            let [attempt] = attempts else { return false };
            attempt.attempt.module == reports()
                && attempt.attempt.kind == AttemptKind::Install
                && matches!(
                    &attempt.attempt.outcome,
                    Outcome::Failed { reason } if reason.contains("your platform is 4.2.0")
                )
        })
        .times(1)
        .returning(|_| Ok(()));
    let service = ports.build();

    let result = service
        .apply(&owner(), &ChangeRequest::install(reports(), req("^2")))
        .await;

    assert!(
        matches!(result, Err(InstallError::Conflict { .. })),
        "{result:?}"
    );
}
