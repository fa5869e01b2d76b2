//! Usage events (R-U2): what a host reports, the checks one event must pass, and the
//! reasons an event is refused. A refusal concerns that event alone: the events beside it
//! in a batch are judged on their own.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, dec};
use serde::{Deserialize, Serialize};

use crate::catalog::MeterCatalog;
use crate::ids::ToolId;
use crate::meter::{Aggregation, MeterKey};
use crate::property::{DistinctKey, Properties, PropertyError, PropertyKey, PropertyValue};
use crate::window::AcceptanceWindow;

/// The id a host gives an event; the event counts once per (org, id), whatever the number
/// of deliveries. 1..=128 printable ASCII characters without spaces (`evt_01H…`, a UUID):
/// it is echoed in answers and logs and is part of a unique key, so nothing exotic.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EventId(String);

impl EventId {
    /// Longest id accepted, in characters (all ASCII).
    pub const MAX_LEN: usize = 128;

    /// # Errors
    /// [`RejectionReason::InvalidId`] when the id is empty, too long or has characters
    /// outside `!`..=`~`.
    pub fn parse(id: &str) -> Result<Self, RejectionReason> {
        let valid = (1..=Self::MAX_LEN).contains(&id.len())
            && id.bytes().all(|b| (b'!'..=b'~').contains(&b));
        if valid {
            Ok(Self(id.to_owned()))
        } else {
            Err(RejectionReason::InvalidId)
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An event as a host sends it, before any check. Fields whose JSON type is wrong make the
/// whole request malformed; everything else is judged per event by [`UsageEvent::check`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UsageEventInput {
    pub id: String,
    pub tool_id: ToolId,
    pub meter: String,
    pub value: Decimal,
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub properties: BTreeMap<String, PropertyValue>,
}

/// Why one event was refused. [`RejectionReason::code`] is the stable code clients match
/// on; the `Display` text is the message shown with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectionReason {
    #[error(
        "event id must be 1 to {max} printable ASCII characters without spaces",
        max = EventId::MAX_LEN
    )]
    InvalidId,
    #[error("the organization is not entitled to tool {tool}")]
    NotEntitled { tool: ToolId },
    #[error("tool {tool} has no meter {meter:?}")]
    UnknownMeter { tool: ToolId, meter: String },
    #[error("timestamp {timestamp} is outside the accepted window {earliest} .. {latest}")]
    TimestampOutOfWindow {
        timestamp: DateTime<Utc>,
        earliest: DateTime<Utc>,
        latest: DateTime<Utc>,
    },
    #[error(
        "value {value} must be between 0 and {max} with at most {scale} decimal places",
        max = UsageEvent::MAX_VALUE,
        scale = UsageEvent::MAX_SCALE
    )]
    ValueOutOfRange { value: Decimal },
    #[error("invalid properties: {0}")]
    InvalidProperties(#[from] PropertyError),
    #[error("meter {meter} counts distinct values of property {property:?}, which the event lacks")]
    MissingDistinctProperty {
        meter: MeterKey,
        property: PropertyKey,
    },
    #[error("meter {meter} is at its hard quota of {limit} for this period")]
    QuotaExceeded { meter: MeterKey, limit: Decimal },
}

impl RejectionReason {
    /// The machine-readable code of the reason.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidId => "invalid_id",
            Self::NotEntitled { .. } => "not_entitled",
            Self::UnknownMeter { .. } => "unknown_meter",
            Self::TimestampOutOfWindow { .. } => "timestamp_out_of_window",
            Self::ValueOutOfRange { .. } => "value_out_of_range",
            Self::InvalidProperties(_) => "invalid_properties",
            Self::MissingDistinctProperty { .. } => "missing_distinct_property",
            Self::QuotaExceeded { .. } => "quota_exceeded",
        }
    }
}

/// A refused event, as the answer lists it: `{"id", "code", "message"}`. The id is echoed
/// as sent, even when it was the id that was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRejection {
    id: String,
    reason: RejectionReason,
}

