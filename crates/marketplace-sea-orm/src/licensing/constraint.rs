//! The licensing tables' unique constraints, recognized by their exact names.

use std::ops::Deref;

use marketplace_domain::ports::{Conflict, RepoError};
use sea_orm::{DbErr, RuntimeErr};

use crate::error::map_db;

/// A unique constraint of the licensing tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unique {
    ApiKeyId,
    ApiKeyDigest,
    LicenseId,
    LicenseEntitlement,
    Activation,
}

impl Unique {
    /// Each constraint: its name (as PostgreSQL reports it) and the column list SQLite's
    /// message names instead.
    const ALL: &[(Self, &'static str, &'static str)] = &[
        (Self::ApiKeyId, "api_keys_pkey", "api_keys.id"),
        (Self::ApiKeyDigest, "api_keys_digest_key", "api_keys.digest"),
        (Self::LicenseId, "licenses_pkey", "licenses.id"),
        (
            Self::LicenseEntitlement,
            "licenses_entitlement_key",
            "licenses.entitlement_id",
        ),
        (
            Self::Activation,
            "license_activations_pkey",
            "license_activations.license_id, license_activations.fingerprint",
        ),
    ];

    /// The conflict a violation of this constraint reports: ids taken are a caller's bug
    /// ([`Conflict::Key`]), the others are named for logs.
    pub(super) fn conflict(self) -> Conflict {
        match self {
            Self::ApiKeyId => Conflict::Key { table: "api_keys" },
            Self::LicenseId => Conflict::Key { table: "licenses" },
            Self::ApiKeyDigest => Conflict::Duplicate("api key digest"),
            Self::LicenseEntitlement => Conflict::Duplicate("license entitlement"),
            Self::Activation => Conflict::Duplicate("license activation"),
        }
    }

    /// The licensing constraint `e` violates, if it is a unique violation of one.
    pub(super) fn violated_by(e: &DbErr) -> Option<Self> {
        let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = e
        else {
            return None;
        };
        let sea_orm::sqlx::Error::Database(db) = e.deref() else {
            return None;
        };
        let code = db.code().unwrap_or_default();
        // PostgreSQL 23505; SQLite's UNIQUE (2067) and PRIMARY KEY (1555) extended codes.
        if !matches!(code.as_ref(), "23505" | "2067" | "1555") {
            return None;
        }
        match db.constraint() {
            Some(name) => Self::ALL
                .iter()
                .find(|(_, known, _)| *known == name)
                .map(|(unique, _, _)| *unique),
            None => {
                let columns = db.message().strip_prefix("UNIQUE constraint failed: ")?;
                Self::ALL
                    .iter()
                    .find(|(_, _, known)| *known == columns)
                    .map(|(unique, _, _)| *unique)
            }
        }
    }
}

/// Maps a failed write: a licensing key's violation becomes its typed conflict, anything
/// else goes through the store's mapping.
pub(super) fn map_write(e: DbErr) -> RepoError {
    match Unique::violated_by(&e) {
        Some(unique) => RepoError::Conflict(unique.conflict()),
        None => map_db(e),
    }
}
