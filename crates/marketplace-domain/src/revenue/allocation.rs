//! Largest-remainder allocation (R-M4): dividing an amount into parts proportional to
//! weights, in whole minor units, so that the parts sum to the amount exactly.

use std::cmp::Reverse;

use super::RevenueError;
use crate::ids::ToolId;
use crate::money::Money;

/// R-M4: allocates a bundle's price to its tools in proportion to their list prices.
///
/// Each tool first gets the floor of its exact share in minor units; the cents left over
/// go one each to the largest remainders, earlier tools first on a tie. All list prices
/// zero: the price is split evenly the same way.
///
/// # Errors
/// [`RevenueError::NothingToAllocate`] for no tools; [`RevenueError::NegativeAmount`] for a
/// negative price; [`RevenueError::CurrencyMismatch`] when a list price is in another
/// currency; [`RevenueError::Money`] for an amount finer than the minor unit.
pub fn allocate(
    total: Money,
    weights: &[(ToolId, Money)],
) -> Result<Vec<(ToolId, Money)>, RevenueError> {
    if weights.is_empty() {
        return Err(RevenueError::NothingToAllocate);
    }
    let currency = total.currency();
    let minor = |m: Money| -> Result<i64, RevenueError> {
        if m.currency() != currency {
            return Err(RevenueError::CurrencyMismatch {
                expected: currency,
                found: m.currency(),
            });
        }
        if m.is_negative() {
            return Err(RevenueError::NegativeAmount(m));
        }
        Ok(m.to_minor()?)
    };
    let total_minor = minor(total)?;
    let weight_minor = weights
        .iter()
        .map(|(_, w)| minor(*w))
        .collect::<Result<Vec<_>, _>>()?;
    let parts = largest_remainder(total_minor, &weight_minor);
    Ok(weights
        .iter()
        .zip(parts)
        .map(|((tool, _), part)| (*tool, Money::from_minor(part, currency)))
        .collect())
}

