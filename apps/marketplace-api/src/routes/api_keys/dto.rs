//! API keys on the wire: a new key's request, the one answer that shows the key, and the
//! records lists show (prefix and last four characters only).

use chrono::{DateTime, Utc};
use marketplace_licensing::api_key::{ApiKey, CreatedApiKey, NewKeyRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::wire::labels::ScopeLabel;

/// POST /v1/api-keys.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyBody {
    /// 1 to 100 characters.
    #[garde(skip)]
    pub label: String,
    /// At least one of `licenses:validate`, `usage:write`, `usage:read`,
    /// `entitlements:read`.
    #[garde(length(max = 16))]
    pub scopes: Vec<ScopeLabel>,
    /// When the key stops working (in the future); none for never.
    #[garde(skip)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl TryFrom<CreateApiKeyBody> for NewKeyRequest {
    type Error = BadRequest;

    fn try_from(b: CreateApiKeyBody) -> Result<Self, BadRequest> {
        NewKeyRequest::parse(
            &b.label,
            b.scopes.iter().map(|s| s.0.as_str()),
            b.expires_at,
        )
        .map_err(|faults| BadRequest::new("the request body is invalid").with_fields(&faults))
    }
}

/// An org's API key as lists show it: never the key, only its prefix and last four
/// characters.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: Uuid,
    pub label: String,
    /// `mk_live_` or `mk_test_` and the first four random characters.
    pub prefix: String,
    pub last4: String,
    pub scopes: Vec<ScopeLabel>,
    pub created_at: DateTime<Utc>,
    /// Written at most once a minute: up to a minute behind the latest use.
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyDto {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id.as_uuid(),
            label: k.label.as_str().to_owned(),
            prefix: k.hint.prefix().to_owned(),
            last4: k.hint.last4().to_owned(),
            scopes: k.scopes.iter().map(ScopeLabel).collect(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A key just created: the record, and the key itself, shown this once only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyDto {
    /// The key: `Authorization: ApiKey <key>`. Not stored and never shown again.
    pub key: String,
    #[serde(flatten)]
    pub record: ApiKeyDto,
}

impl From<CreatedApiKey> for CreatedApiKeyDto {
    fn from(c: CreatedApiKey) -> Self {
        Self {
            key: c.key.expose_secret().to_owned(),
            record: c.record.into(),
        }
    }
}
