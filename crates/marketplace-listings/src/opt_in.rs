//! Opt-in (R-G5, seed 003): a seller chooses, for all its items at once and for each one,
//! whether they are offered. An item is offered when the seller is opted in and the item
//! is not opted out. Opting out hides an item from new buyers only: what an org already
//! holds stays held (entitlements never look at this).

use std::collections::BTreeMap;

use marketplace_domain::item::ItemRef;

/// A seller's choices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptIn {
    enabled: bool,
    products: BTreeMap<ItemRef, bool>,
}

impl Default for OptIn {
    /// Opted in, with no exception: a new seller's items are offered once published.
    fn default() -> Self {
        Self {
            enabled: true,
            products: BTreeMap::new(),
        }
    }
}

impl OptIn {
    #[must_use]
    pub fn new(enabled: bool, products: impl IntoIterator<Item = (ItemRef, bool)>) -> Self {
        Self {
            enabled,
            products: products.into_iter().collect(),
        }
    }

    #[must_use]
    pub const fn enabled(&self) -> bool {
        self.enabled
    }

    /// The per-product choices, by item.
    pub fn products(&self) -> impl Iterator<Item = (ItemRef, bool)> + '_ {
        self.products.iter().map(|(i, e)| (*i, *e))
    }

    /// Whether `item` is offered to new buyers (R-G5).
    #[must_use]
    pub fn offers(&self, item: ItemRef) -> bool {
        self.enabled && self.products.get(&item).copied().unwrap_or(true)
    }
}
