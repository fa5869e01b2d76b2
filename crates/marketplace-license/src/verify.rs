//! Offline verification (R-L3): a key's shape, its signature under a trusted key, and its
//! term against the clock the caller reads.

use crate::answer::{self, ANSWER_PREFIX, Nonce, ValidationAnswer};
use crate::claims::Claims;
use crate::error::VerifyError;
use crate::keys::{Keyring, Kid};
use crate::license_key::{self, LICENSE_KEY_PREFIX};
use crate::token::{self, Opened};

/// How far a machine's clock may be off before a license is refused, either way.
///
/// A license is accepted from `iat - leeway` (earlier reads as a backdated clock) until
/// just before `exp + leeway`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Leeway(u32);

impl Leeway {
    /// Five minutes: wider than the drift of a clock kept by NTP, and a negligible
    /// extension of a paid term.
    pub const DEFAULT: Self = Self(300);

    /// A leeway of `seconds`.
    #[must_use]
    pub const fn from_secs(seconds: u32) -> Self {
        Self(seconds)
    }

    /// The leeway in seconds.
    #[must_use]
    pub const fn as_secs(self) -> u32 {
        self.0
    }
}

impl Default for Leeway {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A license key that verified: its claims and the kid that signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedLicense {
    claims: Claims,
    kid: Kid,
}

impl VerifiedLicense {
    /// What the license says.
    #[must_use]
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The key that signed it.
    #[must_use]
    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    /// The claims, owned.
    #[must_use]
    pub fn into_claims(self) -> Claims {
        self.claims
    }
}

/// Verifies license keys and signed answers against a keyring. Holds no clock: every
/// time-dependent call takes `now` in Unix seconds from the caller.
#[derive(Clone, Debug)]
pub struct Verifier {
    keyring: Keyring,
    leeway: Leeway,
}

impl Verifier {
    /// A verifier trusting `keyring`, with [`Leeway::DEFAULT`].
    #[must_use]
    pub fn new(keyring: Keyring) -> Self {
        Self {
            keyring,
            leeway: Leeway::DEFAULT,
        }
    }

    /// The same verifier with another leeway.
    #[must_use]
    pub fn with_leeway(self, leeway: Leeway) -> Self {
        Self { leeway, ..self }
    }

    /// The keys trusted.
    #[must_use]
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The leeway applied to both ends of a license's term.
    #[must_use]
    pub fn leeway(&self) -> Leeway {
        self.leeway
    }

    /// Verifies a license key offline at `now` (Unix seconds, from the caller's clock).
    ///
    /// # Errors
    /// In the order checked: [`VerifyError::TooLong`], [`VerifyError::Malformed`],
    /// [`VerifyError::UnsupportedVersion`], [`VerifyError::UnknownKid`],
    /// [`VerifyError::BadSignature`], then [`VerifyError::Backdated`] or
    /// [`VerifyError::Expired`].
    pub fn verify(&self, key: &str, now: u64) -> Result<VerifiedLicense, VerifyError> {
        let license = self.authenticate(key)?;
        check_term(&license.claims, now, self.leeway)?;
        Ok(license)
    }

    /// Verifies that a license key is genuine (shape, known kid, signature) without judging
    /// its term. For the marketplace itself, whose records (renewals move the expiry) rather
    /// than the key decide whether a genuine license is current.
    ///
    /// # Errors
    /// As [`Verifier::verify`], except `Backdated` and `Expired`.
    pub fn authenticate(&self, key: &str) -> Result<VerifiedLicense, VerifyError> {
        let opened = token::open(LICENSE_KEY_PREFIX, key)?;
        let (claims, kid) = license_key::decode(&opened.payload)?;
        self.check_signature(&kid, &opened)?;
        Ok(VerifiedLicense { claims, kid })
    }

    /// Verifies a signed answer offline, and that it echoes `sent`, the nonce this client
    /// put in its request: an answer to anyone else's request, or an old one, is refused.
    ///
    /// # Errors
    /// As [`Verifier::authenticate`], then [`VerifyError::NonceMismatch`].
    pub fn verify_answer(
        &self,
        answer: &str,
        sent: &Nonce,
    ) -> Result<ValidationAnswer, VerifyError> {
        let opened = token::open(ANSWER_PREFIX, answer)?;
        let (answer, kid) = answer::decode(&opened.payload)?;
        self.check_signature(&kid, &opened)?;
        if answer.nonce() != Some(sent) {
            return Err(VerifyError::NonceMismatch);
        }
        Ok(answer)
    }

    fn check_signature(&self, kid: &Kid, opened: &Opened) -> Result<(), VerifyError> {
        let key = self
            .keyring
            .get(kid.as_str())
            .ok_or_else(|| VerifyError::UnknownKid(kid.clone()))?;
        if key.verifies(&opened.payload, &opened.signature) {
            Ok(())
        } else {
            Err(VerifyError::BadSignature)
        }
    }
}

/// The clock floor and the expiry, each widened by the leeway.
fn check_term(claims: &Claims, now: u64, leeway: Leeway) -> Result<(), VerifyError> {
    let leeway = u64::from(leeway.as_secs());
    let iat = claims.issued_at();
    if now < iat.saturating_sub(leeway) {
        return Err(VerifyError::Backdated { iat });
    }
    match claims.expires_at() {
        Some(exp) if now >= exp.saturating_add(leeway) => Err(VerifyError::Expired { exp }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_verifier_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Verifier>();
    }

    #[test]
    fn the_default_leeway_is_five_minutes() {
        assert_eq!(Leeway::default(), Leeway::DEFAULT);
        assert_eq!(Leeway::DEFAULT.as_secs(), 300);
    }
}
