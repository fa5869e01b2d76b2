//! Licenses on the wire: the org's licenses with their keys, the public verification keys,
//! and the bodies and answers of validation and activation.

use std::borrow::Cow;

use chrono::{DateTime, TimeZone, Utc};
use marketplace_license::{Keyring, ValidationCode};
use marketplace_licensing::license::{
    ActivateLicense, Activation, DeactivateLicense, Deactivation, InvalidLicenseRequest, License,
    LicenseView, ValidateLicense, Validation,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use uuid::Uuid;

use crate::wire::labels::LicenseStatusLabel;

/// One of the org's licenses (R-L1), with its signed key.
#[derive(Debug, Serialize, ToSchema)]
pub struct LicenseDto {
    pub id: Uuid,
    pub tool_id: Uuid,
    /// The plan's code.
    pub plan: String,
    pub features: Vec<String>,
    pub status: LicenseStatusLabel,
    /// The license key, `ML1.<payload>.<signature>`: what the product is given.
    pub key: String,
    pub max_activations: u32,
    /// Machines activated now.
    pub activations: u32,
    pub issued_at: DateTime<Utc>,
    /// The end of the paid period; null for a one-time purchase.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<LicenseView> for LicenseDto {
    fn from(v: LicenseView) -> Self {
        let l = &v.license;
        Self {
            id: l.id().as_uuid(),
            tool_id: l.tool_id().as_uuid(),
            plan: l.plan().to_owned(),
            features: l.features().map(str::to_owned).collect(),
            status: l.status().into(),
            key: v.key.into_string(),
            max_activations: l.max_activations(),
            activations: v.activations,
            issued_at: l.issued_at(),
            expires_at: l.expires_at(),
        }
    }
}

/// One public key that verifies license keys and signed answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKeyDto {
    pub kid: String,
    /// Always `EdDSA` (Ed25519).
    pub alg: &'static str,
    /// The 32-byte key, base64url without padding.
    pub public_key: String,
}

/// `{"keys": [...]}`: every public key still trusted, ordered by kid. The body reads
/// straight into `marketplace_license::Keyring`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKeysDto {
    pub keys: Vec<PublicKeyDto>,
}

impl From<&Keyring> for PublicKeysDto {
    fn from(ring: &Keyring) -> Self {
        Self {
            keys: ring
                .iter()
                .map(|k| PublicKeyDto {
                    kid: k.kid().as_str().to_owned(),
                    alg: marketplace_license::ALGORITHM,
                    public_key: k.to_base64url(),
                })
                .collect(),
        }
    }
}

/// POST /v1/licenses/validate.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateBody {
    /// The license key as the product holds it; at most 4096 bytes. Any string within
    /// that bound is answered.
    #[garde(skip)]
    pub key: String,
    /// The machine to check (1 to 256 characters): `NOT_ACTIVATED` unless it is.
    #[garde(skip)]
    pub fingerprint: Option<String>,
    /// 16 to 128 characters of `A-Z a-z 0-9 - . _ ~`, echoed in the signed answer.
    #[garde(skip)]
    pub nonce: Option<String>,
}

impl TryFrom<ValidateBody> for ValidateLicense {
    type Error = InvalidLicenseRequest;

    fn try_from(b: ValidateBody) -> Result<Self, InvalidLicenseRequest> {
        ValidateLicense::parse(&b.key, b.fingerprint.as_deref(), b.nonce.as_deref())
    }
}

/// A validation's code, in R-L4's precedence: `NOT_FOUND`, `REVOKED`, `EXPIRED`,
/// `SUSPENDED`, `NOT_ACTIVATED`, `VALID`.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct CodeLabel(&'static str);

impl utoipa::PartialSchema for CodeLabel {
    fn schema() -> RefOr<Schema> {
        let codes = [
            ValidationCode::NotFound,
            ValidationCode::Revoked,
            ValidationCode::Expired,
            ValidationCode::Suspended,
            ValidationCode::NotActivated,
            ValidationCode::Valid,
        ];
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(codes.map(ValidationCode::as_str)))
            .into()
    }
}

