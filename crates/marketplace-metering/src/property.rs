//! Event properties (R-U2): a small, flat map of named scalars an event may carry, such as
//! the `user_id` a `unique_count` meter counts.
//!
//! Limits keep one event small enough to store and index cheaply: at most
//! [`Properties::MAX_ENTRIES`] entries, names with the meter-key grammar (at most
//! [`PropertyKey::MAX_LEN`] bytes), values that are text (at most
//! [`PropertyValue::MAX_TEXT_CHARS`] characters, no control characters), numbers or
//! booleans. Nested objects, arrays and `null` are not values: omit the entry instead.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::name::is_snake_name;

/// Why an event's properties were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertyError {
    #[error("at most {max} properties are allowed, got {count}", max = Properties::MAX_ENTRIES)]
    TooMany { count: usize },
    #[error(
        "property name must be 1 to {max} lower-case letters, digits or underscores, \
         starting with a letter; got {key:?}",
        max = PropertyKey::MAX_LEN
    )]
    InvalidKey { key: String },
    #[error(
        "property {key:?} must be at most {max} characters without control characters",
        max = PropertyValue::MAX_TEXT_CHARS
    )]
    InvalidText { key: String },
}

/// A property's name, such as `user_id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PropertyKey(String);

impl PropertyKey {
    /// Longest name accepted, in bytes (all ASCII).
    pub const MAX_LEN: usize = 64;

