//! What the service keeps of a key (R-A2): an HMAC-SHA256 of it under a server secret, in
//! hex. A stolen table of digests is useless without the secret, and a lookup by digest
//! needs no comparison in application code.
//!
//! Rotating the secret: the new secret becomes current and the old one is kept as a
//! previous secret. A key not found under the current digest is looked up under each
//! previous one, and when found there its stored digest is replaced by the current one.
//! Once the keys in use have moved over, the previous secret is dropped; a key never
//! presented meanwhile becomes unknown and must be created anew.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::token::ApiKeyToken;

/// A server secret shorter than [`KeyDigester::MIN_SECRET_LEN`] bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the API key digest secret must be at least {min} bytes, got {len}",
    min = KeyDigester::MIN_SECRET_LEN
)]
pub struct WeakDigestSecret {
    /// The length given, in bytes.
    pub len: usize,
}

/// An API key's digest: 64 lower-case hex characters of HMAC-SHA256. What the store keeps
/// and looks keys up by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyDigest(String);

impl KeyDigest {
    /// The digest as stored.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Digests keys under the current server secret, and under previous ones while a rotation
/// is under way. Holds the secrets already keyed; `Debug` shows none of them.
#[derive(Clone)]
pub struct KeyDigester {
    current: Hmac<Sha256>,
    previous: Vec<Hmac<Sha256>>,
}

impl KeyDigester {
    /// Shortest secret accepted: as long as the digest itself.
    pub const MIN_SECRET_LEN: usize = 32;

    /// Digests under `secret`.
    ///
    /// # Errors
    /// [`WeakDigestSecret`] for a secret shorter than [`Self::MIN_SECRET_LEN`].
    pub fn new(secret: &[u8]) -> Result<Self, WeakDigestSecret> {
        Ok(Self {
            current: keyed(secret)?,
            previous: Vec::new(),
        })
    }

    /// Also recognizes keys digested under an earlier `secret`, newest first.
    ///
    /// # Errors
    /// [`WeakDigestSecret`] for a secret shorter than [`Self::MIN_SECRET_LEN`].
    pub fn with_previous(mut self, secret: &[u8]) -> Result<Self, WeakDigestSecret> {
        self.previous.push(keyed(secret)?);
        Ok(self)
    }

    /// The digest to store and to look up first.
    #[must_use]
    pub fn digest(&self, key: &ApiKeyToken) -> KeyDigest {
        hex_mac(&self.current, key.expose_secret().as_bytes())
    }

    /// The digests under previous secrets, to look up when the current one finds nothing.
    pub fn previous_digests<'a>(
        &'a self,
        key: &'a ApiKeyToken,
    ) -> impl Iterator<Item = KeyDigest> + 'a {
        self.previous
            .iter()
            .map(|mac| hex_mac(mac, key.expose_secret().as_bytes()))
    }
}

impl fmt::Debug for KeyDigester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyDigester")
            .field("previous_secrets", &self.previous.len())
            .finish_non_exhaustive()
    }
}

fn keyed(secret: &[u8]) -> Result<Hmac<Sha256>, WeakDigestSecret> {
    let weak = WeakDigestSecret { len: secret.len() };
    if secret.len() < KeyDigester::MIN_SECRET_LEN {
        return Err(weak);
    }
    Hmac::<Sha256>::new_from_slice(secret).map_err(|_| weak)
}

fn hex_mac(keyed: &Hmac<Sha256>, message: &[u8]) -> KeyDigest {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut mac = keyed.clone();
    mac.update(message);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes.iter() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0F)]));
    }
    KeyDigest(hex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_key::ports::MockRandomSource;
    use crate::api_key::token::KeyEnvironment;

    fn key() -> ApiKeyToken {
        let mut random = MockRandomSource::new();
        random.expect_fill().returning(|buf| buf.fill(42));
        ApiKeyToken::generate(KeyEnvironment::Live, &random)
    }

    #[test]
    fn r_a2_the_digest_is_hmac_sha256_in_hex() {
        // RFC 4231, test case 6: a 131-byte key.
        let secret = [0xAA; 131];
        let digester = KeyDigester::new(&secret).unwrap();
        let digest = hex_mac(
            &digester.current,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            digest.as_str(),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn r_a2_the_digest_depends_on_the_secret_and_never_shows_the_key() {
        let key = key();
        let one = KeyDigester::new(&[1; 32]).unwrap();
        let other = KeyDigester::new(&[2; 32]).unwrap();
        assert_eq!(one.digest(&key), one.digest(&key));
        assert_ne!(one.digest(&key), other.digest(&key));
        let digest = one.digest(&key);
        assert_eq!(digest.as_str().len(), 64);
        assert!(!digest.as_str().contains(&key.expose_secret()[8..40]));
        assert_eq!(
            format!("{one:?}"),
            "KeyDigester { previous_secrets: 0, .. }"
        );
    }

    #[test]
    fn r_a2_a_short_secret_is_refused() {
        assert_eq!(
            KeyDigester::new(&[0; 31]).unwrap_err(),
            WeakDigestSecret { len: 31 }
        );
        assert!(KeyDigester::new(&[0; 32]).is_ok());
        assert!(
            KeyDigester::new(&[0; 32])
                .unwrap()
                .with_previous(b"short")
                .is_err()
        );
    }

    #[test]
    fn r_a2_a_rotation_keeps_the_previous_digests_in_order() {
        let key = key();
        let old = KeyDigester::new(&[1; 32]).unwrap();
        let older = KeyDigester::new(&[0; 32]).unwrap();
        let rotated = KeyDigester::new(&[2; 32])
            .unwrap()
            .with_previous(&[1; 32])
            .unwrap()
            .with_previous(&[0; 32])
            .unwrap();
        let previous: Vec<KeyDigest> = rotated.previous_digests(&key).collect();
        assert_eq!(previous, [old.digest(&key), older.digest(&key)]);
        assert_eq!(
            KeyDigester::new(&[2; 32])
                .unwrap()
                .previous_digests(&key)
                .count(),
            0
        );
    }
}
