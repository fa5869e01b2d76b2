//! Meters (R-U1): what an item counts, how it folds events into a period's total, and the
//! unit it is shown in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::name::is_snake_name;
use crate::property::PropertyKey;

/// Why a meter definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeterError {
    #[error(
        "meter key must be 1 to {max} lower-case letters, digits or underscores, \
         starting with a letter; got {key:?}",
        max = MeterKey::MAX_LEN
    )]
    InvalidKey { key: String },
    #[error(
        "unit must be 1 to {max} printable characters without surrounding spaces; got {unit:?}",
        max = Unit::MAX_CHARS
    )]
    InvalidUnit { unit: String },
    #[error("only a unique_count meter counts distinct values of a property ({aggregation})")]
    DistinctWithoutUniqueCount { aggregation: Aggregation },
}

/// A meter's key within its tool, such as `api_calls`. Keys travel in URLs, JSON and SQL,
/// hence the narrow grammar.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MeterKey(String);

impl MeterKey {
    /// Longest key accepted, in bytes (all ASCII).
    pub const MAX_LEN: usize = 64;

    /// Parses a key.
    ///
    /// # Errors
    /// [`MeterError::InvalidKey`] unless the key is 1..=64 lower-case letters, digits or
    /// underscores starting with a letter.
    pub fn parse(key: &str) -> Result<Self, MeterError> {
        if is_snake_name(key, Self::MAX_LEN) {
            Ok(Self(key.to_owned()))
        } else {
            Err(MeterError::InvalidKey {
                key: key.to_owned(),
            })
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MeterKey {
    type Error = MeterError;
    fn try_from(key: String) -> Result<Self, Self::Error> {
        Self::parse(&key)
    }
}

impl From<MeterKey> for String {
    fn from(key: MeterKey) -> Self {
        key.0
    }
}

/// Lets a map keyed by meter key be searched with the raw text an event brought.
impl std::borrow::Borrow<str> for MeterKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MeterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a period's events fold into one figure, the period's usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The number of events; their values are not read.
    Count,
    /// The sum of the events' values.
    Sum,
    /// The largest value seen.
    Max,
    /// The number of distinct keys seen (see [`Meter::distinct_by`]).
    UniqueCount,
    /// The value of the latest event, by timestamp then event id.
    Latest,
}

impl Aggregation {
    /// Every aggregation, for tests and documentation.
    pub const ALL: [Self; 5] = [
        Self::Count,
        Self::Sum,
        Self::Max,
        Self::UniqueCount,
        Self::Latest,
    ];

    /// The name used in the API and in storage.
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Sum => "sum",
            Self::Max => "max",
            Self::UniqueCount => "unique_count",
            Self::Latest => "latest",
        }
    }
}

impl fmt::Display for Aggregation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The unit a meter's figures are shown in (`call`, `GB`, `seat`): short display text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Unit(String);

impl Unit {
    /// Longest unit accepted, in characters.
    pub const MAX_CHARS: usize = 32;

