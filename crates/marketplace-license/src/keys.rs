//! Signing keys, their public halves and the keyring a verifier trusts (R-L2).
//!
//! Every key has an id, its [`Kid`], written into each token it signs. A verifier holds a
//! [`Keyring`] of public keys by kid, so the marketplace can start signing with a new key
//! while licenses signed with the old one keep verifying for as long as the old public key
//! stays in the keyring.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer as _, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::answer::{SignedAnswer, ValidationAnswer};
use crate::claims::Claims;
use crate::license_key::LicenseKey;

/// The algorithm name published with every public key (RFC 8037's name for Ed25519).
pub const ALGORITHM: &str = "EdDSA";

/// Why a key, a kid or a key set is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A kid must be 1 to 64 characters of `A-Z a-z 0-9 _ -`.
    #[error("a kid must be 1 to 64 characters of A-Z, a-z, 0-9, `_` or `-`")]
    InvalidKid,
    /// Key material must be base64url without padding, of the right length.
    #[error("key material must be base64url without padding, {expected} bytes")]
    Encoding {
        /// The number of bytes expected once decoded.
        expected: usize,
    },
    /// The bytes are not an Ed25519 public key (not a point on the curve).
    #[error("not an Ed25519 public key")]
    NotAPublicKey,
    /// A public key of small order, under which forgeries are easy.
    #[error("a weak (small-order) public key is refused")]
    WeakKey,
    /// Two different public keys under one kid: a kid names one key for good.
    #[error("kid `{0}` is already taken by another key")]
    DuplicateKid(Kid),
    /// A published key whose `alg` is not `EdDSA`.
    #[error("algorithm `{0}` is not supported, only EdDSA")]
    UnsupportedAlgorithm(String),
}

/// A signing key's id: 1 to 64 characters of `A-Z a-z 0-9 _ -`, so it is safe in JSON, URLs
/// and logs without escaping.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kid(String);

impl Kid {
    /// Longest kid accepted, in characters.
    pub const MAX_LEN: usize = 64;

