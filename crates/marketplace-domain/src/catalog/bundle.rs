//! Bundles (R-C4): two or more distinct tools sold together at one price. The list price,
//! savings and discount are derived from the tools' live prices, never stored or trusted.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::{CatalogError, ItemName, NotPurchasableReason, Tool};
use crate::ids::{BundleId, SellerId, ToolId};
use crate::money::{Currency, Money};
use crate::tier::Tier;

/// A bundle's lifecycle status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BundleStatus {
    Active,
    Draft,
    Archived,
}
crate::labelled!(BundleStatus, "bundle status", {
    Active => "ACTIVE", Draft => "DRAFT", Archived => "ARCHIVED",
});

/// A tool as a bundle shows it, in display order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleTool {
    pub tool_id: ToolId,
    pub name: ItemName,
    /// The tool's live list price.
    pub price: Money,
    pub seller_id: SellerId,
}

impl From<&Tool> for BundleTool {
    fn from(tool: &Tool) -> Self {
        Self {
            tool_id: tool.id,
            name: tool.name.clone(),
            price: tool.price(),
            seller_id: tool.seller_id,
        }
    }
}

/// A bundle of the global catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    id: BundleId,
    name: ItemName,
    description: String,
    price: Money,
    required_tier: Tier,
    status: BundleStatus,
    tools: Vec<BundleTool>,
    is_featured: bool,
    purchase_count: u64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The parts of a bundle, before R-C4 is checked.