impl EventRejection {
    #[must_use]
    pub fn new(id: impl Into<String>, reason: RejectionReason) -> Self {
        Self {
            id: id.into(),
            reason,
        }
    }

    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    #[must_use]
    pub fn reason(&self) -> &RejectionReason {
        &self.reason
    }
}

impl Serialize for EventRejection {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("EventRejection", 3)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("code", self.reason.code())?;
        out.serialize_field("message", &self.reason.to_string())?;
        out.end()
    }
}

/// An event that passed every check: it names a meter of a tool the org holds, carries an
/// accepted timestamp and value, and knows how its meter counts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UsageEvent {
    id: EventId,
    tool: ToolId,
    meter: MeterKey,
    aggregation: Aggregation,
    value: Decimal,
    timestamp: DateTime<Utc>,
    properties: Properties,
    #[serde(skip_serializing_if = "Option::is_none")]
    distinct_key: Option<DistinctKey>,
}

impl UsageEvent {
    /// Largest value one event may carry: a trillion units, so a period's sum of even
    /// billions of events stays far inside `Decimal`'s range.
    pub const MAX_VALUE: Decimal = dec!(1_000_000_000_000);
    /// Most decimal places a value may have (millionths), after trailing zeros are dropped.
    pub const MAX_SCALE: u32 = 6;

    /// Checks one event, in this order: id, entitlement, meter, timestamp, value,
    /// properties, and the property a `unique_count` meter counts.
    ///
    /// # Errors
    /// The first [`RejectionReason`] that applies.
    pub fn check(
        input: &UsageEventInput,
        catalog: &MeterCatalog,
        window: &AcceptanceWindow,
    ) -> Result<Self, RejectionReason> {
        let id = EventId::parse(&input.id)?;
        let meter = catalog.meter(input.tool_id, &input.meter)?;
        if !window.contains(input.timestamp) {
            return Err(RejectionReason::TimestampOutOfWindow {
                timestamp: input.timestamp,
                earliest: window.earliest(),
                latest: window.latest(),
            });
        }
        let value = Self::check_value(input.value)?;
        let properties = Properties::parse(&input.properties)?;
        let distinct_key = match (meter.aggregation(), meter.distinct_by()) {
            (Aggregation::UniqueCount, Some(property)) => {
                let found = properties.get(property).ok_or_else(|| {
                    RejectionReason::MissingDistinctProperty {
                        meter: meter.key().clone(),
                        property: property.clone(),
                    }
                })?;
                Some(DistinctKey::of_property(found))
            }
            (Aggregation::UniqueCount, None) => Some(DistinctKey::of_number(value)),
            _ => None,
        };
        Ok(Self {
            id,
            tool: input.tool_id,
            meter: meter.key().clone(),
            aggregation: meter.aggregation(),
            value,
            timestamp: input.timestamp,
            properties,
            distinct_key,
        })
    }

    fn check_value(value: Decimal) -> Result<Decimal, RejectionReason> {
        let value = value.normalize();
        let in_range =
            value >= Decimal::ZERO && value <= Self::MAX_VALUE && value.scale() <= Self::MAX_SCALE;
        if in_range {
            Ok(value)
        } else {
            Err(RejectionReason::ValueOutOfRange { value })
        }
    }

    #[must_use]
    pub fn id(&self) -> &EventId {
        &self.id
    }

    #[must_use]
    pub const fn tool(&self) -> ToolId {
        self.tool
    }

    #[must_use]
    pub fn meter(&self) -> &MeterKey {
        &self.meter
    }

    /// How the event's meter folds it into a total, fixed when the event was checked.
    #[must_use]
    pub const fn aggregation(&self) -> Aggregation {
        self.aggregation
    }

    /// The value, without trailing zeros.
    #[must_use]
    pub const fn value(&self) -> Decimal {
        self.value
    }

    #[must_use]
    pub const fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

    #[must_use]
    pub fn properties(&self) -> &Properties {
        &self.properties
    }

    /// For an event of a `unique_count` meter, the key it counts; `None` otherwise.
    #[must_use]
    pub fn distinct_key(&self) -> Option<&DistinctKey> {
        self.distinct_key.as_ref()
    }
}
