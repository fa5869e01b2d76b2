//! License keys this service has already verified. Checking a key's Ed25519 signature is
//! the largest cost of an online validation (R-L4), and the same keys come back again and
//! again from the machines that run them; whether a key string verifies depends on nothing
//! but its bytes and the trusted public keys, which a service holds unchanged for its life.
//! So a key that verified once is not verified again: its claims are kept.
//!
//! Only keys that verified are kept (a guesser's strings cost a verification each, never
//! memory), at most [`AuthenticKeys::CAPACITY`] of them; a full memo starts over empty.
//! What a key's record says (revoked, suspended, expired) is read and decided on every
//! request: only the signature check is skipped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use marketplace_license::{VerifiedLicense, Verifier, VerifyError};

/// The verifier and what it has verified, shared by the clones of the service.
#[derive(Clone)]
pub(crate) struct AuthenticKeys {
    verifier: Verifier,
    known: Arc<Mutex<HashMap<String, VerifiedLicense>>>,
}

impl AuthenticKeys {
    const CAPACITY: usize = 10_000;

    pub(crate) fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            known: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// [`Verifier::authenticate`], answered from memory for a key that verified before.
    pub(crate) fn authenticate(&self, key: &str) -> Result<VerifiedLicense, VerifyError> {
        if let Some(known) = self.lock().get(key) {
            return Ok(known.clone());
        }
        let verified = self.verifier.authenticate(key)?;
        let mut known = self.lock();
        if known.len() >= Self::CAPACITY {
            known.clear();
        }
        known.insert(key.to_owned(), verified.clone());
        Ok(verified)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VerifiedLicense>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::AuthenticKeys;
    use crate::license::fixtures::{active, key_of, signing_keys};

    #[test]
    fn r_l3_a_key_verified_before_is_answered_alike_and_a_changed_one_still_fails() {
        let keys = AuthenticKeys::new(signing_keys().verifier());
        let key = key_of(&active());
        let first = keys.authenticate(&key).unwrap();
        assert_eq!(keys.lock().len(), 1, "the genuine key is kept");
        assert_eq!(
            keys.authenticate(&key).unwrap(),
            first,
            "and answered alike"
        );

        let mut changed = key.clone().into_bytes();
        let last = changed.len() - 1;
        changed[last] = if changed[last] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        assert!(
            keys.authenticate(&changed).is_err(),
            "one changed byte fails"
        );
        assert!(keys.authenticate(&changed).is_err(), "every time");
        assert_eq!(keys.lock().len(), 1, "a refused string is never kept");
    }

    #[test]
    fn a_full_memo_starts_over_instead_of_growing() {
        let keys = AuthenticKeys::new(signing_keys().verifier());
        let key = key_of(&active());
        let verified = keys.authenticate(&key).unwrap();
        {
            let mut known = keys.lock();
            for n in 0..AuthenticKeys::CAPACITY {
                known.insert(format!("filler-{n}"), verified.clone());
            }
        }
        let other = key_of(&crate::license::fixtures::license(
            crate::license::record::LicenseStatus::Suspended,
            None,
        ));
        keys.authenticate(&other).unwrap();
        assert_eq!(
            keys.lock().len(),
            1,
            "the full memo started over with the new key"
        );
    }
}
