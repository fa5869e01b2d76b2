//! What a caller sends to validate, activate or deactivate, bounded before any work: a
//! key string of at most 4 KiB, a fingerprint of at most 256 characters, a nonce the
//! signed answer can echo. The HTTP layer checks the same bounds; these types hold them
//! for every other caller too.

use marketplace_kernel::field::FieldError;
use marketplace_license::{MAX_TOKEN_LEN, Nonce};

use super::activation::{Fingerprint, MachineName};

/// The request breaks a bound: 400, with one entry per bad field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid license request")]
pub struct InvalidLicenseRequest(pub Vec<FieldError>);

/// A license key as presented: any string of at most [`PresentedKey::MAX_LEN`] bytes.
/// Whether it is a key at all is validation's to answer (`NOT_FOUND`), not a request error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentedKey(String);

impl PresentedKey {
    /// Longest key accepted, in bytes: the longest key the license format allows.
    pub const MAX_LEN: usize = MAX_TOKEN_LEN;

    /// # Errors
    /// [`FieldError`] on `key` beyond 4 KiB.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.len() > Self::MAX_LEN {
            return Err(FieldError::new("key", "must be at most 4096 bytes"));
        }
        Ok(Self(raw.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `POST /v1/licenses/validate` (R-L4).
///
/// A nonce must be one the signed answer can carry: 16 to 128 characters of
/// `A-Z a-z 0-9 - . _ ~`. A shorter one is refused as a malformed request rather than
/// answered without it: a client that sends a nonce means to check the answer against it,
/// and a short nonce could be guessed and an old answer replayed for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidateLicense {
    key: PresentedKey,
    fingerprint: Option<Fingerprint>,
    nonce: Option<Nonce>,
}

impl ValidateLicense {
    /// # Errors
    /// [`InvalidLicenseRequest`] listing every field out of bounds.
    pub fn parse(
        key: &str,
        fingerprint: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<Self, InvalidLicenseRequest> {
        let mut faults = Vec::new();
        let key = PresentedKey::parse(key).map_err(|e| faults.push(e)).ok();
        let fingerprint = fingerprint
            .map(Fingerprint::parse)
            .transpose()
            .map_err(|e| faults.push(e))
            .ok();
        let nonce = nonce
            .map(|raw| {
                Nonce::parse(raw).map_err(|_| {
                    FieldError::new(
                        "nonce",
                        "must be 16 to 128 characters of A-Z, a-z, 0-9, `-`, `.`, `_` or `~`",
                    )
                })
            })
            .transpose()
            .map_err(|e| faults.push(e))
            .ok();
        match (key, fingerprint, nonce) {
            (Some(key), Some(fingerprint), Some(nonce)) => Ok(Self {
                key,
                fingerprint,
                nonce,
            }),
            _ => Err(InvalidLicenseRequest(faults)),
        }
    }

    #[must_use]
    pub fn key(&self) -> &PresentedKey {
        &self.key
    }

    /// The machine to check, if the caller named one.
    #[must_use]
    pub fn fingerprint(&self) -> Option<&Fingerprint> {
        self.fingerprint.as_ref()
    }

    /// The caller's nonce, echoed in the signed answer.
    #[must_use]
    pub fn nonce(&self) -> Option<&Nonce> {
        self.nonce.as_ref()
    }
}

/// `POST /v1/licenses/activate` (R-L5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivateLicense {
    pub key: PresentedKey,
    pub fingerprint: Fingerprint,
    pub name: Option<MachineName>,
}

impl ActivateLicense {
    /// # Errors
    /// [`InvalidLicenseRequest`] listing every field out of bounds.
    pub fn parse(
        key: &str,
        fingerprint: &str,
        name: Option<&str>,
    ) -> Result<Self, InvalidLicenseRequest> {
        let mut faults = Vec::new();
        let key = PresentedKey::parse(key).map_err(|e| faults.push(e)).ok();
        let fingerprint = Fingerprint::parse(fingerprint)
            .map_err(|e| faults.push(e))
            .ok();
        let name = name
            .map(MachineName::parse)
            .transpose()
            .map_err(|e| faults.push(e))
            .ok();
        match (key, fingerprint, name) {
            (Some(key), Some(fingerprint), Some(name)) => Ok(Self {
                key,
                fingerprint,
                name,
            }),
            _ => Err(InvalidLicenseRequest(faults)),
        }
    }
}

/// `POST /v1/licenses/deactivate` (R-L5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeactivateLicense {
    pub key: PresentedKey,
    pub fingerprint: Fingerprint,
}

impl DeactivateLicense {
    /// # Errors
    /// [`InvalidLicenseRequest`] listing every field out of bounds.
    pub fn parse(key: &str, fingerprint: &str) -> Result<Self, InvalidLicenseRequest> {
        match (PresentedKey::parse(key), Fingerprint::parse(fingerprint)) {
            (Ok(key), Ok(fingerprint)) => Ok(Self { key, fingerprint }),
            (key, fingerprint) => Err(InvalidLicenseRequest(
                [key.err(), fingerprint.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(err: InvalidLicenseRequest) -> Vec<&'static str> {
        err.0.iter().map(|f| f.field).collect()
    }

    #[test]
    fn r_l4_any_key_string_within_4_kib_is_a_well_formed_request() {
        for key in ["", "not a key", "ML1.x.y", &"k".repeat(4096)] {
            assert!(ValidateLicense::parse(key, None, None).is_ok(), "{key:?}");
        }
        let long = "k".repeat(4097);
        assert_eq!(
            fields(ValidateLicense::parse(&long, None, None).unwrap_err()),
            ["key"]
        );
        assert_eq!(
            fields(ActivateLicense::parse(&long, "fp", None).unwrap_err()),
            ["key"]
        );
        assert_eq!(
            fields(DeactivateLicense::parse(&long, "fp").unwrap_err()),
            ["key"]
        );
    }

    #[test]
    fn r_l4_a_fingerprint_beyond_256_characters_is_refused() {
        let long = "f".repeat(257);
        assert_eq!(
            fields(ValidateLicense::parse("k", Some(&long), None).unwrap_err()),
            ["fingerprint"]
        );
        assert_eq!(
            fields(ValidateLicense::parse("k", Some(""), None).unwrap_err()),
            ["fingerprint"]
        );
        let ok = ValidateLicense::parse("k", Some(&"f".repeat(256)), None).unwrap();
        assert_eq!(ok.fingerprint().unwrap().as_str().len(), 256);
    }

    #[test]
    fn r_l4_a_nonce_must_be_16_to_128_unreserved_characters() {
        let ok = ValidateLicense::parse("k", None, Some("0123456789abcdef")).unwrap();
        assert_eq!(ok.nonce().unwrap().as_str(), "0123456789abcdef");
        assert!(ValidateLicense::parse("k", None, Some(&"n".repeat(128))).is_ok());
        for bad in ["", "short", &"n".repeat(129), "0123456789abcdef!"] {
            assert_eq!(
                fields(ValidateLicense::parse("k", None, Some(bad)).unwrap_err()),
                ["nonce"],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn r_l4_every_bad_field_is_reported_at_once() {
        let err = ValidateLicense::parse(&"k".repeat(5000), Some(""), Some("x")).unwrap_err();
        assert_eq!(fields(err), ["key", "fingerprint", "nonce"]);
        let err = ActivateLicense::parse("k", "", Some(" ")).unwrap_err();
        assert_eq!(fields(err), ["fingerprint", "name"]);
    }
}
