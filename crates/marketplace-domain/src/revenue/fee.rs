//! Fee rates and the split of one sale between platform and seller (R-M2, R-M3).

use rust_decimal::{Decimal, dec};

use super::RevenueError;
use crate::ids::SellerId;
use crate::money::Money;

/// The share of a sale the platform keeps, in `0..=1`. Valid by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeeRate(Decimal);

impl FeeRate {
    /// A third-party seller's rate unless agreed otherwise (R-M2): 5%.
    pub const DEFAULT: Self = Self(dec!(0.05));
    /// The platform keeps everything: the rate of its own tools (R-M2).
    pub const ALL: Self = Self(Decimal::ONE);

    /// # Errors
    /// [`RevenueError::InvalidFeeRate`] outside `0..=1`.
    pub fn new(rate: Decimal) -> Result<Self, RevenueError> {
        if (Decimal::ZERO..=Decimal::ONE).contains(&rate) {
            Ok(Self(rate))
        } else {
            Err(RevenueError::InvalidFeeRate(rate))
        }
    }

    #[must_use]
    pub const fn value(&self) -> Decimal {
        self.0
    }
}

impl Default for FeeRate {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Who sells a tool (R-M2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SellerKind {
    /// The platform itself (the seller "Internal" of the seed catalog).
    Platform,
    /// Anyone else, who is paid out.
    ThirdParty,
}
crate::labelled!(SellerKind, "seller kind", { Platform => "PLATFORM", ThirdParty => "THIRD_PARTY" });

/// What a seller agreed to: the terms a sale of its tools is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SellerTerms {
    pub seller_id: SellerId,
    pub kind: SellerKind,
    pub fee_rate: FeeRate,
}

impl SellerTerms {
    /// The rate a sale is split by: the platform keeps all of its own tools, whatever
    /// `fee_rate` says (R-M2).
    #[must_use]
    pub fn effective_rate(&self) -> FeeRate {
        match self.kind {
            SellerKind::Platform => FeeRate::ALL,
            SellerKind::ThirdParty => self.fee_rate,
        }
    }
}

/// A gross amount divided into the platform's fee and the seller's payout;
/// `fee + payout == gross` exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub gross: Money,
    pub fee: Money,
    pub payout: Money,
}

/// R-M3: `fee = round_half_up(gross × rate)` at the currency's minor unit and
/// `payout = gross − fee`, so no cent is lost or made whatever the rounding.
#[must_use]
pub fn split(gross: Money, rate: FeeRate) -> Split {
    let currency = gross.currency();
    // |gross × rate| <= |gross| because rate <= 1: this cannot overflow.
    let fee = Money::unrounded(gross.amount() * rate.value(), currency).round_half_up();
    let payout = Money::unrounded(gross.amount() - fee.amount(), currency);
    Split { gross, fee, payout }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn usd(amount: Decimal) -> Money {
        Money::new(amount, Currency::USD).unwrap()
    }

    fn terms(kind: SellerKind, rate: Decimal) -> SellerTerms {
        SellerTerms {
            seller_id: SellerId::from_uuid(Uuid::from_u128(1)),
            kind,
            fee_rate: FeeRate::new(rate).unwrap(),
        }
    }

    #[test]
    fn fee_rate_is_between_zero_and_one() {
        assert_eq!(FeeRate::new(dec!(0)).unwrap().value(), dec!(0));
        assert_eq!(FeeRate::new(dec!(1)).unwrap(), FeeRate::ALL);
        assert_eq!(FeeRate::DEFAULT.value(), dec!(0.05));
        assert_eq!(
            FeeRate::new(dec!(1.0001)),
            Err(RevenueError::InvalidFeeRate(dec!(1.0001)))
        );
        assert_eq!(
            FeeRate::new(dec!(-0.01)),
            Err(RevenueError::InvalidFeeRate(dec!(-0.01)))
        );
    }

    #[test]
    fn r_m2_platform_keeps_all_of_its_own_tools() {
        let own = terms(SellerKind::Platform, dec!(0.05));
        assert_eq!(own.effective_rate(), FeeRate::ALL);
        let s = split(usd(dec!(49.99)), own.effective_rate());
        assert_eq!((s.fee, s.payout), (usd(dec!(49.99)), usd(dec!(0))));

        let third = terms(SellerKind::ThirdParty, dec!(0.05));
        assert_eq!(third.effective_rate(), FeeRate::DEFAULT);
    }

    #[test]
    fn r_m3_fee_plus_payout_equals_gross() {
        let s = split(usd(dec!(10.01)), FeeRate::new(dec!(0.15)).unwrap());
        // 10.01 × 0.15 = 1.5015 → 1.50
        assert_eq!(s.fee, usd(dec!(1.50)));
        assert_eq!(s.payout, usd(dec!(8.51)));
        assert_eq!(s.fee.checked_add(s.payout).unwrap(), s.gross);
    }

    #[test]
    fn r_m3_five_percent_of_19_99_rounds_half_up() {
        // 19.99 × 0.05 = 0.9995 → 1.00
        let s = split(usd(dec!(19.99)), FeeRate::DEFAULT);
        assert_eq!(s.fee, usd(dec!(1.00)));
        assert_eq!(s.payout, usd(dec!(18.99)));
        // 0.10 × 0.05 = 0.005: exactly half a cent goes up.
        let s = split(usd(dec!(0.10)), FeeRate::DEFAULT);
        assert_eq!((s.fee, s.payout), (usd(dec!(0.01)), usd(dec!(0.09))));
        // 0.09 × 0.05 = 0.0045 → 0.00: the seller keeps it all.
        let s = split(usd(dec!(0.09)), FeeRate::DEFAULT);
        assert_eq!((s.fee, s.payout), (usd(dec!(0)), usd(dec!(0.09))));
    }

    #[test]
    fn r_m3_fee_rounds_to_the_currency_minor_unit() {
        let jpy = Currency::parse("JPY").unwrap();
        let s = split(Money::from_minor(1_990, jpy), FeeRate::DEFAULT);
        // 1990 × 0.05 = 99.5 → 100 yen
        assert_eq!(s.fee, Money::from_minor(100, jpy));
        assert_eq!(s.payout, Money::from_minor(1_890, jpy));
    }

    proptest! {
        #[test]
        fn split_always_sums_to_gross(cents in 0_i64..10_000_000_000, bp in 0_i64..=10_000) {
            let gross = Money::from_minor(cents, Currency::USD);
            let rate = FeeRate::new(Decimal::new(bp, 4)).unwrap();
            let s = split(gross, rate);
            prop_assert_eq!(s.fee.checked_add(s.payout).unwrap(), gross);
            prop_assert!(s.fee.to_minor().is_ok() && s.payout.to_minor().is_ok());
            prop_assert!(!s.fee.is_negative() && !s.payout.is_negative());
            // The fee is within half a cent of the exact product.
            let exact = gross.amount() * rate.value();
            prop_assert!((s.fee.amount() - exact).abs() <= dec!(0.005));
        }
    }
}
