//! Who may act in this context. People are checked against the kernel's one permission
//! matrix (`ManageApiKeys` for R-A4, `ViewHoldings` to read the org's licenses); an API
//! key acts for its org with its scopes only and no user (R-A3). [`Principal`] is either,
//! so a use case open to both asks one question and gets one typed refusal.

use marketplace_kernel::access::{AccessPolicy, Actor, Forbidden, Permission};
use marketplace_kernel::ids::OrgId;

use crate::api_key::{KeyHolder, MissingScope, Scope};

/// Whoever calls a use case open to people and machines alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A user of an org, with their roles.
    User(Actor),
    /// An API key of an org, with its scopes.
    Key(KeyHolder),
}

/// Why a principal may not do something: a user lacks the permission (403), or a key the
/// scope (403).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    MissingScope(#[from] MissingScope),
}

impl Principal {
    /// The org the principal acts for: the tenant of everything it reads.
    #[must_use]
    pub fn org_id(&self) -> OrgId {
        match self {
            Self::User(actor) => actor.org_id,
            Self::Key(holder) => holder.org_id(),
        }
    }

    /// A user must hold `permission` in the kernel's matrix; a key must hold `scope`.
    ///
    /// # Errors
    /// [`Denied`] naming what was missing.
    pub fn require(&self, permission: Permission, scope: Scope) -> Result<(), Denied> {
        match self {
            Self::User(actor) => Ok(AccessPolicy.require(actor, permission)?),
            Self::Key(holder) => Ok(holder.require(scope)?),
        }
    }
}