    /// Parses a unit.
    ///
    /// # Errors
    /// [`MeterError::InvalidUnit`] when the text is empty, longer than 32 characters, has
    /// control characters or surrounding whitespace.
    pub fn parse(unit: &str) -> Result<Self, MeterError> {
        let chars = unit.chars().count();
        let valid = (1..=Self::MAX_CHARS).contains(&chars)
            && unit.trim() == unit
            && !unit.chars().any(char::is_control);
        if valid {
            Ok(Self(unit.to_owned()))
        } else {
            Err(MeterError::InvalidUnit {
                unit: unit.to_owned(),
            })
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Unit {
    type Error = MeterError;
    fn try_from(unit: String) -> Result<Self, Self::Error> {
        Self::parse(&unit)
    }
}

impl From<Unit> for String {
    fn from(unit: Unit) -> Self {
        unit.0
    }
}

/// A meter an item defines: its key, its aggregation and its unit.
///
/// A `unique_count` meter counts distinct values of the event property it names in
/// `distinct_by` (`user_id` for active users), or, when it names none, distinct event
/// values (a seat number). Other aggregations never name a property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Meter {
    key: MeterKey,
    aggregation: Aggregation,
    unit: Unit,
    #[serde(skip_serializing_if = "Option::is_none")]
    distinct_by: Option<PropertyKey>,
}

impl Meter {
    /// A meter whose `unique_count`, if that is its aggregation, counts distinct values.
    #[must_use]
    pub fn new(key: MeterKey, aggregation: Aggregation, unit: Unit) -> Self {
        Self {
            key,
            aggregation,
            unit,
            distinct_by: None,
        }
    }

    /// A `unique_count` meter over the distinct values of the property `distinct_by`.
    #[must_use]
    pub fn unique_count_of(key: MeterKey, distinct_by: PropertyKey, unit: Unit) -> Self {
        Self {
            key,
            aggregation: Aggregation::UniqueCount,
            unit,
            distinct_by: Some(distinct_by),
        }
    }

    /// A meter from what a caller wrote (the admin's meter endpoint, a seller's tool
    /// listing): the one parse both go through, so a meter is the same whichever way it
    /// was defined.
    ///
    /// # Errors
    /// The field at fault (`key`, `unit` or `distinct_by`) with its [`MeterError`]; for
    /// `distinct_by` also a property key that does not parse.
    pub fn from_input(
        key: &str,
        aggregation: Aggregation,
        unit: &str,
        distinct_by: Option<&str>,
    ) -> Result<Self, (&'static str, String)> {
        let key = MeterKey::parse(key).map_err(|e| ("key", e.to_string()))?;
        let unit = Unit::parse(unit).map_err(|e| ("unit", e.to_string()))?;
        let distinct_by = distinct_by
            .map(PropertyKey::parse)
            .transpose()
            .map_err(|e| ("distinct_by", e.to_string()))?;
        Self::from_parts(key, aggregation, unit, distinct_by)
            .map_err(|e| ("distinct_by", e.to_string()))
    }

    /// Rebuilds a meter from its stored parts.
    ///
    /// # Errors
    /// [`MeterError::DistinctWithoutUniqueCount`] when a property is named for an
    /// aggregation other than `unique_count`.
    pub fn from_parts(
        key: MeterKey,
        aggregation: Aggregation,
        unit: Unit,
        distinct_by: Option<PropertyKey>,
    ) -> Result<Self, MeterError> {
        match distinct_by {
            Some(property) if aggregation == Aggregation::UniqueCount => {
                Ok(Self::unique_count_of(key, property, unit))
            }
            Some(_) => Err(MeterError::DistinctWithoutUniqueCount { aggregation }),
            None => Ok(Self::new(key, aggregation, unit)),
        }
    }

    #[must_use]
    pub fn key(&self) -> &MeterKey {
        &self.key
    }

    #[must_use]
    pub const fn aggregation(&self) -> Aggregation {
        self.aggregation
    }

    #[must_use]
    pub fn unit(&self) -> &Unit {
        &self.unit
    }

    /// The property whose distinct values a `unique_count` meter counts; `None` counts
    /// distinct event values (and is always `None` for other aggregations).
    #[must_use]
    pub fn distinct_by(&self) -> Option<&PropertyKey> {
        self.distinct_by.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_u1_meter_keys_are_lower_snake_case_up_to_64_chars() {
        for good in ["api_calls", "a", "gb_2024", &"k".repeat(64)] {
            assert!(MeterKey::parse(good).is_ok(), "{good:?} should be accepted");
        }
        for bad in [
            "",
            "Api_calls",
            "1calls",
            "_calls",
            "api-calls",
            "api calls",
            "apí",
            &"k".repeat(65),
        ] {
            assert_eq!(
                MeterKey::parse(bad),
                Err(MeterError::InvalidKey {
                    key: bad.to_owned()
                }),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn r_u1_units_are_short_printable_text() {
        assert_eq!(
            Unit::parse("GB").map(|u| u.as_str().to_owned()),
            Ok("GB".into())
        );
        assert!(Unit::parse("µs").is_ok());
        assert!(Unit::parse(&"x".repeat(32)).is_ok());
        for bad in ["", " call", "call ", "ca\nll", &"x".repeat(33)] {
            assert!(Unit::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn r_u1_aggregations_read_and_write_as_snake_case() {
        for aggregation in Aggregation::ALL {
            let json = serde_json::to_string(&aggregation).unwrap();
            assert_eq!(json, format!("\"{}\"", aggregation.as_str()));
            assert_eq!(
                serde_json::from_str::<Aggregation>(&json).unwrap(),
                aggregation
            );
        }
        assert!(serde_json::from_str::<Aggregation>("\"COUNT\"").is_err());
    }

    #[test]
    fn r_u1_a_meter_key_read_from_json_is_validated() {
        assert!(serde_json::from_str::<MeterKey>("\"api_calls\"").is_ok());
        assert!(serde_json::from_str::<MeterKey>("\"Api-Calls\"").is_err());
    }

    #[test]
    fn r_u1_only_unique_count_meters_name_a_distinct_property() {
        let key = MeterKey::parse("active_users").unwrap();
        let unit = Unit::parse("user").unwrap();
        let user = PropertyKey::parse("user_id").unwrap();
        let meter = Meter::from_parts(
            key.clone(),
            Aggregation::UniqueCount,
            unit.clone(),
            Some(user.clone()),
        )
        .unwrap();
        assert_eq!(meter.distinct_by(), Some(&user));
        assert_eq!(
            Meter::from_parts(key, Aggregation::Sum, unit, Some(user)),
            Err(MeterError::DistinctWithoutUniqueCount {
                aggregation: Aggregation::Sum
            })
        );
    }
}
