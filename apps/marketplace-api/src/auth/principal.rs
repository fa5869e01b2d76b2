//! Endpoints open to machines: a bearer token's user, or an API key holding the scope the
//! endpoint names (R-A3). A key's checksum is checked before any read
//! ([`ApiKeyService::authenticate`]); its last use is written off the request's path, at
//! most once a minute per key.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use marketplace_licensing::access::Principal;
use marketplace_licensing::api_key::{ApiKeyService, KeyHolder, KeyUpkeep, Scope};

use super::{AuthError, Credential, credential, verify_bearer};
use crate::error::ApiError;
use crate::rate_limit::{AuthenticatedKey, KeyRefused};
use crate::state::Services;

/// The scope an endpoint asks of an API key.
pub trait RequiredScope {
    const SCOPE: Scope;
}

/// `entitlements:read`: what the org may use (its licenses).
#[derive(Debug)]
pub struct EntitlementsRead;

impl RequiredScope for EntitlementsRead {
    const SCOPE: Scope = Scope::EntitlementsRead;
}

/// `licenses:validate`: validate, activate and deactivate license keys.
#[derive(Debug)]
pub struct LicensesValidate;

impl RequiredScope for LicensesValidate {
    const SCOPE: Scope = Scope::LicensesValidate;
}

/// `usage:write`: report usage events.
#[derive(Debug)]
pub struct UsageWrite;

impl RequiredScope for UsageWrite {
    const SCOPE: Scope = Scope::UsageWrite;
}

/// `usage:read`: read usage totals and the org's packs.
#[derive(Debug)]
pub struct UsageRead;

impl RequiredScope for UsageRead {
    const SCOPE: Scope = Scope::UsageRead;
}

/// A bearer token's user, or an API key holding `S`: 401 without a good credential, 403
/// for a key without the scope.
#[derive(Debug)]
pub struct UserOrKey<S>(pub Principal, PhantomData<S>);

impl<S: RequiredScope + 'static> FromRequest for UserOrKey<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = principal(&req, S::SCOPE)
                .await?
                .ok_or(AuthError::MissingHeader)?;
            Ok(Self(principal, PhantomData))
        })
    }
}

/// Anyone: `None` without an `Authorization` header; a header presented must hold a good
/// token, or a key with `S` (401, 403), as for [`UserOrKey`].
#[derive(Debug)]
pub struct MaybeUserOrKey<S>(pub Option<Principal>, PhantomData<S>);

impl<S: RequiredScope + 'static> FromRequest for MaybeUserOrKey<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Self(principal(&req, S::SCOPE).await?, PhantomData)) })
    }
}

/// The principal the request's credential names, if it has one.
async fn principal(req: &HttpRequest, scope: Scope) -> Result<Option<Principal>, ApiError> {
    let Some(credential) = credential(req)? else {
        return Ok(None);
    };
    let key = match credential {
        Credential::Bearer(token) => return Ok(Some(Principal::User(verify_bearer(req, token)?))),
        Credential::ApiKey(key) => key,
        Credential::Other => return Err(AuthError::UnknownScheme.into()),
    };
    if let Some(AuthenticatedKey(holder)) = req.extensions().get::<AuthenticatedKey>().cloned() {
        holder.require(scope)?;
        return Ok(Some(Principal::Key(holder)));
    }
    if let Some(KeyRefused(refused)) = req.extensions_mut().remove::<KeyRefused>() {
        return Err(refused.into());
    }
    let keys = &req
        .app_data::<web::Data<Services>>()
        .ok_or(AuthError::NotConfigured)?
        .api_keys;
    let holder = authenticate_key(keys, key).await?;
    holder.require(scope)?;
    Ok(Some(Principal::Key(holder)))
}

/// Authenticates a presented API key, and records its use off the request's path. The
/// rate limiter calls it first and leaves the holder in the request's extensions.
pub(crate) async fn authenticate_key(
    keys: &ApiKeyService,
    key: &str,
) -> Result<KeyHolder, AuthError> {
    let authenticated = keys.authenticate(key).await?;
    if let Some(upkeep) = authenticated.upkeep {
        record_use(keys.clone(), upkeep);
    }
    Ok(authenticated.holder)
}

/// Writes a key's last use (and a rotated digest) in the background: the request does not
/// wait, and a failure is only logged.
fn record_use(keys: ApiKeyService, upkeep: KeyUpkeep) {
    tokio::spawn(async move {
        if let Err(e) = keys.record_use(upkeep).await {
            tracing::warn!(error = ?e, "recording an API key's use failed");
        }
    });
}