#[derive(Clone, Debug)]
pub struct BundleParts {
    pub id: BundleId,
    pub name: ItemName,
    pub description: String,
    pub price: Money,
    pub required_tier: Tier,
    pub status: BundleStatus,
    pub tools: Vec<BundleTool>,
    pub is_featured: bool,
    pub purchase_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Bundle {
    /// R-C4: at least two distinct tools, all in the bundle's currency, price >= 0.
    ///
    /// # Errors
    /// [`CatalogError::Invalid`] naming `tools` or `price`.
    pub fn new(parts: BundleParts) -> Result<Self, CatalogError> {
        if parts.tools.len() < 2 {
            return Err(CatalogError::invalid(
                "tools",
                "a bundle holds at least two tools",
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(parts.tools.len());
        if !parts.tools.iter().all(|t| seen.insert(t.tool_id)) {
            return Err(CatalogError::invalid(
                "tools",
                "a tool appears in a bundle at most once",
            ));
        }
        let currency = parts.price.currency();
        if parts.tools.iter().any(|t| t.price.currency() != currency) {
            return Err(CatalogError::invalid(
                "tools",
                "every tool must be priced in the bundle's currency",
            ));
        }
        if parts.price.is_negative() {
            return Err(CatalogError::invalid("price", "must not be negative"));
        }
        Ok(Self {
            id: parts.id,
            name: parts.name,
            description: parts.description,
            price: parts.price,
            required_tier: parts.required_tier,
            status: parts.status,
            tools: parts.tools,
            is_featured: parts.is_featured,
            purchase_count: parts.purchase_count,
            created_at: parts.created_at,
            updated_at: parts.updated_at,
        })
    }

    /// Back to its parts, for an edit that re-validates through [`Bundle::new`].
    #[must_use]
    pub fn into_parts(self) -> BundleParts {
        BundleParts {
            id: self.id,
            name: self.name,
            description: self.description,
            price: self.price,
            required_tier: self.required_tier,
            status: self.status,
            tools: self.tools,
            is_featured: self.is_featured,
            purchase_count: self.purchase_count,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    #[must_use]
    pub const fn id(&self) -> BundleId {
        self.id
    }
    #[must_use]
    pub const fn name(&self) -> &ItemName {
        &self.name
    }
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }
    /// What the bundle sells for.
    #[must_use]
    pub const fn price(&self) -> Money {
        self.price
    }
    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.price.currency()
    }
    #[must_use]
    pub const fn required_tier(&self) -> Tier {
        self.required_tier
    }
    #[must_use]
    pub const fn status(&self) -> BundleStatus {
        self.status
    }
    /// The tools, in display order.
    #[must_use]
    pub fn tools(&self) -> &[BundleTool] {
        &self.tools
    }
    #[must_use]
    pub const fn is_featured(&self) -> bool {
        self.is_featured
    }
    #[must_use]
    pub const fn purchase_count(&self) -> u64 {
        self.purchase_count
    }
    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    #[must_use]
    pub const fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    /// Whether `tool` is one of the bundle's.
    #[must_use]
    pub fn contains(&self, tool: ToolId) -> bool {
        self.tools.iter().any(|t| t.tool_id == tool)
    }

    /// The sum of the tools' live prices.
    #[must_use]
    pub fn list_price(&self) -> Money {
        let amount = self.tools.iter().map(|t| t.price.amount()).sum::<Decimal>();
        Money::unrounded(amount, self.currency())
    }

    /// List price minus bundle price; negative when the bundle costs more than its parts.
    #[must_use]
    pub fn savings(&self) -> Money {
        Money::unrounded(
            self.list_price().amount() - self.price.amount(),
            self.currency(),
        )
    }

    /// Savings as a percentage of the list price, rounded to one decimal; 0 when the list
    /// price is 0.
    #[must_use]
    pub fn discount_percent(&self) -> Decimal {
        let list = self.list_price().amount();
        if list.is_zero() {
            return Decimal::ZERO;
        }
        (self.savings().amount() * Decimal::ONE_HUNDRED / list)
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    }

    /// R-C4: only ACTIVE bundles can be bought.
    ///
    /// # Errors
    /// [`NotPurchasableReason::Status`] otherwise.
    pub const fn check_purchasable(&self) -> Result<(), NotPurchasableReason> {
        match self.status {
            BundleStatus::Active => Ok(()),
            BundleStatus::Draft | BundleStatus::Archived => Err(NotPurchasableReason::Status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;
    use uuid::Uuid;

    fn tool(n: u128, price: Decimal, currency: Currency) -> BundleTool {
        BundleTool {
            tool_id: ToolId::from_uuid(Uuid::from_u128(n)),
            name: ItemName::parse(&format!("Tool {n}")).unwrap(),
            price: Money::price(price, currency).unwrap(),
            seller_id: SellerId::from_uuid(Uuid::from_u128(99)),
        }
    }

    fn parts(price: Decimal, tools: Vec<BundleTool>) -> BundleParts {
        BundleParts {
            id: BundleId::from_uuid(Uuid::from_u128(1)),
            name: ItemName::parse("Suite").unwrap(),
            description: String::new(),
            price: Money::price(price, Currency::USD).unwrap(),
            required_tier: Tier::Growth,
            status: BundleStatus::Active,
            tools,
            is_featured: false,
            purchase_count: 0,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn r_c4_bundle_needs_two_distinct_tools_in_its_currency() {
        let one = parts(dec!(10), vec![tool(1, dec!(10), Currency::USD)]);
        assert!(Bundle::new(one).is_err());
        let dup = parts(
            dec!(10),
            vec![
                tool(1, dec!(10), Currency::USD),
                tool(1, dec!(10), Currency::USD),
            ],
        );
        assert!(Bundle::new(dup).is_err());
        let mixed = parts(
            dec!(10),
            vec![
                tool(1, dec!(10), Currency::USD),
                tool(2, dec!(10), Currency::EUR),
            ],
        );
        assert!(Bundle::new(mixed).is_err());
    }

    #[test]
    fn r_c4_list_price_savings_and_discount_are_derived() {
        let b = Bundle::new(parts(
            dec!(75.00),
            vec![
                tool(1, dec!(40.00), Currency::USD),
                tool(2, dec!(60.00), Currency::USD),
            ],
        ))
        .unwrap();
        assert_eq!(b.list_price().amount(), dec!(100.00));
        assert_eq!(b.savings().amount(), dec!(25.00));
        assert_eq!(b.discount_percent(), dec!(25.0));
    }

    #[test]
    fn r_c4_only_active_bundles_are_purchasable() {
        for (status, ok) in [
            (BundleStatus::Active, true),
            (BundleStatus::Draft, false),
            (BundleStatus::Archived, false),
        ] {
            let mut p = parts(
                dec!(10),
                vec![
                    tool(1, dec!(10), Currency::USD),
                    tool(2, dec!(10), Currency::USD),
                ],
            );
            p.status = status;
            assert_eq!(
                Bundle::new(p).unwrap().check_purchasable().is_ok(),
                ok,
                "{status}"
            );
        }
    }
}
