//! A license on record (R-L1): whose it is, for which tool and entitlement, on which terms,
//! in which status, and for how long.
//!
//! A license's terms are exactly the claims its key carries, so the record holds them as
//! [`Claims`] built once, under the license crate's own rules: any license on record
//! signs, and its key always says what the record says. The key itself is not stored: it is
//! [`License::key`], a pure function of the record and the signing key (Ed25519 signatures
//! are deterministic).

use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{EntitlementId, OrgId, ToolId};
use marketplace_license::{
    Claims, ClaimsError, Code, FingerprintCheck, LicenseFacts, LicenseKey, SigningKey,
};

use crate::ids::LicenseId;

/// Where a license stands, as the records have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LicenseStatus {
    /// In force.
    Active,
    /// Held back while the subscription is PAST_DUE.
    Suspended,
    /// Ended for good with its entitlement (R-E2).
    Revoked,
    /// Its term ran out without renewal.
    Expired,
}
marketplace_kernel::labelled!(LicenseStatus, "license status", {
    Active => "ACTIVE",
    Suspended => "SUSPENDED",
    Revoked => "REVOKED",
    Expired => "EXPIRED",
});

impl From<LicenseStatus> for marketplace_license::LicenseStatus {
    fn from(status: LicenseStatus) -> Self {
        match status {
            LicenseStatus::Active => Self::Active,
            LicenseStatus::Suspended => Self::Suspended,
            LicenseStatus::Revoked => Self::Revoked,
            LicenseStatus::Expired => Self::Expired,
        }
    }
}

/// A plan's terms for a license, as the catalog gives them: the plan's code, the features
/// it grants, and how many machines it allows (5 when the plan does not say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanTerms {
    pub plan: String,
    pub features: Vec<String>,
    pub max_activations: Option<u32>,
}

impl PlanTerms {
    /// Machines a license allows when its plan does not say (R-L1).
    pub const DEFAULT_MAX_ACTIVATIONS: u32 = 5;

    /// The plan's activation limit, or the default.
    #[must_use]
    pub fn activation_limit(&self) -> u32 {
        self.max_activations
            .unwrap_or(Self::DEFAULT_MAX_ACTIVATIONS)
    }
}

/// Why a license cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LicenseError {
    /// The terms break a rule of license claims: a plan code or feature outside the
    /// alphabet, too many features, no activations, an expiry not after the issue time.
    #[error("license terms: {0}")]
    Terms(#[from] ClaimsError),
    /// A time before 1970, which a key cannot carry.
    #[error("license times must be after 1970-01-01")]
    BeforeEpoch,
}

/// A license as an adapter reads it back from storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLicense {
    pub id: LicenseId,
    pub org_id: OrgId,
    pub tool_id: ToolId,
    pub entitlement_id: EntitlementId,
    pub plan: String,
    pub features: Vec<String>,
    pub max_activations: u32,
    pub status: LicenseStatus,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A license of one org to one tool, from one entitlement (R-L1). Valid by construction:
/// build it with [`License::issue`](crate::license::License::issue) or
/// [`License::from_stored`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct License {
    claims: Claims,
    entitlement_id: EntitlementId,
    status: LicenseStatus,
    issued_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
}

