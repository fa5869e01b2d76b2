//! What a plan includes per period, meter by meter, and what use beyond it costs (R-B1,
//! R-U4): each quota is hard (use beyond it is refused) or soft (use beyond it is overage,
//! charged at the plan's unit price with the renewal).

use std::collections::BTreeSet;
use std::fmt;

use rust_decimal::Decimal;

use super::PlanError;

/// A meter's key within its item (`api_calls`, `rows_exported`): 1 to 64 lower-case
/// letters, digits or underscores, starting with a letter. The same grammar the usage
/// events name their meter by, so a plan's quota and an event's meter always compare equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeterKey(String);

impl MeterKey {
    /// Longest key accepted.
    pub const MAX_LEN: usize = 64;

    /// # Errors
    /// [`PlanError::InvalidMeter`] unless the key follows the grammar above.
    pub fn parse(key: &str) -> Result<Self, PlanError> {
        let mut bytes = key.bytes();
        let valid = key.len() <= Self::MAX_LEN
            && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
            && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if valid {
            Ok(Self(key.to_owned()))
        } else {
            Err(PlanError::InvalidMeter {
                meter: key.to_owned(),
            })
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MeterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What happens to use beyond a quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuotaKind {
    /// Refused.
    Hard,
    /// Accepted and counted as overage.
    Soft,
}
crate::labelled!(QuotaKind, "quota kind", { Hard => "HARD", Soft => "SOFT" });

/// A quantity of one meter included per billing period.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Quota {
    meter: MeterKey,
    limit: Decimal,
    kind: QuotaKind,
}

impl Quota {
    /// # Errors
    /// [`PlanError::NegativeQuota`] for a limit below zero.
    pub fn new(meter: MeterKey, limit: Decimal, kind: QuotaKind) -> Result<Self, PlanError> {
        if limit.is_sign_negative() && !limit.is_zero() {
            return Err(PlanError::NegativeQuota { meter, limit });
        }
        Ok(Self { meter, limit, kind })
    }

    #[must_use]
    pub const fn meter(&self) -> &MeterKey {
        &self.meter
    }

    #[must_use]
    pub const fn limit(&self) -> Decimal {
        self.limit
    }

    #[must_use]
    pub const fn kind(&self) -> QuotaKind {
        self.kind
    }
}

/// The price of one unit of a meter beyond its soft quota, in the plan's currency. Unit
/// prices may be finer than a cent (0.0005 per call); the overage line of a renewal is
/// rounded to the cent, never the unit price.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OveragePrice {
    meter: MeterKey,
    unit_price: Decimal,
}

impl OveragePrice {
    /// # Errors
    /// [`PlanError::NegativeOveragePrice`] for a price below zero.
    pub fn new(meter: MeterKey, unit_price: Decimal) -> Result<Self, PlanError> {
        if unit_price.is_sign_negative() && !unit_price.is_zero() {
            return Err(PlanError::NegativeOveragePrice { meter, unit_price });
        }
        Ok(Self { meter, unit_price })
    }

    #[must_use]
    pub const fn meter(&self) -> &MeterKey {
        &self.meter
    }

    #[must_use]
    pub const fn unit_price(&self) -> Decimal {
        self.unit_price
    }
}

/// A plan's quotas and overage prices, consistent by construction: at most one quota and
/// one price per meter, and a price only where the meter has a soft quota. A hard quota
/// refuses the very use an overage price would charge for, so the pair would be a price
/// nobody can pay; and overage is use beyond a quota, so a price needs one (a pure
/// pay-per-use meter is a soft quota of 0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quotas {
    quotas: Vec<Quota>,
    overage: Vec<OveragePrice>,
}

