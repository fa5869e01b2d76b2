//! Reading the audit trail back (R-T8): platform admins read every org's entries, an
//! org's owners read their own org's and no other's.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::access::{AccessPolicy, Actor, Permission};
use crate::ids::{OrgId, UserId};
use crate::paging::{Page, PageRequest};
use crate::ports::RepoError;

/// One entry of the trail as it was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `None` for the system (webhooks, jobs) or a user since erased (R-T9 keeps ids
    /// only, and the erased user's id stays).
    pub actor: Option<UserId>,
    pub org_id: Option<OrgId>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    /// The named details, by name.
    pub details: BTreeMap<String, String>,
    /// The fields the action changed, by field name.
    pub changes: Vec<RecordedChange>,
}

/// A changed field as stored: its name, its value before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Which entries to read. Every filter given must hold; `org` is forced to the caller's
/// own org for an org's owners.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub org: Option<OrgId>,
    pub actor: Option<UserId>,
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub action: Option<String>,
    /// From this instant, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this instant, exclusive.
    pub to: Option<DateTime<Utc>>,
}

/// Reads the stored trail.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditTrail: Send + Sync {
    /// The entries matching `filter`, newest first. With `filter.org` set the read runs
    /// as that tenant (it sees that org's entries only); without, across every org.
    async fn entries(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, RepoError>;
}

/// Why the trail could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AuditTrailError {
    /// Not a platform admin (the whole trail), or not an owner of the org (its trail).
    #[error("forbidden: the caller lacks the {0:?} permission")]
    Forbidden(Permission),
    /// `from` is not before `to`.
    #[error("the time range is empty: `from` must be before `to`")]
    EmptyRange,
    #[error(transparent)]
    Infrastructure(#[from] RepoError),
}

/// The trail's two readers.
#[derive(Clone)]
pub struct AuditTrailService {
    trail: Arc<dyn AuditTrail>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for AuditTrailService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditTrailService").finish_non_exhaustive()
    }
}

impl AuditTrailService {
    pub fn new(trail: Arc<dyn AuditTrail>) -> Self {
        Self {
            trail,
            policy: AccessPolicy,
        }
    }

    /// Every org's entries matching `filter`, for platform admins.
    ///
    /// # Errors
    /// `Forbidden`, `EmptyRange`, `Infrastructure`.
    pub async fn platform_entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, AuditTrailError> {
        self.policy
            .require(actor, Permission::ReadAuditTrail)
            .map_err(|f| AuditTrailError::Forbidden(f.0))?;
        Self::check_range(&filter)?;
        Ok(self.trail.entries(&filter, page).await?)
    }

    /// The entries of the actor's own org matching `filter`, for its owners; an `org` in
    /// the filter is replaced by the actor's.
    ///
    /// # Errors
    /// `Forbidden`, `EmptyRange`, `Infrastructure`.
    pub async fn org_entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, AuditTrailError> {
        self.policy
            .require(actor, Permission::ReadOrgAuditTrail)
            .map_err(|f| AuditTrailError::Forbidden(f.0))?;
        Self::check_range(&filter)?;
        let filter = AuditFilter {
            org: Some(actor.org_id),
            ..filter
        };
        Ok(self.trail.entries(&filter, page).await?)
    }

    fn check_range(filter: &AuditFilter) -> Result<(), AuditTrailError> {
        match (filter.from, filter.to) {
            (Some(from), Some(to)) if from >= to => Err(AuditTrailError::EmptyRange),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{OrgRole, PlatformRole};

    fn actor(org_role: OrgRole, platform_role: PlatformRole) -> Actor {
        Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(7)),
            org_role,
            platform_role,
        }
    }

    #[tokio::test]
    async fn r_t8_an_owner_reads_only_its_own_orgs_entries() {
        let mut trail = MockAuditTrail::new();
        trail
            .expect_entries()
            .withf(|f, _| f.org == Some(OrgId::from_uuid(Uuid::from_u128(7))))
            .times(1)
            .returning(|_, p| Ok(Page::slice(Vec::new(), p)));
        let service = AuditTrailService::new(Arc::new(trail));
        let other = AuditFilter {
            org: Some(OrgId::from_uuid(Uuid::from_u128(8))),
            ..AuditFilter::default()
        };
        service
            .org_entries(
                &actor(OrgRole::Owner, PlatformRole::User),
                other,
                PageRequest::default(),
            )
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn r_t8_only_owners_and_platform_admins_read_and_nothing_is_read_otherwise() {
        let service = AuditTrailService::new(Arc::new(MockAuditTrail::new()));
        for role in [OrgRole::Admin, OrgRole::Member, OrgRole::Viewer] {
            let refused = service
                .org_entries(
                    &actor(role, PlatformRole::Admin),
                    AuditFilter::default(),
                    PageRequest::default(),
                )
                .await;
            assert!(
                matches!(
                    refused,
                    Err(AuditTrailError::Forbidden(Permission::ReadOrgAuditTrail))
                ),
                "{role:?}"
            );
        }
        for role in [
            PlatformRole::Moderator,
            PlatformRole::Employee,
            PlatformRole::User,
        ] {
            let refused = service
                .platform_entries(
                    &actor(OrgRole::Owner, role),
                    AuditFilter::default(),
                    PageRequest::default(),
                )
                .await;
            assert!(
                matches!(
                    refused,
                    Err(AuditTrailError::Forbidden(Permission::ReadAuditTrail))
                ),
                "{role:?}"
            );
        }
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let empty = service
            .platform_entries(
                &actor(OrgRole::Member, PlatformRole::Admin),
                AuditFilter {
                    from: Some(at),
                    to: Some(at),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await;
        assert!(matches!(empty, Err(AuditTrailError::EmptyRange)));
    }
}
