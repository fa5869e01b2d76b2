//! Money (R-M1): a `Decimal` amount with its ISO 4217 currency. No float ever holds money;
//! amounts are rounded to the currency's minor unit only where a rule says so
//! ([`Money::round_half_up`]).

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// Why a money value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency must be three upper-case letters (ISO 4217), got {0:?}")]
    InvalidCurrency(String),
    #[error("currencies differ: {left} and {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount {amount} has more decimal places than {currency} allows ({minor_units})")]
    TooPrecise {
        amount: Decimal,
        currency: Currency,
        minor_units: u32,
    },
    #[error("amount must not be negative, got {0}")]
    Negative(Decimal),
    #[error("amount is out of range")]
    Overflow,
}

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollar.
    pub const USD: Self = Self(*b"USD");
    /// Euro.
    pub const EUR: Self = Self(*b"EUR");

    /// Parses a code such as `"USD"`.
    ///
    /// # Errors
    /// [`MoneyError::InvalidCurrency`] unless the code is exactly three upper-case letters.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        match code.as_bytes() {
            &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_uppercase) => Ok(Self([a, b, c])),
            _ => Err(MoneyError::InvalidCurrency(code.to_owned())),
        }
    }

    /// The code as text.
    #[must_use]
    pub fn code(&self) -> &str {
        // The bytes are ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Decimal places of the currency's minor unit (cents for USD and EUR).
    #[must_use]
    pub fn minor_units(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"UGX" | b"XAF" | b"XOF" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// An amount of money in one currency. The amount may be negative (a ledger entry, a
/// refund); use [`Money::price`] where only a non-negative price is valid.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Any amount, as long as it fits the currency's minor unit.
    ///
    /// # Errors
    /// [`MoneyError::TooPrecise`] when the amount has more decimals than the minor unit.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let minor_units = currency.minor_units();
        if amount.normalize().scale() > minor_units {
            return Err(MoneyError::TooPrecise {
                amount,
                currency,
                minor_units,
            });
        }
        Ok(Self { amount, currency })
    }

    /// A non-negative amount in whole minor units: what a price may be (R-C1).
    ///
    /// # Errors
    /// [`MoneyError::Negative`] or [`MoneyError::TooPrecise`].
    pub fn price(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative(amount));
        }
        Self::new(amount, currency)
    }

    /// Zero in `currency`.
    #[must_use]
    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// An exact amount that is not yet rounded (an intermediate of a computation). Call
    /// [`Money::round_half_up`] before it is stored or shown.
    #[must_use]
    pub fn unrounded(amount: Decimal, currency: Currency) -> Self {
        Self { amount, currency }
    }

    /// Builds an amount from a count of minor units (cents).
    #[must_use]
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self {
            amount: Decimal::new(minor, currency.minor_units()),
            currency,
        }
    }

    /// The amount in minor units (cents), as payment providers want it.
    ///
    /// # Errors
    /// [`MoneyError::TooPrecise`] when the amount is not a whole number of minor units,
    /// [`MoneyError::Overflow`] when it does not fit an `i64`.
    pub fn to_minor(&self) -> Result<i64, MoneyError> {
        let minor_units = self.currency.minor_units();
        let scaled = self.amount * Decimal::from(10_i64.pow(minor_units));
        if scaled.fract() != Decimal::ZERO {
            return Err(MoneyError::TooPrecise {
                amount: self.amount,
                currency: self.currency,
                minor_units,
            });
        }
        i64::try_from(scaled).map_err(|_| MoneyError::Overflow)
    }

    #[must_use]
    pub const fn amount(&self) -> Decimal {
        self.amount
    }

    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.amount < Decimal::ZERO
    }

    /// Rounds half away from zero to the currency's minor unit: the one rounding rule of
    /// the marketplace (R-M1, R-M3).
    #[must_use]
    pub fn round_half_up(&self) -> Self {
        Self {
            amount: self.amount.round_dp_with_strategy(
                self.currency.minor_units(),
                RoundingStrategy::MidpointAwayFromZero,
            ),
            currency: self.currency,
        }
    }

    /// `self + other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_add(&self, other: Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self {
            amount,
            currency: self.currency,
        })
    }

    /// `self - other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_sub(&self, other: Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self {
            amount,
            currency: self.currency,
        })
    }

    /// The opposite amount (a ledger's other side).
    #[must_use]
    pub fn negated(&self) -> Self {
        Self {
            amount: -self.amount,
            currency: self.currency,
        }
    }

    /// Sums amounts that must share `currency`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn sum<I: IntoIterator<Item = Self>>(
        currency: Currency,
        items: I,
    ) -> Result<Self, MoneyError> {
        items
            .into_iter()
            .try_fold(Self::zero(currency), |acc, m| acc.checked_add(m))
    }

    fn same_currency(&self, other: Self) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dp = self.currency.minor_units() as usize;
        write!(f, "{:.dp$} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn r_m1_currency_must_be_three_upper_case_letters() {
        assert!(Currency::parse("USD").is_ok());
        for bad in ["usd", "US", "USDD", "U$D", ""] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn r_m1_amounts_beyond_the_minor_unit_are_refused() {
        assert!(Money::new(dec!(1.23), Currency::USD).is_ok());
        assert!(Money::new(dec!(1.230), Currency::USD).is_ok());
        assert!(matches!(
            Money::new(dec!(1.234), Currency::USD),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(Money::new(dec!(5), Currency::parse("JPY").unwrap()).is_ok());
        assert!(Money::new(dec!(5.5), Currency::parse("JPY").unwrap()).is_err());
    }

    #[test]
    fn r_m1_prices_are_never_negative() {
        assert!(matches!(
            Money::price(dec!(-0.01), Currency::USD),
            Err(MoneyError::Negative(_))
        ));
        assert!(Money::price(dec!(0), Currency::USD).is_ok());
    }

    #[test]
    fn r_m1_rounding_is_half_away_from_zero_at_the_minor_unit() {
        let m = Money::unrounded(dec!(2.345), Currency::USD).round_half_up();
        assert_eq!(m.amount(), dec!(2.35));
        let m = Money::unrounded(dec!(-2.345), Currency::USD).round_half_up();
        assert_eq!(m.amount(), dec!(-2.35));
        let m = Money::unrounded(dec!(2.344), Currency::USD).round_half_up();
        assert_eq!(m.amount(), dec!(2.34));
    }

    #[test]
    fn r_m1_adding_different_currencies_is_an_error() {
        let usd = Money::from_minor(100, Currency::USD);
        let eur = Money::from_minor(100, Currency::EUR);
        assert!(matches!(
            usd.checked_add(eur),
            Err(MoneyError::CurrencyMismatch { .. })
        ));
    }

    #[test]
    fn minor_units_round_trip() {
        let m = Money::new(dec!(49.99), Currency::USD).unwrap();
        assert_eq!(m.to_minor().unwrap(), 4999);
        assert_eq!(Money::from_minor(4999, Currency::USD), m);
        assert!(
            Money::unrounded(dec!(0.001), Currency::USD)
                .to_minor()
                .is_err()
        );
    }
}