    /// # Errors
    /// [`KeyError::InvalidKid`] when empty, longer than 64, or with another character.
    pub fn parse(raw: &str) -> Result<Self, KeyError> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if raw.is_empty() || raw.len() > Self::MAX_LEN || !raw.bytes().all(allowed) {
            return Err(KeyError::InvalidKid);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The kid as written in tokens.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Kid {
    type Err = KeyError;

    fn from_str(raw: &str) -> Result<Self, KeyError> {
        Self::parse(raw)
    }
}

impl TryFrom<String> for Kid {
    type Error = KeyError;

    fn try_from(raw: String) -> Result<Self, KeyError> {
        Self::parse(&raw)
    }
}

impl From<Kid> for String {
    fn from(kid: Kid) -> Self {
        kid.0
    }
}

impl Borrow<str> for Kid {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The marketplace's private signing key, with its kid. Only the service holds one; a
/// vendor's product needs only [`PublicKey`]s.
///
/// The secret is wiped from memory when dropped, is never printed by `Debug`, and is not
/// `Clone`: share it behind an `Arc`.
pub struct SigningKey {
    kid: Kid,
    key: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// The key derived from a 32-byte Ed25519 seed (the secret key proper).
    #[must_use]
    pub fn from_seed(kid: Kid, seed: &[u8; 32]) -> Self {
        Self {
            kid,
            key: ed25519_dalek::SigningKey::from_bytes(seed),
        }
    }

    /// The key from its seed written in base64url without padding, as kept in configuration.
    ///
    /// # Errors
    /// [`KeyError::Encoding`] unless the text decodes to exactly 32 bytes.
    pub fn from_base64url_seed(kid: Kid, seed: &str) -> Result<Self, KeyError> {
        let bytes = decode_fixed::<32>(seed)?;
        Ok(Self::from_seed(kid, &bytes))
    }

    /// The id written into everything this key signs.
    #[must_use]
    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    /// The public half, to publish and to put in verifiers' keyrings.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            kid: self.kid.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// Issues the license key (`ML1.…`) for `claims`, signed with this key and naming its kid.
    ///
    /// Infallible: every [`Claims`] value fits in a key of at most
    /// [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) bytes.
    #[must_use]
    pub fn sign_license(&self, claims: &Claims) -> LicenseKey {
        crate::license_key::issue(self, claims)
    }

    /// Signs an online validation answer (`MLA1.…`), naming this key's kid.
    #[must_use]
    pub fn sign_answer(&self, answer: &ValidationAnswer) -> SignedAnswer {
        crate::answer::issue(self, answer)
    }

    /// Ed25519 over exactly `payload`.
    pub(crate) fn sign(&self, payload: &[u8]) -> Signature {
        self.key.sign(payload)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A public verification key with its kid. Serializes as the marketplace publishes it:
/// `{"kid": "...", "alg": "EdDSA", "public_key": "<base64url>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PublishedKey", into = "PublishedKey")]
pub struct PublicKey {
    kid: Kid,
    key: VerifyingKey,
}

impl PublicKey {
    /// A public key from its 32 bytes.
    ///
    /// # Errors
    /// [`KeyError::NotAPublicKey`] for bytes that are not a curve point,
    /// [`KeyError::WeakKey`] for a small-order point.
    pub fn from_bytes(kid: Kid, bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::NotAPublicKey)?;
        if key.is_weak() {
            return Err(KeyError::WeakKey);
        }
        Ok(Self { kid, key })
    }

    /// A public key from base64url without padding, as published.
    ///
    /// # Errors
    /// [`KeyError::Encoding`], then as [`PublicKey::from_bytes`].
    pub fn from_base64url(kid: Kid, encoded: &str) -> Result<Self, KeyError> {
        Self::from_bytes(kid, &decode_fixed::<32>(encoded)?)
    }

    /// The id of the signing key this verifies.
    #[must_use]
    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    /// The 32 bytes, base64url without padding, as published.
    #[must_use]
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.as_bytes())
    }

    /// Strict Ed25519 verification (no small-order points, canonical `S`): the check that
    /// leaves a signature exactly one valid encoding.
    pub(crate) fn verifies(&self, payload: &[u8], signature: &Signature) -> bool {
        self.key.verify_strict(payload, signature).is_ok()
    }
}

/// The published form of a [`PublicKey`]. Other fields are ignored when read, so the
/// listing can grow (a retirement date, say) without breaking products already shipped.
#[derive(Serialize, Deserialize)]
struct PublishedKey {
    kid: Kid,
    alg: String,
    public_key: String,
}

impl TryFrom<PublishedKey> for PublicKey {
    type Error = KeyError;

    fn try_from(published: PublishedKey) -> Result<Self, KeyError> {
        if published.alg != ALGORITHM {
            return Err(KeyError::UnsupportedAlgorithm(published.alg));
        }
        Self::from_base64url(published.kid, &published.public_key)
    }
}

impl From<PublicKey> for PublishedKey {
    fn from(key: PublicKey) -> Self {
        Self {
            public_key: key.to_base64url(),
            alg: ALGORITHM.to_owned(),
            kid: key.kid,
        }
    }
}

/// The public keys a verifier trusts, by kid. Several at once, so keys rotate without
/// breaking licenses already issued: remove a key only once no license it signed should
/// verify any more.
///
/// Serializes as the body of the marketplace's public key listing:
/// `{"keys": [{"kid", "alg", "public_key"}, ...]}`, ordered by kid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PublishedKeys", into = "PublishedKeys")]
pub struct Keyring {
    keys: BTreeMap<Kid, PublicKey>,
}

impl Keyring {
    /// An empty keyring: it refuses every token as [`UnknownKid`](crate::VerifyError::UnknownKid).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A keyring holding `keys`.
    ///
    /// # Errors
    /// [`KeyError::DuplicateKid`] when two different keys share a kid.
    pub fn from_keys(keys: impl IntoIterator<Item = PublicKey>) -> Result<Self, KeyError> {
        let mut ring = Self::new();
        for key in keys {
            ring.insert(key)?;
        }
        Ok(ring)
    }

    /// Adds a key; adding the very same key again changes nothing.
    ///
    /// # Errors
    /// [`KeyError::DuplicateKid`] when the kid already names a different key.
    pub fn insert(&mut self, key: PublicKey) -> Result<(), KeyError> {
        match self.keys.get(&key.kid) {
            Some(held) if *held != key => Err(KeyError::DuplicateKid(key.kid)),
            Some(_) => Ok(()),
            None => {
                self.keys.insert(key.kid.clone(), key);
                Ok(())
            }
        }
    }

    /// Retires a key: tokens it signed are refused from now on.
    pub fn remove(&mut self, kid: &str) -> Option<PublicKey> {
        self.keys.remove(kid)
    }

    /// The key with this kid, if trusted.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.get(kid)
    }

    /// The trusted keys, ordered by kid.
    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.values()
    }

    /// How many keys are trusted.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key is trusted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The published form of a [`Keyring`].
#[derive(Serialize, Deserialize)]
struct PublishedKeys {
    keys: Vec<PublicKey>,
}

impl TryFrom<PublishedKeys> for Keyring {
    type Error = KeyError;