/// The parts a license is assembled from; one place checks them all.
pub(crate) struct Parts<'a> {
    pub id: LicenseId,
    pub org_id: OrgId,
    pub tool_id: ToolId,
    pub entitlement_id: EntitlementId,
    pub plan: &'a str,
    pub features: &'a [String],
    pub max_activations: u32,
    pub status: LicenseStatus,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl License {
    /// A license read back from storage.
    ///
    /// # Errors
    /// [`LicenseError`] when the stored values break a rule (a corrupted row).
    pub fn from_stored(stored: StoredLicense) -> Result<Self, LicenseError> {
        Self::assemble(Parts {
            id: stored.id,
            org_id: stored.org_id,
            tool_id: stored.tool_id,
            entitlement_id: stored.entitlement_id,
            plan: &stored.plan,
            features: &stored.features,
            max_activations: stored.max_activations,
            status: stored.status,
            issued_at: stored.issued_at,
            expires_at: stored.expires_at,
        })
    }

    /// Checks every part under the claims' rules; times are kept to the whole second, as
    /// keys carry them.
    pub(crate) fn assemble(parts: Parts<'_>) -> Result<Self, LicenseError> {
        let (issued_at, iat) = whole_seconds(parts.issued_at)?;
        let (expires_at, exp) = match parts.expires_at {
            Some(at) => whole_seconds(at).map(|(at, exp)| (Some(at), Some(exp)))?,
            None => (None, None),
        };
        let claims = Claims::builder(
            parts.id.into(),
            parts.org_id.as_uuid().into(),
            parts.tool_id.as_uuid().into(),
        )
        .plan(parts.plan)
        .features(parts.features)
        .max_activations(parts.max_activations)
        .issued_at(iat)
        .expires_at(exp)
        .build()?;
        Ok(Self {
            claims,
            entitlement_id: parts.entitlement_id,
            status: parts.status,
            issued_at,
            expires_at,
        })
    }

    /// The same license with its parts changed by `change`, checked again.
    pub(crate) fn rebuilt(
        &self,
        change: impl FnOnce(&mut OwnedParts),
    ) -> Result<Self, LicenseError> {
        let mut parts = OwnedParts {
            plan: self.plan().to_owned(),
            features: self.features().map(str::to_owned).collect(),
            max_activations: self.max_activations(),
            status: self.status,
            expires_at: self.expires_at,
        };
        change(&mut parts);
        Self::assemble(Parts {
            id: self.id(),
            org_id: self.org_id(),
            tool_id: self.tool_id(),
            entitlement_id: self.entitlement_id,
            plan: &parts.plan,
            features: &parts.features,
            max_activations: parts.max_activations,
            status: parts.status,
            issued_at: self.issued_at,
            expires_at: parts.expires_at,
        })
    }

    /// The same license in another status (the terms, hence the key, unchanged).
    pub(crate) fn with_status(&self, status: LicenseStatus) -> Self {
        Self {
            status,
            ..self.clone()
        }
    }

    #[must_use]
    pub fn id(&self) -> LicenseId {
        self.claims.license_id().into()
    }

    #[must_use]
    pub fn org_id(&self) -> OrgId {
        OrgId::from_uuid(self.claims.org().as_uuid())
    }

    #[must_use]
    pub fn tool_id(&self) -> ToolId {
        ToolId::from_uuid(self.claims.tool().as_uuid())
    }

    /// The entitlement the license comes with (R-L1) and follows (R-L6).
    #[must_use]
    pub fn entitlement_id(&self) -> EntitlementId {
        self.entitlement_id
    }

    /// The code of the plan bought.
    #[must_use]
    pub fn plan(&self) -> &str {
        self.claims.plan().as_str()
    }

    /// The features granted, sorted and distinct.
    pub fn features(&self) -> impl ExactSizeIterator<Item = &str> {
        self.claims.features().map(Code::as_str)
    }

    /// How many machines may be activated at once.
    #[must_use]
    pub fn max_activations(&self) -> u32 {
        self.claims.max_activations()
    }

    #[must_use]
    pub fn status(&self) -> LicenseStatus {
        self.status
    }

    #[must_use]
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issued_at
    }

    /// The end of the paid period for a subscription; `None` for a one-time purchase.
    #[must_use]
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// What the license's key carries.
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The license's key, signed by `signer`: the same string for the same record and
    /// signing key, a new one when the terms change (a renewal moves `exp`).
    #[must_use]
    pub fn key(&self, signer: &SigningKey) -> LicenseKey {
        signer.sign_license(&self.claims)
    }

    /// What online validation weighs (R-L4), at the server's `now`: the recorded status,
    /// whether the recorded expiry has passed (a job may not have marked it yet), and the
    /// fingerprint check.
    #[must_use]
    pub fn facts(&self, now: DateTime<Utc>, fingerprint: FingerprintCheck) -> LicenseFacts {
        LicenseFacts {
            status: self.status.into(),
            expired: self.expires_at.is_some_and(|at| at <= now),
            fingerprint,
        }
    }
}

/// The parts of a license that may change over its life.
pub(crate) struct OwnedParts {
    pub plan: String,
    pub features: Vec<String>,
    pub max_activations: u32,
    pub status: LicenseStatus,
    pub expires_at: Option<DateTime<Utc>>,
}

/// `at` cut to the whole second, with its Unix seconds.
fn whole_seconds(at: DateTime<Utc>) -> Result<(DateTime<Utc>, u64), LicenseError> {
    let secs = at.timestamp();
    let unix = u64::try_from(secs).map_err(|_| LicenseError::BeforeEpoch)?;
    let whole = DateTime::from_timestamp(secs, 0).ok_or(LicenseError::BeforeEpoch)?;
    Ok((whole, unix))
}

/// The server's clock in Unix seconds, for answers (0 before 1970, which no server reads).
pub(crate) fn unix_seconds(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}
