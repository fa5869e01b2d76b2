//! Money on the wire: a decimal string in the currency's minor unit, and the currency.

use marketplace_domain::money::{Currency, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::BadRequest;

/// An amount and its currency, e.g. `{"amount": "49.00", "currency": "USD"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MoneyDto {
    #[schema(example = "49.00")]
    pub amount: String,
    #[schema(example = "USD")]
    pub currency: String,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> Self {
        let dp = m.currency().minor_units() as usize;
        Self {
            amount: format!("{:.dp$}", m.round_half_up().amount()),
            currency: m.currency().code().to_owned(),
        }
    }
}

impl MoneyDto {
    /// Parses into domain money.
    ///
    /// # Errors
    /// A message for a malformed amount or currency.
    pub fn parse(&self) -> Result<Money, String> {
        let currency = Currency::parse(&self.currency).map_err(|e| e.to_string())?;
        let amount: Decimal = self
            .amount
            .trim()
            .parse()
            .map_err(|_| format!("amount {:?} is not a decimal", self.amount))?;
        Money::new(amount, currency).map_err(|e| e.to_string())
    }

    /// Parses the money of the request field `field`.
    ///
    /// # Errors
    /// [`BadRequest`] naming the field.
    pub fn parse_field(&self, field: &'static str) -> Result<Money, BadRequest> {
        self.parse().map_err(|e| BadRequest::field(field, e))
    }
}

/// Parses an optional decimal string of the request field `field` (a new price, a rate).
///
/// # Errors
/// [`BadRequest`] naming the field.
pub fn decimal_field(
    field: &'static str,
    raw: Option<&str>,
    expected: &str,
) -> Result<Option<Decimal>, BadRequest> {
    raw.map(|r| {
        r.trim()
            .parse::<Decimal>()
            .map_err(|_| BadRequest::field(field, expected))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_in_the_currency_minor_unit() {
        let m = Money::new(Decimal::new(49, 0), Currency::USD).unwrap();
        assert_eq!(MoneyDto::from(m).amount, "49.00");
        let back = MoneyDto::from(m).parse().unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn a_malformed_amount_names_its_field() {
        let bad = MoneyDto {
            amount: "cheap".into(),
            currency: "USD".into(),
        };
        let e = bad.parse_field("price").unwrap_err();
        assert_eq!(e.message(), "invalid price");
        assert_eq!(e.faults()[0].field, "price");
    }
}