/// Splits `total` (>= 0, minor units) in proportion to `weights` (each >= 0, at least one;
/// all zero count as equal). Each part is its exact share rounded down or up, so when
/// `0 < total <= Σ weights` no part exceeds its own weight: a refund never takes back more
/// from an account than it holds.
pub(super) fn largest_remainder(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.iter().all(|w| *w == 0) {
        return largest_remainder(total, &vec![1; weights.len()]);
    }
    // Each term fits an i64, so a product of two fits an i128 and nothing overflows.
    let total = i128::from(total);
    let sum: i128 = weights.iter().copied().map(i128::from).sum();
    let share = |w: i64| (total * i128::from(w) / sum, total * i128::from(w) % sum);
    let mut parts: Vec<i128> = weights.iter().map(|w| share(*w).0).collect();
    let left_over = total - parts.iter().sum::<i128>();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    // A stable sort: equal remainders keep input order.
    by_remainder.sort_by_key(|&i| Reverse(share(weights[i]).1));
    for &i in by_remainder
        .iter()
        .take(usize::try_from(left_over).unwrap_or(0))
    {
        parts[i] += 1;
    }
    // 0 <= part <= total, and total came from an i64.
    parts
        .into_iter()
        .map(|p| i64::try_from(p).unwrap_or(i64::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;
    use rust_decimal::dec;
    use uuid::Uuid;

    fn tool(n: u128) -> ToolId {
        ToolId::from_uuid(Uuid::from_u128(n))
    }

    fn usd(cents: i64) -> Money {
        Money::from_minor(cents, Currency::USD)
    }

    fn amounts(parts: &[(ToolId, Money)]) -> Vec<Money> {
        parts.iter().map(|(_, m)| *m).collect()
    }

    #[test]
    fn r_m4_allocation_sums_to_bundle_price() {
        // 50.00 over list prices 10.00 / 20.00 / 30.00: exact shares 8.333…, 16.666…, 25;
        // floors sum to 49.99, the cent left goes to the largest remainder (the second).
        let weights = [
            (tool(1), usd(1_000)),
            (tool(2), usd(2_000)),
            (tool(3), usd(3_000)),
        ];
        let parts = allocate(usd(5_000), &weights).unwrap();
        assert_eq!(
            parts.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            vec![tool(1), tool(2), tool(3)]
        );
        assert_eq!(amounts(&parts), vec![usd(833), usd(1_667), usd(2_500)]);
        assert_eq!(parts[1].1.amount(), dec!(16.67));
    }

    #[test]
    fn r_m4_ties_go_to_earlier_tools() {
        // 1.00 over three equal weights: 0.33 each and one cent left, to the first.
        let weights = [
            (tool(3), usd(500)),
            (tool(1), usd(500)),
            (tool(2), usd(500)),
        ];
        let parts = allocate(usd(100), &weights).unwrap();
        assert_eq!(amounts(&parts), vec![usd(34), usd(33), usd(33)]);
        // 0.02 over the same: the first two.
        let parts = allocate(usd(2), &weights).unwrap();
        assert_eq!(amounts(&parts), vec![usd(1), usd(1), usd(0)]);
    }

    #[test]
    fn r_m4_all_zero_weights_split_evenly() {
        let weights = [(tool(1), usd(0)), (tool(2), usd(0)), (tool(3), usd(0))];
        let parts = allocate(usd(1_000), &weights).unwrap();
        assert_eq!(amounts(&parts), vec![usd(334), usd(333), usd(333)]);
    }

    #[test]
    fn r_m4_a_zero_list_price_gets_nothing() {
        let weights = [(tool(1), usd(0)), (tool(2), usd(1_999))];
        let parts = allocate(usd(1_500), &weights).unwrap();
        assert_eq!(amounts(&parts), vec![usd(0), usd(1_500)]);
    }

    #[test]
    fn r_m4_bad_input_is_refused() {
        assert_eq!(
            allocate(usd(100), &[]),
            Err(RevenueError::NothingToAllocate)
        );
        assert_eq!(
            allocate(usd(-1), &[(tool(1), usd(1))]),
            Err(RevenueError::NegativeAmount(usd(-1)))
        );
        assert_eq!(
            allocate(usd(1), &[(tool(1), usd(-1))]),
            Err(RevenueError::NegativeAmount(usd(-1)))
        );
        let eur = Money::from_minor(100, Currency::EUR);
        assert_eq!(
            allocate(usd(100), &[(tool(1), usd(1)), (tool(2), eur)]),
            Err(RevenueError::CurrencyMismatch {
                expected: Currency::USD,
                found: Currency::EUR
            })
        );
        let fine = Money::unrounded(dec!(1.005), Currency::USD);
        assert!(matches!(
            allocate(fine, &[(tool(1), usd(1))]),
            Err(RevenueError::Money(_))
        ));
    }

    proptest! {
        #[test]
        fn allocation_sums_to_total_and_is_never_negative(
            total in 0_i64..100_000_000,
            prices in prop::collection::vec(0_i64..10_000_000, 1..12),
        ) {
            let weights: Vec<_> =
                prices.iter().enumerate().map(|(i, p)| (tool(i as u128), usd(*p))).collect();
            let parts = allocate(usd(total), &weights).unwrap();
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(Money::sum(Currency::USD, amounts(&parts)).unwrap(), usd(total));
            let weight_sum: i64 = prices.iter().sum();
            for ((tool_id, part), (weight_tool, weight)) in parts.iter().zip(&weights) {
                prop_assert_eq!(tool_id, weight_tool);
                prop_assert!(!part.is_negative());
                // Each part is its exact share rounded down or up.
                let part = i128::from(part.to_minor().unwrap());
                let (w, sum) = if weight_sum == 0 {
                    (1, prices.len() as i128)
                } else {
                    (i128::from(weight.to_minor().unwrap()), i128::from(weight_sum))
                };
                let floor = i128::from(total) * w / sum;
                prop_assert!(part == floor || part == floor + 1);
            }
        }
    }
}
