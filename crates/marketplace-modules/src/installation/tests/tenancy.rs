//! Every org-scoped read and write works on the actor's own org: another org's
//! installation is not found.

use super::support::*;
use crate::installation::{InstallError, Missing};
use crate::uninstall::Cascade;

/// CRM Sync is installed in another org only; the store is asked about the actor's org,
/// where it is not.
#[tokio::test]
async fn r_t3_another_orgs_installation_is_not_found() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .at_now();
    ports
        .installations
        .expect_state()
        .withf(|o| *o == other_org())
        .never();
    let service = ports.build();

    let result = service
        .uninstall(&owner(), crm_sync(), Cascade::Refuse)
        .await;

    assert!(
        matches!(result, Err(InstallError::NotFound(Missing::Installation(t))) if t == crm_sync()),
        "{result:?}"
    );
}

/// An org the store does not know has no installations to show.
#[tokio::test]
async fn r_t3_an_unknown_org_is_not_found() {
    let mut ports = Ports::new();
    ports
        .installations
        .expect_state()
        .returning(|_| Err(marketplace_kernel::store::RepoError::NotFound));
    let service = ports.build();

    let result = service.installations(&member()).await;

    assert!(
        matches!(result, Err(InstallError::NotFound(Missing::Org))),
        "{result:?}"
    );
}
