//! Overage billing (R-U5): at a period's end, what lies beyond each soft quota is charged
//! with the renewal, one invoice line per meter.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::meter::MeterKey;
use crate::quota::PlanQuotas;

/// Why overage lines could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverageError {
    #[error("the overage charge for meter {meter} does not fit a decimal")]
    Overflow { meter: MeterKey },
    #[error("a currency has at most {max} decimal places, got {0}", max = MAX_MINOR_UNITS)]
    MinorUnits(u32),
}

/// Most decimal places a currency's minor unit has (three: BHD, KWD, OMR, JOD, TND).
pub const MAX_MINOR_UNITS: u32 = 4;

/// One charged meter on the renewal invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvoiceLine {
    pub meter: MeterKey,
    /// The quantity the plan includes per period.
    pub included: Decimal,
    /// The period's usage.
    pub used: Decimal,
    /// `used - included`.
    pub overage: Decimal,
    pub unit_price: Decimal,
    /// `overage x unit_price`, rounded to the currency's minor unit, half away from zero.
    pub amount: Decimal,
}

/// The overage lines of one (org, tool) period: one per meter whose usage exceeds a soft
/// quota with an overage price, in meter order. Each line is rounded on its own (never
/// the sum), to `minor_units` decimal places: 2 for most currencies, 0 for JPY or KRW, 3
/// for BHD, KWD, OMR, JOD or TND. A line whose amount rounds to zero is still listed, so
/// the invoice shows the usage it did not charge.
///
/// Hard quotas carry no price and unlimited meters no quota: neither yields a line.
///
/// # Errors
/// [`OverageError::MinorUnits`] beyond [`MAX_MINOR_UNITS`], [`OverageError::Overflow`].
pub fn overage_lines<'a>(
    usage: impl IntoIterator<Item = (&'a MeterKey, Decimal)>,
    plan: &PlanQuotas,
    minor_units: u32,
) -> Result<Vec<InvoiceLine>, OverageError> {
    if minor_units > MAX_MINOR_UNITS {
        return Err(OverageError::MinorUnits(minor_units));
    }
    let mut lines = Vec::new();
    for (meter, used) in usage {
        let Some(quota) = plan.quota(meter) else {
            continue;
        };
        let Some(unit_price) = quota.overage_unit_price() else {
            continue;
        };
        let overage = quota.overage(used);
        if overage.is_zero() {
            continue;
        }
        let amount = overage
            .checked_mul(unit_price)
            .ok_or_else(|| OverageError::Overflow {
                meter: meter.clone(),
            })?
            .round_dp_with_strategy(minor_units, RoundingStrategy::MidpointAwayFromZero);
        lines.push(InvoiceLine {
            meter: meter.clone(),
            included: quota.limit(),
            used,
            overage,
            unit_price,
            amount,
        });
    }
    lines.sort_by(|a, b| a.meter.cmp(&b.meter));
    Ok(lines)
}
