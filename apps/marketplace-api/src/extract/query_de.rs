//! serde over a query string's pairs, grouped by key. A key given more than once
//! (`?tier=A&tier=B`) or with comma-separated values (`?tier=A,B`) fills a sequence; any
//! other field takes the key's first value, parsed from its text (numbers, booleans).
//! A failure names the key it happened in.

use std::fmt;

use serde::de::value::{SeqDeserializer, StringDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

/// A query string's values, grouped by key in order of first appearance.
pub(super) type Pairs = Vec<(String, Vec<String>)>;

/// Groups the pairs of a raw query string by key.
pub(super) fn group(query: &str) -> Pairs {
    let mut pairs: Pairs = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = value.into_owned();
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => pairs.push((key.into_owned(), vec![value])),
        }
    }
    pairs
}

/// Deserializes `T` from grouped pairs.
pub(super) fn from_pairs<T: DeserializeOwned>(pairs: Pairs) -> Result<T, QueryError> {
    T::deserialize(Params(pairs))
}

/// Why a query did not deserialize, and in which key.
#[derive(Debug)]
pub(super) struct QueryError {
    pub field: Option<String>,
    pub message: String,
}

impl QueryError {
    fn in_field(mut self, key: &str) -> Self {
        self.field.get_or_insert_with(|| key.to_owned());
        self
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

impl de::Error for QueryError {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Self {
            field: None,
            message: message.to_string(),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Self {
            field: Some(field.to_owned()),
            message: "required".to_owned(),
        }
    }
}

/// The whole query, as a map.
struct Params(Pairs);

impl<'de> de::Deserializer<'de> for Params {
    type Error = QueryError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_map(Entries {
            pairs: self.0.into_iter(),
            current: None,
        })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct Entries {
    pairs: std::vec::IntoIter<(String, Vec<String>)>,
    current: Option<(String, Vec<String>)>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = QueryError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, QueryError> {
        let Some((key, values)) = self.pairs.next() else {
            return Ok(None);
        };
        let name: StringDeserializer<QueryError> = key.clone().into_deserializer();
        self.current = Some((key, values));
        seed.deserialize(name).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, QueryError> {
        let (key, values) = self
            .current
            .take()
            .ok_or_else(|| de::Error::custom("a query value without its key"))?;
        seed.deserialize(Values(values))
            .map_err(|e| e.in_field(&key))
    }
}

/// Every value of one key.
struct Values(Vec<String>);

impl Values {
    fn first(self) -> One {
        One(self.0.into_iter().next().unwrap_or_default())
    }
}

macro_rules! scalar {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
            self.first().$method(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Values {
    type Error = QueryError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        self.first().deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        visitor.visit_newtype_struct(self)
    }

    /// Repeated keys and comma-separated values, trimmed; empty ones are dropped.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        let items = self
            .0
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| One(v.to_owned()))
            .collect::<Vec<_>>();
        let mut seq = SeqDeserializer::new(items.into_iter());
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        self.first().deserialize_enum(name, variants, visitor)
    }

    scalar!(deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_identifier);

    forward_to_deserialize_any! {
        bytes byte_buf unit unit_struct tuple tuple_struct map struct ignored_any
    }
}

/// One value, parsed from its text.
struct One(String);

impl<'de> IntoDeserializer<'de, QueryError> for One {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident : $ty:ty, $what:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
            let value = self.0.parse::<$ty>().map_err(|_| {
                de::Error::custom(format!("{:?} is not {}", self.0, $what))
            })?;
            visitor.$visit(value)
        })*
    };
}

impl<'de> de::Deserializer<'de> for One {
    type Error = QueryError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_string(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        let name: StringDeserializer<QueryError> = self.0.into_deserializer();
        visitor.visit_enum(name)
    }

    parsed! {
        deserialize_bool => visit_bool: bool, "true or false";
        deserialize_i8 => visit_i8: i8, "a whole number";
        deserialize_i16 => visit_i16: i16, "a whole number";
        deserialize_i32 => visit_i32: i32, "a whole number";
        deserialize_i64 => visit_i64: i64, "a whole number";
        deserialize_i128 => visit_i128: i128, "a whole number";
        deserialize_u8 => visit_u8: u8, "a whole number";
        deserialize_u16 => visit_u16: u16, "a whole number";
        deserialize_u32 => visit_u32: u32, "a whole number";
        deserialize_u64 => visit_u64: u64, "a whole number";
        deserialize_u128 => visit_u128: u128, "a whole number";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
        deserialize_char => visit_char: char, "one character";
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}
