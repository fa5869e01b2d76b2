//! # marketplace-license
//!
//! License keys for tools sold on the marketplace, signed by the marketplace and verified
//! anywhere, offline (R-L2, R-L3), and the signed answers of online validation (R-L4). The marketplace service uses this crate to issue keys and sign its
//! validation answers; a tool's vendor embeds the very same crate in the product running at
//! the buyer's, to check a key without calling home.
//!
//! The crate does no I/O, spawns nothing, holds no global state and never reads a clock:
//! the caller passes "now" as Unix seconds. A verification costs one strict Ed25519 check
//! plus a few microseconds of decoding, so checking at every start or on every licensed
//! action is fine.
//!
//! ## The key
//!
//! `ML1.<payload>.<signature>`, both parts base64url without padding. The payload is
//! compact JSON: `v` (format version, 1), `lid` (license id), `org`, `tool` (UUIDs), `plan`
//! (plan code), `features` (sorted names), `max_activations`, `iat` and `exp` (Unix
//! seconds, `exp` null for a perpetual license), `kid` (the signing key's id). The
//! signature is Ed25519 over exactly the payload bytes, checked strictly. A key is at most
//! [`MAX_TOKEN_LEN`] bytes.
//!
//! ## Embedding it in a product
//!
//! 1. Ship the marketplace's public keys with the product (from `GET /v1/licenses/keys`,
//!    whose body deserializes straight into a [`Keyring`]). Keys rotate: a key stays listed
//!    while licenses it signed are honoured, so ship the whole list and refresh it with
//!    updates.
//! 2. Build one [`Verifier`] at start; it is `Send + Sync`, share it freely.
//! 3. Verify the buyer's key with the machine's time; act on the [`VerifyError`] variant.
//!
//! ```
//! use marketplace_license::{Claims, Keyring, Kid, SigningKey, Verifier, VerifyError};
//! use uuid::Uuid;
//!
//! // On the marketplace's side: a signing key (a fixed seed here) issues a key.
//! let signer = SigningKey::from_seed(Kid::parse("2025-01")?, &[7; 32]);
//! let claims = Claims::builder(
//!     Uuid::from_u128(1).into(), // license
//!     Uuid::from_u128(2).into(), // organization
//!     Uuid::from_u128(3).into(), // tool
//! )
//! .plan("PRO")
//! .features(["export", "sso"])
//! .max_activations(5)
//! .issued_at(1_700_000_000)
//! .expires_at(1_731_536_000)
//! .build()?;
//! let key = signer.sign_license(&claims);
//! assert!(key.as_str().starts_with("ML1."));
//!
//! // In the product: the published keys, a verifier, and the machine's clock.
//! let published = serde_json::to_string(&Keyring::from_keys([signer.public_key()])?)?;
//! let verifier = Verifier::new(serde_json::from_str(&published)?);
//! let now = 1_710_000_000; // e.g. SystemTime::now() since UNIX_EPOCH, in seconds
//!
//! let license = verifier.verify(key.as_str(), now)?;
//! assert!(license.claims().has_feature("sso"));
//!
//! match verifier.verify(key.as_str(), 1_800_000_000) {
//!     Err(VerifyError::Expired { exp }) => assert_eq!(exp, 1_731_536_000),
//!     other => panic!("expected an expired license, got {other:?}"),
//! }
//! let mut typo = key.into_string();
//! typo.pop();
//! assert!(verifier.verify(&typo, now).unwrap_err().is_not_a_license());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Time
//!
//! A key is honoured from `iat - leeway` until just before `exp + leeway` ([`Leeway`],
//! five minutes unless set). A clock reading earlier than that floor is refused as
//! [`VerifyError::Backdated`]: setting the machine's clock back does not stretch a term.
//!
//! ## Online answers
//!
//! When the product can reach the marketplace, `POST /v1/licenses/validate` with a fresh
//! [`Nonce`] returns a [`SignedAnswer`] (`MLA1.…`); [`Verifier::verify_answer`] checks its
//! signature and that it echoes the nonce, so neither a forged nor a replayed answer
//! passes. [`ValidationFacts::code`] is the marketplace's rule for which code it answers.

mod answer;
mod claims;
mod error;
mod ids;
mod keys;
mod license_key;
mod token;
mod validation;
mod verify;

pub use answer::{
    ANSWER_PREFIX, AnsweredLicense, InvalidNonce, Nonce, SignedAnswer, ValidationAnswer,
};
pub use claims::{Claims, ClaimsBuilder, ClaimsError, Code};
pub use error::{Malformation, VerifyError};
pub use ids::{LicenseId, OrgId, ToolId};
pub use keys::{ALGORITHM, KeyError, Keyring, Kid, PublicKey, SigningKey};
pub use license_key::{LICENSE_KEY_PREFIX, LicenseKey};
pub use token::MAX_TOKEN_LEN;
pub use validation::{
    FingerprintCheck, LicenseFacts, LicenseStatus, ValidationCode, ValidationFacts,
};
pub use verify::{Leeway, VerifiedLicense, Verifier};