    fn try_from(published: PublishedKeys) -> Result<Self, KeyError> {
        Self::from_keys(published.keys)
    }
}

impl From<Keyring> for PublishedKeys {
    fn from(ring: Keyring) -> Self {
        Self {
            keys: ring.keys.into_values().collect(),
        }
    }
}

/// Decodes base64url without padding into exactly `N` bytes.
fn decode_fixed<const N: usize>(encoded: &str) -> Result<[u8; N], KeyError> {
    let wrong = || KeyError::Encoding { expected: N };
    let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| wrong())?;
    bytes.try_into().map_err(|_| wrong())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kid(raw: &str) -> Kid {
        Kid::parse(raw).unwrap()
    }

    #[test]
    fn a_kid_is_1_to_64_safe_characters() {
        assert!(Kid::parse("k").is_ok());
        assert!(Kid::parse("2025-01_main").is_ok());
        assert!(Kid::parse(&"a".repeat(64)).is_ok());
        assert_eq!(Kid::parse(""), Err(KeyError::InvalidKid));
        assert_eq!(Kid::parse(&"a".repeat(65)), Err(KeyError::InvalidKid));
        for bad in ["a b", "a.b", "a/b", "é", "a\"", "k\n"] {
            assert_eq!(Kid::parse(bad), Err(KeyError::InvalidKid), "{bad:?}");
        }
    }

    #[test]
    fn a_kid_deserializes_only_through_its_check() {
        assert!(serde_json::from_str::<Kid>("\"main\"").is_ok());
        assert!(serde_json::from_str::<Kid>("\"has space\"").is_err());
    }

    #[test]
    fn a_public_key_round_trips_through_its_published_form() {
        let public = SigningKey::from_seed(kid("k1"), &[3; 32]).public_key();
        let json = serde_json::to_value(&public).unwrap();
        assert_eq!(json["kid"], "k1");
        assert_eq!(json["alg"], "EdDSA");
        assert_eq!(json["public_key"].as_str().unwrap().len(), 43);
        let back: PublicKey = serde_json::from_value(json).unwrap();
        assert_eq!(back, public);
    }

    #[test]
    fn a_published_key_with_another_algorithm_is_refused() {
        let public = SigningKey::from_seed(kid("k1"), &[3; 32]).public_key();
        let mut json = serde_json::to_value(&public).unwrap();
        json["alg"] = "RS256".into();
        assert!(serde_json::from_value::<PublicKey>(json).is_err());
    }

    #[test]
    fn small_order_and_off_curve_public_keys_are_refused() {
        // The identity point (y = 1) has order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PublicKey::from_bytes(kid("k"), &identity),
            Err(KeyError::WeakKey)
        );
        // y = 2 has no x on the curve.
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        assert_eq!(
            PublicKey::from_bytes(kid("k"), &off_curve),
            Err(KeyError::NotAPublicKey)
        );
    }

    #[test]
    fn key_material_must_be_base64url_of_the_right_length() {
        let expected = Err(KeyError::Encoding { expected: 32 });
        assert_eq!(PublicKey::from_base64url(kid("k"), "AAAA"), expected);
        assert_eq!(PublicKey::from_base64url(kid("k"), "not base64!"), expected);
        let seed = URL_SAFE_NO_PAD.encode([9u8; 32]);
        let from_text = SigningKey::from_base64url_seed(kid("k"), &seed).unwrap();
        let from_bytes = SigningKey::from_seed(kid("k"), &[9; 32]);
        assert_eq!(from_text.public_key(), from_bytes.public_key());
    }

    #[test]
    fn a_kid_names_one_key_for_good() {
        let first = SigningKey::from_seed(kid("k1"), &[1; 32]).public_key();
        let other = SigningKey::from_seed(kid("k1"), &[2; 32]).public_key();
        let mut ring = Keyring::new();
        ring.insert(first.clone()).unwrap();
        ring.insert(first).unwrap();
        assert_eq!(ring.insert(other), Err(KeyError::DuplicateKid(kid("k1"))));
        assert_eq!(ring.len(), 1);
    }

    #[test]
    fn a_keyring_serializes_as_the_published_key_list() {
        let ring = Keyring::from_keys([
            SigningKey::from_seed(kid("b"), &[2; 32]).public_key(),
            SigningKey::from_seed(kid("a"), &[1; 32]).public_key(),
        ])
        .unwrap();
        let json = serde_json::to_value(&ring).unwrap();
        let kids: Vec<&str> = json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, ["a", "b"]);
        assert_eq!(serde_json::from_value::<Keyring>(json).unwrap(), ring);
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let key = SigningKey::from_seed(kid("k1"), &[0xAB; 32]);
        assert_eq!(format!("{key:?}"), r#"SigningKey { kid: Kid("k1"), .. }"#);
    }
}
