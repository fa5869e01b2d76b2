//! The service's license signing keys (R-L2): one active key that signs new keys and
//! answers, and the public halves of older keys, still trusted so that licenses they
//! signed keep verifying after a rotation.

use std::fmt;

use marketplace_license::{KeyError, Keyring, Kid, PublicKey, SigningKey, Verifier};

/// Which configured key a [`SigningKeysError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySlot {
    /// The active signing key.
    Active,
    /// The older public key at this position of the list (from 0).
    Older(usize),
}

impl fmt::Display for KeySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Active => f.write_str("the active license signing key"),
            Self::Older(i) => write!(f, "older license public key #{i}"),
        }
    }
}

/// Why the signing keys' configuration is refused. Names the key, never its material.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningKeysError {
    /// Not `kid:base64url`.
    #[error("{0}: expected `kid:base64url`")]
    Shape(KeySlot),
    /// The kid or the key material is refused.
    #[error("{slot}: {source}")]
    Key {
        slot: KeySlot,
        #[source]
        source: KeyError,
    },
}

/// The active signing key and the keyring of every public key still trusted (the active
/// one's included). Built once at start; share it behind an `Arc`.
pub struct SigningKeys {
    active: SigningKey,
    keyring: Keyring,
}

impl SigningKeys {
    /// Signs with `active`; trusts it and `older`.
    ///
    /// # Errors
    /// [`SigningKeysError::Key`] when an older key reuses a kid for another key.
    pub fn new(
        active: SigningKey,
        older: impl IntoIterator<Item = PublicKey>,
    ) -> Result<Self, SigningKeysError> {
        let mut keyring = Keyring::new();
        keyring
            .insert(active.public_key())
            .map_err(|source| SigningKeysError::Key {
                slot: KeySlot::Active,
                source,
            })?;
        for (i, key) in older.into_iter().enumerate() {
            keyring
                .insert(key)
                .map_err(|source| SigningKeysError::Key {
                    slot: KeySlot::Older(i),
                    source,
                })?;
        }
        Ok(Self { active, keyring })
    }

    /// From configuration: `active` is `kid:<base64url 32-byte seed>`, each of `older` is
    /// `kid:<base64url 32-byte public key>`.
    ///
    /// # Errors
    /// [`SigningKeysError`] naming the first key refused and why.
    pub fn from_config(active: &str, older: &[&str]) -> Result<Self, SigningKeysError> {
        let (kid, seed) = split(KeySlot::Active, active)?;
        let active =
            SigningKey::from_base64url_seed(kid, seed).map_err(|source| SigningKeysError::Key {
                slot: KeySlot::Active,
                source,
            })?;
        let older = older
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let slot = KeySlot::Older(i);
                let (kid, public) = split(slot, entry)?;
                PublicKey::from_base64url(kid, public)
                    .map_err(|source| SigningKeysError::Key { slot, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(active, older)
    }

    /// The key that signs new license keys and validation answers.
    #[must_use]
    pub fn active(&self) -> &SigningKey {
        &self.active
    }

    /// Every trusted public key: what `GET /v1/licenses/keys` serves.
    #[must_use]
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// A verifier trusting [`Self::keyring`].
    #[must_use]
    pub fn verifier(&self) -> Verifier {
        Verifier::new(self.keyring.clone())
    }
}

impl fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKeys")
            .field("active", self.active.kid())
            .field("trusted", &self.keyring.len())
            .finish()
    }
}

fn split(slot: KeySlot, entry: &str) -> Result<(Kid, &str), SigningKeysError> {
    let (kid, material) = entry.split_once(':').ok_or(SigningKeysError::Shape(slot))?;
    let kid = Kid::parse(kid).map_err(|source| SigningKeysError::Key { slot, source })?;
    Ok((kid, material))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 32 bytes in base64url without padding, as configuration holds them.
    fn b64(bytes: &[u8; 32]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn r_l2_signing_keys_come_from_configuration_with_older_public_keys() {
        let old = SigningKey::from_seed(Kid::parse("2024-01").unwrap(), &[1; 32]).public_key();
        let keys = SigningKeys::from_config(
            &format!("2025-01:{}", b64(&[2; 32])),
            &[&format!("2024-01:{}", old.to_base64url())],
        )
        .unwrap();
        assert_eq!(keys.active().kid().as_str(), "2025-01");
        let expected = SigningKey::from_seed(Kid::parse("2025-01").unwrap(), &[2; 32]);
        assert_eq!(keys.active().public_key(), expected.public_key());
        let kids: Vec<&str> = keys.keyring().iter().map(|k| k.kid().as_str()).collect();
        assert_eq!(kids, ["2024-01", "2025-01"]);
        assert_eq!(keys.verifier().keyring(), keys.keyring());
        assert!(!format!("{keys:?}").contains(&b64(&[2; 32])));
    }

    #[test]
    fn r_l2_bad_signing_key_configuration_names_the_key() {
        let seed = b64(&[2; 32]);
        assert_eq!(
            SigningKeys::from_config(&seed, &[]).unwrap_err(),
            SigningKeysError::Shape(KeySlot::Active)
        );
        assert!(matches!(
            SigningKeys::from_config("bad kid:AAAA", &[]),
            Err(SigningKeysError::Key {
                slot: KeySlot::Active,
                source: KeyError::InvalidKid
            })
        ));
        assert!(matches!(
            SigningKeys::from_config("k:AAAA", &[]),
            Err(SigningKeysError::Key {
                slot: KeySlot::Active,
                source: KeyError::Encoding { .. }
            })
        ));
        let active = format!("k:{seed}");
        assert_eq!(
            SigningKeys::from_config(&active, &["no-colon"]).unwrap_err(),
            SigningKeysError::Shape(KeySlot::Older(0))
        );
        let other = SigningKey::from_seed(Kid::parse("k").unwrap(), &[3; 32]).public_key();
        assert!(
            matches!(
                SigningKeys::from_config(&active, &[&format!("k:{}", other.to_base64url())]),
                Err(SigningKeysError::Key {
                    slot: KeySlot::Older(0),
                    source: KeyError::DuplicateKid(_)
                })
            ),
            "a kid names one key"
        );
    }
}