impl Quotas {
    /// No quota: the item is unmetered on this plan.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// # Errors
    /// [`PlanError::DuplicateQuota`], [`PlanError::DuplicateOverage`],
    /// [`PlanError::OverageOnHardQuota`], [`PlanError::OverageWithoutQuota`].
    pub fn new(quotas: Vec<Quota>, overage: Vec<OveragePrice>) -> Result<Self, PlanError> {
        let mut meters = BTreeSet::new();
        if let Some(q) = quotas.iter().find(|q| !meters.insert(&q.meter)) {
            return Err(PlanError::DuplicateQuota {
                meter: q.meter.clone(),
            });
        }
        let mut priced = BTreeSet::new();
        for price in &overage {
            let meter = &price.meter;
            if !priced.insert(meter) {
                return Err(PlanError::DuplicateOverage {
                    meter: meter.clone(),
                });
            }
            match quotas.iter().find(|q| &q.meter == meter).map(Quota::kind) {
                Some(QuotaKind::Soft) => {}
                Some(QuotaKind::Hard) => {
                    return Err(PlanError::OverageOnHardQuota {
                        meter: meter.clone(),
                    });
                }
                None => {
                    return Err(PlanError::OverageWithoutQuota {
                        meter: meter.clone(),
                    });
                }
            }
        }
        Ok(Self { quotas, overage })
    }

    #[must_use]
    pub fn quotas(&self) -> &[Quota] {
        &self.quotas
    }

    #[must_use]
    pub fn overage(&self) -> &[OveragePrice] {
        &self.overage
    }

    /// The quota of `meter`, if the plan sets one.
    #[must_use]
    pub fn quota(&self, meter: &MeterKey) -> Option<&Quota> {
        self.quotas.iter().find(|q| &q.meter == meter)
    }

    /// The unit price of `meter`'s overage, if the plan charges for it.
    #[must_use]
    pub fn overage_price(&self, meter: &MeterKey) -> Option<Decimal> {
        self.overage
            .iter()
            .find(|p| &p.meter == meter)
            .map(OveragePrice::unit_price)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.quotas.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn meter(key: &str) -> MeterKey {
        MeterKey::parse(key).unwrap()
    }

    #[test]
    fn r_b1_meter_keys_follow_the_usage_grammar() {
        for good in ["api_calls", "rows", "a1", &format!("m{}", "x".repeat(63))] {
            assert!(MeterKey::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "1rows", "_rows", "Rows", "api-calls", &"m".repeat(65)] {
            assert!(
                matches!(MeterKey::parse(bad), Err(PlanError::InvalidMeter { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn r_b1_quotas_and_prices_are_never_negative() {
        assert!(matches!(
            Quota::new(meter("rows"), dec!(-1), QuotaKind::Soft),
            Err(PlanError::NegativeQuota { .. })
        ));
        assert!(Quota::new(meter("rows"), dec!(0), QuotaKind::Soft).is_ok());
        assert!(matches!(
            OveragePrice::new(meter("rows"), dec!(-0.0001)),
            Err(PlanError::NegativeOveragePrice { .. })
        ));
        assert_eq!(
            OveragePrice::new(meter("rows"), dec!(0.0005))
                .unwrap()
                .unit_price(),
            dec!(0.0005)
        );
    }

    #[test]
    fn r_b1_overage_is_priced_on_soft_quotas_only() {
        let hard = Quota::new(meter("rows"), dec!(1000), QuotaKind::Hard).unwrap();
        let soft = Quota::new(meter("calls"), dec!(100), QuotaKind::Soft).unwrap();
        let price = |m| OveragePrice::new(meter(m), dec!(0.01)).unwrap();
        assert_eq!(
            Quotas::new(vec![hard.clone(), soft.clone()], vec![price("rows")]),
            Err(PlanError::OverageOnHardQuota {
                meter: meter("rows")
            })
        );
        assert_eq!(
            Quotas::new(vec![soft.clone()], vec![price("exports")]),
            Err(PlanError::OverageWithoutQuota {
                meter: meter("exports")
            })
        );
        assert_eq!(
            Quotas::new(vec![soft.clone()], vec![price("calls"), price("calls")]),
            Err(PlanError::DuplicateOverage {
                meter: meter("calls")
            })
        );
        assert_eq!(
            Quotas::new(vec![soft.clone(), soft.clone()], vec![]),
            Err(PlanError::DuplicateQuota {
                meter: meter("calls")
            })
        );
        let q = Quotas::new(vec![hard, soft], vec![price("calls")]).unwrap();
        assert_eq!(q.overage_price(&meter("calls")), Some(dec!(0.01)));
        assert_eq!(q.overage_price(&meter("rows")), None);
        assert_eq!(
            q.quota(&meter("rows")).map(Quota::kind),
            Some(QuotaKind::Hard)
        );
    }
}
