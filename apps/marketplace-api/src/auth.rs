//! Authentication, one `Authorization` header with two schemes: `Bearer <JWT>` (HS256
//! tokens whose claims name the user, the org and both roles) and `ApiKey <key>` (an org's
//! machine credential with its scopes and no user, R-A3). Each endpoint says what it
//! accepts by the extractor it takes: [`Caller`] (a bearer token only), [`UserOrKey`] (a
//! token, or a key holding the endpoint's scope) or [`MaybeUserOrKey`] (anyone; a
//! credential presented must still be good). The extractors are the only way a handler
//! learns who calls it.

mod principal;

pub(crate) use principal::authenticate_key;
pub use principal::{
    EntitlementsRead, LicensesValidate, MaybeUserOrKey, RequiredScope, UsageRead, UsageWrite,
    UserOrKey,
};

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_licensing::api_key::AuthenticateError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

/// Why a caller is not authenticated (a 401), or why no one can be (a 500).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing Authorization header")]
    MissingHeader,
    #[error("malformed Authorization header")]
    MalformedHeader,
    /// A bearer-only endpoint was presented another scheme (an API key, say).
    #[error("expected `Authorization: Bearer <token>`")]
    NotBearer,
    /// An endpoint open to keys was presented a scheme that is neither.
    #[error("expected `Authorization: Bearer <token>` or `Authorization: ApiKey <key>`")]
    UnknownScheme,
    /// A malformed, unknown, revoked or expired API key (R-A2, R-A3); or the key store
    /// failed (a 500).
    #[error("{0}")]
    ApiKey(#[from] AuthenticateError),
    /// Forged, expired, from another issuer or not a token at all.
    #[error("invalid token: {0}")]
    InvalidToken(#[source] jsonwebtoken::errors::Error),
    /// A well-signed token naming a role this service does not know.
    #[error("{0}")]
    UnknownRole(String),
    /// The service has no keys to check tokens with: a wiring mistake.
    #[error("token keys are not configured")]
    NotConfigured,
}

/// The claims a token carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The org id.
    pub org: Uuid,
    pub org_role: String,
    pub platform_role: String,
    pub iss: String,
    pub exp: i64,
    pub iat: i64,
}

/// Signs and checks tokens with the configured secret and issuer.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    #[must_use]
    pub fn new(secret: &str, issuer: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            issuer: issuer.to_owned(),
        }
    }

    /// A token for `actor`, valid for `ttl`.
    ///
    /// # Errors
    /// When signing fails (it does not with an HMAC key).
    pub fn issue(
        &self,
        actor: &Actor,
        ttl: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now();
        let claims = Claims {
            sub: actor.user_id.as_uuid(),
            org: actor.org_id.as_uuid(),
            org_role: actor.org_role.as_str().to_owned(),
            platform_role: actor.platform_role.as_str().to_owned(),
            iss: self.issuer.clone(),
            exp: (now + ttl).timestamp(),
            iat: now.timestamp(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The actor a bearer token names.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for a forged, expired or malformed token,
    /// [`AuthError::UnknownRole`] for a role this service does not know.
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(AuthError::InvalidToken)?;
        let c = data.claims;
        let org_role = c
            .org_role
            .parse::<OrgRole>()
            .map_err(|e| AuthError::UnknownRole(e.to_string()))?;
        let platform_role = c
            .platform_role
            .parse::<PlatformRole>()
            .map_err(|e| AuthError::UnknownRole(e.to_string()))?;
        Ok(Actor {
            user_id: UserId::from_uuid(c.sub),
            org_id: OrgId::from_uuid(c.org),
            org_role,
            platform_role,
        })
    }
}

/// The authenticated caller: extracting it answers 401 when the bearer token is missing or
/// bad.
#[derive(Clone, Copy, Debug)]
pub struct Caller(pub Actor);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).map(Caller).map_err(ApiError::from))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Actor, AuthError> {
    match credential(req)?.ok_or(AuthError::MissingHeader)? {
        Credential::Bearer(token) => verify_bearer(req, token),
        Credential::ApiKey(_) | Credential::Other => Err(AuthError::NotBearer),
    }
}

/// What an `Authorization` header presents.
pub(crate) enum Credential<'a> {
    Bearer(&'a str),
    ApiKey(&'a str),
    /// Another scheme.
    Other,
}

/// The request's credential; `None` without an `Authorization` header.
pub(crate) fn credential(req: &HttpRequest) -> Result<Option<Credential<'_>>, AuthError> {
    let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = header.to_str().map_err(|_| AuthError::MalformedHeader)?;
    Ok(Some(if let Some(token) = value.strip_prefix("Bearer ") {
        Credential::Bearer(token.trim())
    } else if let Some(key) = value.strip_prefix("ApiKey ") {
        Credential::ApiKey(key.trim())
    } else {
        Credential::Other
    }))
}

fn verify_bearer(req: &HttpRequest, token: &str) -> Result<Actor, AuthError> {
    req.app_data::<web::Data<TokenKeys>>()
        .ok_or(AuthError::NotConfigured)?
        .verify(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            org_role: OrgRole::Admin,
            platform_role: PlatformRole::User,
        }
    }

    #[test]
    fn a_token_round_trips_to_the_same_actor() {
        let keys = TokenKeys::new("secret-secret-secret-secret", "iss");
        let token = keys.issue(&actor(), Duration::hours(1)).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), actor());
    }

    #[test]
    fn forged_expired_and_foreign_tokens_are_refused() {
        let keys = TokenKeys::new("secret-secret-secret-secret", "iss");
        let other = TokenKeys::new("another-secret-another-secret", "iss");
        let forged = other.issue(&actor(), Duration::hours(1)).unwrap();
        assert!(matches!(
            keys.verify(&forged),
            Err(AuthError::InvalidToken(_))
        ));
        let expired = keys.issue(&actor(), Duration::hours(-1)).unwrap();
        assert!(matches!(
            keys.verify(&expired),
            Err(AuthError::InvalidToken(_))
        ));
        let foreign = TokenKeys::new("secret-secret-secret-secret", "elsewhere")
            .issue(&actor(), Duration::hours(1))
            .unwrap();
        assert!(matches!(
            keys.verify(&foreign),
            Err(AuthError::InvalidToken(_))
        ));
        assert!(keys.verify("not.a.token").is_err());
    }
}
