//! API keys (R-A1..R-A4): credentials a machine presents to act for an org, with scopes
//! and no user.
//!
//! - R-A1 A key belongs to one org, with a label, scopes, its creator and times
//!   ([`record`], [`scope`]).
//! - R-A2 The key's format and checksum, generated from injected randomness, refused when
//!   malformed before any read; only an HMAC digest is stored ([`token`], [`digest`]).
//! - R-A3 A presented key becomes a [`KeyHolder`] of its org and scopes, or a typed 401;
//!   a missing scope is 403; the last use is written at most once a minute
//!   ([`ApiKeyService::authenticate`]); a key's record is reused for [`KEY_CACHE_TTL`]
//!   without a read, and a revocation made here drops it at once ([`cache`]).
//! - R-A4 Only the org's owners and admins create, list and revoke keys; lists show a
//!   hint, never the key (`ManageApiKeys` in the kernel's permission matrix, [`KeyHint`]).

mod base62;
pub mod cache;
pub mod digest;
pub mod ports;
pub mod record;
pub mod scope;
pub mod service;
pub mod token;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod service_tests;

pub use cache::KEY_CACHE_TTL;
pub use digest::{KeyDigest, KeyDigester, WeakDigestSecret};
pub use ports::{ApiKeyRepository, RandomSource};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockApiKeyRepository, MockRandomSource};
pub use record::{ApiKey, KeyLabel, KeyState, LAST_USED_RESOLUTION};
pub use scope::{Scope, Scopes};
pub use service::{
    ApiKeyService, AuthenticateError, Authenticated, CreateApiKeyError, CreatedApiKey, KeyHolder,
    KeyUpkeep, ListApiKeysError, MissingScope, NewKeyRequest, RevokeApiKeyError,
};
pub use token::{ApiKeyToken, InvalidKeyHint, KeyEnvironment, KeyHint, MalformedApiKey};
