//! Activations (R-L5): the machines a license runs on, named by the fingerprint the
//! product computes, at most the license's limit at once.

use chrono::{DateTime, Utc};
use marketplace_kernel::field::FieldError;

use crate::ids::LicenseId;

/// A machine's fingerprint as the product sends it: 1 to 256 characters, no control
/// characters. Opaque to the marketplace, which only compares it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Longest fingerprint, in characters.
    pub const MAX_CHARS: usize = 256;

    /// # Errors
    /// [`FieldError`] on `fingerprint` when empty, longer than 256 characters, or with a
    /// control character.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text("fingerprint", raw, Self::MAX_CHARS).map(Self)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A name for the machine, to tell activations apart in a list: 1 to 100 characters once
/// trimmed, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MachineName(String);

impl MachineName {
    /// Longest name, in characters.
    pub const MAX_CHARS: usize = 100;

    /// # Errors
    /// [`FieldError`] on `name` when blank, longer than 100 characters, or with a control
    /// character.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text("name", raw.trim(), Self::MAX_CHARS).map(Self)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn bounded_text(field: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    if raw.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if raw.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(raw.to_owned())
}

/// A machine to activate on a license.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewActivation {
    pub license_id: LicenseId,
    pub fingerprint: Fingerprint,
    pub name: Option<MachineName>,
    pub activated_at: DateTime<Utc>,
}

/// What the store did with an activation, decided atomically (R-L5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivationOutcome {
    /// A new activation took a free slot.
    Activated,
    /// The machine was already activated: nothing changed (even at the limit).
    AlreadyActive,
    /// Every slot is taken by other machines: nothing changed.
    TooMany,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_l5_a_fingerprint_is_1_to_256_characters() {
        assert!(Fingerprint::parse("a").is_ok());
        assert!(
            Fingerprint::parse(&"ß".repeat(256)).is_ok(),
            "characters, not bytes"
        );
        for bad in ["", "line\nbreak", &"f".repeat(257)] {
            assert_eq!(
                Fingerprint::parse(bad).unwrap_err().field,
                "fingerprint",
                "{bad:?}"
            );
        }
        assert_eq!(
            Fingerprint::parse(" padded ").unwrap().as_str(),
            " padded ",
            "a fingerprint is compared as sent"
        );
    }

    #[test]
    fn r_l5_a_machine_name_is_1_to_100_characters_trimmed() {
        assert_eq!(
            MachineName::parse(" build-01 ").unwrap().as_str(),
            "build-01"
        );
        for bad in ["", "   ", &"n".repeat(101)] {
            assert_eq!(
                MachineName::parse(bad).unwrap_err().field,
                "name",
                "{bad:?}"
            );
        }
    }
}