    /// Parses a property name.
    ///
    /// # Errors
    /// [`PropertyError::InvalidKey`] unless the name follows the meter-key grammar.
    pub fn parse(key: &str) -> Result<Self, PropertyError> {
        if is_snake_name(key, Self::MAX_LEN) {
            Ok(Self(key.to_owned()))
        } else {
            Err(PropertyError::InvalidKey {
                key: key.to_owned(),
            })
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PropertyKey {
    type Error = PropertyError;
    fn try_from(key: String) -> Result<Self, Self::Error> {
        Self::parse(&key)
    }
}

impl From<PropertyKey> for String {
    fn from(key: PropertyKey) -> Self {
        key.0
    }
}

impl fmt::Display for PropertyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One property value. In JSON: a boolean, a string or a number (numbers are written back
/// as decimal strings, so none loses precision).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PropertyValue {
    // Order matters when reading: a JSON string must stay text even if it looks numeric.
    Bool(bool),
    Text(String),
    Number(Decimal),
}

impl PropertyValue {
    /// Longest text value accepted, in characters.
    pub const MAX_TEXT_CHARS: usize = 256;

    fn is_valid(&self) -> bool {
        match self {
            Self::Text(text) => {
                text.chars().count() <= Self::MAX_TEXT_CHARS && !text.chars().any(char::is_control)
            }
            Self::Bool(_) | Self::Number(_) => true,
        }
    }
}

/// An event's properties, checked against the limits above.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Properties(BTreeMap<PropertyKey, PropertyValue>);

impl Properties {
    /// Most entries an event may carry.
    pub const MAX_ENTRIES: usize = 16;

    /// Checks raw properties as an event brought them.
    ///
    /// # Errors
    /// The first [`PropertyError`] met: too many entries, a bad name or a bad text value.
    pub fn parse(raw: &BTreeMap<String, PropertyValue>) -> Result<Self, PropertyError> {
        if raw.len() > Self::MAX_ENTRIES {
            return Err(PropertyError::TooMany { count: raw.len() });
        }
        let mut checked = BTreeMap::new();
        for (key, value) in raw {
            let key = PropertyKey::parse(key)?;
            if !value.is_valid() {
                return Err(PropertyError::InvalidText { key: key.0 });
            }
            checked.insert(key, value.clone());
        }
        Ok(Self(checked))
    }

    /// The value of one property, if the event carries it.
    #[must_use]
    pub fn get(&self, key: &PropertyKey) -> Option<&PropertyValue> {
        self.0.get(key)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&PropertyKey, &PropertyValue)> {
        self.0.iter()
    }
}

/// What a `unique_count` meter counts distinct occurrences of: the canonical text of a
/// property value or of the event's value.
///
/// The canonical form makes equal things equal: numbers lose trailing zeros (`1.50` and
/// `1.5` are one key), and a number and the string of its digits (`12` and `"12"`) are one
/// key, since hosts send identifiers either way.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DistinctKey(String);

impl DistinctKey {
    /// The key of a property value.
    #[must_use]
    pub fn of_property(value: &PropertyValue) -> Self {
        match value {
            PropertyValue::Bool(flag) => Self(flag.to_string()),
            PropertyValue::Text(text) => Self(text.clone()),
            PropertyValue::Number(number) => Self::of_number(*number),
        }
    }

    /// The key of a number (an event's value).
    #[must_use]
    pub fn of_number(number: Decimal) -> Self {
        Self(number.normalize().to_string())
    }

    /// The canonical text, as the adapter stores it in the distinct-key table.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::dec;

    use super::*;

    fn raw(entries: &[(&str, PropertyValue)]) -> BTreeMap<String, PropertyValue> {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn r_u2_properties_are_a_small_flat_map() {
        let sixteen: Vec<(String, PropertyValue)> = (0..16)
            .map(|i| (format!("p{i}"), PropertyValue::Bool(true)))
            .collect();
        assert!(Properties::parse(&sixteen.iter().cloned().collect()).is_ok());
        let mut seventeen = sixteen;
        seventeen.push(("p16".into(), PropertyValue::Bool(true)));
        assert_eq!(
            Properties::parse(&seventeen.into_iter().collect()),
            Err(PropertyError::TooMany { count: 17 })
        );
    }

    #[test]
    fn r_u2_property_names_and_text_are_checked() {
        assert_eq!(
            Properties::parse(&raw(&[("User", PropertyValue::Bool(true))])),
            Err(PropertyError::InvalidKey { key: "User".into() })
        );
        let long = PropertyValue::Text("x".repeat(257));
        assert_eq!(
            Properties::parse(&raw(&[("user_id", long)])),
            Err(PropertyError::InvalidText {
                key: "user_id".into()
            })
        );
        let control = PropertyValue::Text("a\u{0}b".into());
        assert!(Properties::parse(&raw(&[("user_id", control)])).is_err());
        let fits = PropertyValue::Text("é".repeat(256));
        assert!(Properties::parse(&raw(&[("user_id", fits)])).is_ok());
    }

    #[test]
    fn r_u2_json_strings_stay_text_and_nested_values_are_refused() {
        let parsed: BTreeMap<String, PropertyValue> =
            serde_json::from_str(r#"{"a": "12", "b": 12.50, "c": false}"#).unwrap();
        assert_eq!(parsed["a"], PropertyValue::Text("12".into()));
        assert_eq!(parsed["b"], PropertyValue::Number(dec!(12.5)));
        assert_eq!(parsed["c"], PropertyValue::Bool(false));
        for nested in [r#"{"a": {"b": 1}}"#, r#"{"a": [1]}"#, r#"{"a": null}"#] {
            assert!(serde_json::from_str::<BTreeMap<String, PropertyValue>>(nested).is_err());
        }
    }

    #[test]
    fn r_u2_distinct_keys_are_canonical() {
        assert_eq!(
            DistinctKey::of_property(&PropertyValue::Number(dec!(1.50))),
            DistinctKey::of_number(dec!(1.5))
        );
        assert_eq!(
            DistinctKey::of_property(&PropertyValue::Number(dec!(12))),
            DistinctKey::of_property(&PropertyValue::Text("12".into()))
        );
        assert_ne!(
            DistinctKey::of_property(&PropertyValue::Text("u1".into())),
            DistinctKey::of_property(&PropertyValue::Text("U1".into()))
        );
    }
}
