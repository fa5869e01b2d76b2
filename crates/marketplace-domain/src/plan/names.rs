//! The texts a plan is known by: its code (what carts, APIs and admins name it by), its
//! display name and the payment provider's price id.

use std::fmt;

use super::PlanError;

/// A plan's code, unique within its item (`STANDARD`, `PRO`, `ENTERPRISE`): 1 to 32
/// upper-case letters, digits or underscores. Codes travel in URLs and request bodies, so
/// the grammar is narrow and never needs escaping.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanCode(String);

impl PlanCode {
    /// Longest code accepted.
    pub const MAX_LEN: usize = 32;

    /// # Errors
    /// [`PlanError::InvalidCode`] unless the code is 1..=32 of `A-Z`, `0-9`, `_`.
    pub fn parse(code: &str) -> Result<Self, PlanError> {
        let valid = (1..=Self::MAX_LEN).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if valid {
            Ok(Self(code.to_owned()))
        } else {
            Err(PlanError::InvalidCode {
                code: code.to_owned(),
            })
        }
    }

    /// The plan a FREE item of the first wave became.
    #[must_use]
    pub fn free() -> Self {
        Self("FREE".to_owned())
    }

    /// The one plan a priced item of the first wave became.
    #[must_use]
    pub fn standard() -> Self {
        Self("STANDARD".to_owned())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlanCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A plan's display name: 1 to 60 characters after trimming.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlanName(String);

impl PlanName {
    /// Longest name accepted, in characters.
    pub const MAX_CHARS: usize = 60;

    /// # Errors
    /// [`PlanError::InvalidName`] when the trimmed name is empty or longer than 60
    /// characters.
    pub fn parse(name: &str) -> Result<Self, PlanError> {
        let name = name.trim();
        if (1..=Self::MAX_CHARS).contains(&name.chars().count()) {
            Ok(Self(name.to_owned()))
        } else {
            Err(PlanError::InvalidName)
        }
    }

    /// A name known to be valid (the migration's fixed names).
    pub(super) fn fixed(name: &'static str) -> Self {
        Self(name.to_owned())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlanName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The payment provider's id for the price a card subscription to the plan renews at
/// (Stripe's `price_...`): 1 to 255 printable ASCII characters without spaces. The
/// provider's id is opaque to us; only its shape is checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProviderPriceId(String);

impl ProviderPriceId {
    /// Longest id accepted.
    pub const MAX_LEN: usize = 255;

    /// # Errors
    /// [`PlanError::InvalidProviderPrice`] when the id is empty, too long, or holds a
    /// space or a non-printable character.
    pub fn parse(id: &str) -> Result<Self, PlanError> {
        let valid =
            (1..=Self::MAX_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic());
        if valid {
            Ok(Self(id.to_owned()))
        } else {
            Err(PlanError::InvalidProviderPrice)
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderPriceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_b1_plan_codes_are_upper_snake_up_to_32() {
        for good in [
            "STANDARD",
            "PRO",
            "ENTERPRISE",
            "TIER_2",
            "X",
            &"A".repeat(32),
        ] {
            assert_eq!(PlanCode::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "pro", "Pro", "PRO-1", "PRO 1", "É", &"A".repeat(33)] {
            assert_eq!(
                PlanCode::parse(bad),
                Err(PlanError::InvalidCode {
                    code: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn plan_names_are_trimmed_and_bounded() {
        assert_eq!(PlanName::parse("  Pro  ").unwrap().as_str(), "Pro");
        assert!(PlanName::parse(&"é".repeat(60)).is_ok());
        assert_eq!(PlanName::parse("   "), Err(PlanError::InvalidName));
        assert_eq!(
            PlanName::parse(&"x".repeat(61)),
            Err(PlanError::InvalidName)
        );
    }

    #[test]
    fn provider_price_ids_are_opaque_but_shaped() {
        assert!(ProviderPriceId::parse("price_1NqX2bLkdIwHu7ix").is_ok());
        for bad in ["", "price 1", "price\n", &"p".repeat(256)] {
            assert_eq!(
                ProviderPriceId::parse(bad),
                Err(PlanError::InvalidProviderPrice)
            );
        }
    }
}
