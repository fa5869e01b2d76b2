//! A user's personal data (R-T9): everything kept about them, exported in one answer, and
//! their erasure, by themselves or by a platform admin. An erasure anonymises what must
//! stay (reviews count towards their tools; the trail keeps its ids) and drops the rest
//! (helpful votes, cart lines); the ledger, orders and purchases are the org's and are
//! untouched. The store erases and records the erasure in one transaction.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::access::{AccessPolicy, Actor, Permission};
use crate::audit::{AuditEntry, AuditEvent};
use crate::ids::UserId;
use crate::ports::{Clock, RepoError};

/// A review the user wrote, as they wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewRecord {
    pub id: Uuid,
    pub tool_id: Uuid,
    pub rating: i16,
    pub title: Option<String>,
    pub body: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// A helpful vote the user cast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteRecord {
    pub review_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// A line of the user's cart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartLineRecord {
    pub item_type: String,
    pub item_id: Uuid,
    pub added_at: DateTime<Utc>,
}

/// A message the user sent in a services thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    pub thread_id: Uuid,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

/// An API key the user created: what identifies it, never the key or its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub label: String,
    pub scopes: String,
    /// The key's prefix and last four characters.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Everything the marketplace keeps about one user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonalData {
    pub reviews: Vec<ReviewRecord>,
    pub votes: Vec<VoteRecord>,
    pub cart: Vec<CartLineRecord>,
    pub messages: Vec<MessageRecord>,
    pub api_keys: Vec<ApiKeyRecord>,
    /// Entries where the user acted or is the subject, newest first.
    pub audit: Vec<AuditEntry>,
}

/// What an erasure did, in counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    pub reviews_anonymised: u64,
    pub votes_removed: u64,
    pub cart_lines_removed: u64,
    pub audit_entries_cleared: u64,
}

/// Where a user's personal data is read and erased.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PersonalDataStore: Send + Sync {
    async fn export(&self, user: UserId) -> Result<PersonalData, RepoError>;

    /// Erases the user's personal data and writes `record.event(…)` of what it did in
    /// the same transaction: both happen or neither.
    async fn erase(&self, user: UserId, record: ErasureRecord) -> Result<Erasure, RepoError>;
}

/// Who erases whom, when: the trail's entry of an erasure, once its counts are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErasureRecord {
    pub actor: Actor,
    pub user: UserId,
    pub at: DateTime<Utc>,
    /// The user themselves, or a platform admin.
    pub by_admin: bool,
}

impl ErasureRecord {
    /// The entry: ids and counts only, no personal value.
    #[must_use]
    pub fn event(&self, done: Erasure) -> AuditEvent {
        AuditEvent::by(
            &self.actor,
            "user.erased",
            "user",
            self.user.as_uuid(),
            self.at,
        )
        .with_detail("by", if self.by_admin { "ADMIN" } else { "SELF" })
        .with_detail("reviews_anonymised", done.reviews_anonymised.to_string())
        .with_detail("votes_removed", done.votes_removed.to_string())
        .with_detail("cart_lines_removed", done.cart_lines_removed.to_string())
        .with_detail(
            "audit_entries_cleared",
            done.audit_entries_cleared.to_string(),
        )
    }
}

/// Why personal data could not be read or erased.
#[derive(Debug, thiserror::Error)]
pub enum PersonalDataError {
    #[error("forbidden: the caller lacks the {0:?} permission")]
    Forbidden(Permission),
    #[error(transparent)]
    Infrastructure(#[from] RepoError),
}

/// Export and erasure.
#[derive(Clone)]
pub struct PersonalDataService {
    store: Arc<dyn PersonalDataStore>,
    clock: Arc<dyn Clock>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for PersonalDataService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalDataService")
            .finish_non_exhaustive()
    }
}

impl PersonalDataService {
    pub fn new(store: Arc<dyn PersonalDataStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            policy: AccessPolicy,
        }
    }

    /// The actor's own personal data; every user may read theirs.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn export(&self, actor: &Actor) -> Result<PersonalData, PersonalDataError> {
        Ok(self.store.export(actor.user_id).await?)
    }

    /// Erases the actor's own personal data.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn erase_self(&self, actor: &Actor) -> Result<Erasure, PersonalDataError> {
        self.erase(actor, actor.user_id, false).await
    }

    /// Erases another user's personal data, for platform admins.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn erase_user(
        &self,
        actor: &Actor,
        user: UserId,
    ) -> Result<Erasure, PersonalDataError> {
        self.policy
            .require(actor, Permission::EraseUsers)
            .map_err(|f| PersonalDataError::Forbidden(f.0))?;
        self.erase(actor, user, true).await
    }

    async fn erase(
        &self,
        actor: &Actor,
        user: UserId,
        by_admin: bool,
    ) -> Result<Erasure, PersonalDataError> {
        let record = ErasureRecord {
            actor: *actor,
            user,
            at: self.clock.now(),
            by_admin,
        };
        Ok(self.store.erase(user, record).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{OrgRole, PlatformRole};
    use crate::ids::OrgId;
    use crate::ports::MockClock;

    fn actor(platform_role: PlatformRole) -> Actor {
        Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            org_role: OrgRole::Owner,
            platform_role,
        }
    }

    fn clock() -> Arc<dyn Clock> {
        let mut clock = MockClock::new();
        clock.expect_now().returning(|| DateTime::<Utc>::UNIX_EPOCH);
        Arc::new(clock)
    }

    #[tokio::test]
    async fn r_t9_only_platform_admins_erase_another_user_and_a_refusal_erases_nothing() {
        let service = PersonalDataService::new(Arc::new(MockPersonalDataStore::new()), clock());
        for role in [
            PlatformRole::Moderator,
            PlatformRole::Employee,
            PlatformRole::User,
        ] {
            let refused = service
                .erase_user(&actor(role), UserId::from_uuid(Uuid::from_u128(9)))
                .await;
            assert!(
                matches!(
                    refused,
                    Err(PersonalDataError::Forbidden(Permission::EraseUsers))
                ),
                "{role:?}"
            );
        }
    }

    #[tokio::test]
    async fn r_t9_an_erasure_is_recorded_with_ids_and_counts_only() {
        let mut store = MockPersonalDataStore::new();
        store
            .expect_erase()
            .withf(|user, _| *user == UserId::from_uuid(Uuid::from_u128(1)))
            .times(1)
            .returning(|_, record| {
                let done = Erasure {
                    reviews_anonymised: 2,
                    ..Erasure::default()
                };
                let event = record.event(done);
                assert_eq!(event.action, "user.erased");
                assert_eq!(event.subject_id, Uuid::from_u128(1));
                assert!(event.changes.is_empty(), "no personal value is recorded");
                assert!(
                    event
                        .details
                        .contains(&("reviews_anonymised", "2".to_owned()))
                );
                assert!(event.details.contains(&("by", "SELF".to_owned())));
                Ok(done)
            });
        let service = PersonalDataService::new(Arc::new(store), clock());
        let done = service
            .erase_self(&actor(PlatformRole::User))
            .await
            .unwrap();
        assert_eq!(done.reviews_anonymised, 2);
    }
}