impl ToSchema for CodeLabel {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ValidationCode")
    }
}

/// The license an answer is about, as the records have it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidatedLicenseDto {
    pub id: Uuid,
    pub tool_id: Uuid,
    pub plan: String,
    pub features: Vec<String>,
    pub status: LicenseStatusLabel,
    pub max_activations: u32,
    /// The current expiry (later than the key's after a renewal); null for perpetual.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<&License> for ValidatedLicenseDto {
    fn from(l: &License) -> Self {
        Self {
            id: l.id().as_uuid(),
            tool_id: l.tool_id().as_uuid(),
            plan: l.plan().to_owned(),
            features: l.features().map(str::to_owned).collect(),
            status: l.status().into(),
            max_activations: l.max_activations(),
            expires_at: l.expires_at(),
        }
    }
}

/// The answer to a validation (R-L4): always 200. `signature` is the same answer signed
/// (`MLA1.…`), for `Verifier::verify_answer` with the caller's nonce.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationDto {
    pub valid: bool,
    pub code: CodeLabel,
    /// Absent for `NOT_FOUND`: nothing is told about a key that did not check out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<ValidatedLicenseDto>,
    /// The caller's nonce; null when none was sent.
    pub nonce: Option<String>,
    pub server_time: DateTime<Utc>,
    /// The signed answer, `MLA1.<payload>.<signature>`.
    pub signature: String,
}

impl From<Validation> for ValidationDto {
    fn from(v: Validation) -> Self {
        let answer = &v.answer;
        let code = answer.code();
        Self {
            valid: answer.valid(),
            code: CodeLabel(code.as_str()),
            license: v
                .license
                .as_ref()
                .filter(|_| code != ValidationCode::NotFound)
                .map(ValidatedLicenseDto::from),
            nonce: answer.nonce().map(|n| n.as_str().to_owned()),
            server_time: i64::try_from(answer.server_time())
                .ok()
                .and_then(|secs| Utc.timestamp_opt(secs, 0).single())
                .unwrap_or_default(),
            signature: v.signed.into_string(),
        }
    }
}

/// POST /v1/licenses/activate.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateBody {
    /// The license key; at most 4096 bytes.
    #[garde(skip)]
    pub key: String,
    /// The machine: 1 to 256 characters.
    #[garde(skip)]
    pub fingerprint: String,
    /// A name to tell machines apart: 1 to 100 characters.
    #[garde(skip)]
    pub name: Option<String>,
}

impl TryFrom<ActivateBody> for ActivateLicense {
    type Error = InvalidLicenseRequest;

    fn try_from(b: ActivateBody) -> Result<Self, InvalidLicenseRequest> {
        ActivateLicense::parse(&b.key, &b.fingerprint, b.name.as_deref())
    }
}

/// POST /v1/licenses/deactivate.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateBody {
    #[garde(skip)]
    pub key: String,
    #[garde(skip)]
    pub fingerprint: String,
}

impl TryFrom<DeactivateBody> for DeactivateLicense {
    type Error = InvalidLicenseRequest;

    fn try_from(b: DeactivateBody) -> Result<Self, InvalidLicenseRequest> {
        DeactivateLicense::parse(&b.key, &b.fingerprint)
    }
}

/// A machine active on a license (R-L5).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivationDto {
    pub license_id: Uuid,
    pub fingerprint: String,
    /// Machines active on the license now.
    pub activations: u32,
    pub max_activations: u32,
}

impl ActivationDto {
    pub fn new(a: &Activation, fingerprint: String) -> Self {
        Self {
            license_id: a.license.id().as_uuid(),
            fingerprint,
            activations: a.activations,
            max_activations: a.license.max_activations(),
        }
    }
}

/// A machine let go (R-L5).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeactivationDto {
    pub license_id: Uuid,
    pub fingerprint: String,
    /// False when the machine was not active.
    pub deactivated: bool,
}

impl DeactivationDto {
    pub fn new(d: &Deactivation, fingerprint: String) -> Self {
        Self {
            license_id: d.license.id().as_uuid(),
            fingerprint,
            deactivated: d.removed,
        }
    }
}
