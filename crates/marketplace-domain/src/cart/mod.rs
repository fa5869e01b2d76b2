//! The cart (R-K*): one per (org, user), lines of tools and bundles, totals derived from
//! live prices at every read.

mod pricing;
mod rules;
mod service;

#[cfg(test)]
mod service_tests;

pub use pricing::{CartView, LineToPrice, PricedLine};
pub use rules::{AddRefusal, Purchasability, check_item};
pub use service::{CartError, CartService};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ids::{OrgId, PlanId, UserId};
use crate::item::ItemRef;
use crate::ports::RepoError;

/// A cart holds at most this many lines (R-K1).
pub const MAX_LINES: usize = 100;

/// One line: an item, at most once per cart, under the plan the buyer chose (R-B3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CartLine {
    pub item: ItemRef,
    /// `None` for a line added before plans: it is bought under the item's default plan.
    pub plan: Option<PlanId>,
    pub added_at: DateTime<Utc>,
}

/// A user's cart in an org. It stores no total (R-K4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cart {
    org_id: OrgId,
    user_id: UserId,
    lines: Vec<CartLine>,
}

/// What an add changed (R-K3 says which lines a bundle replaced).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartChange {
    /// False when the item was already in the cart (adding is idempotent).
    pub added: bool,
    pub removed: Vec<ItemRef>,
    /// The item was already in the cart under another plan, which the line now names in
    /// its place (R-B3).
    pub plan_replaced: bool,
}

impl Cart {
    /// An empty cart.
    #[must_use]
    pub const fn empty(org_id: OrgId, user_id: UserId) -> Self {
        Self {
            org_id,
            user_id,
            lines: Vec::new(),
        }
    }

    /// A stored cart (for adapters), lines in the order they were added.
    #[must_use]
    pub const fn restore(org_id: OrgId, user_id: UserId, lines: Vec<CartLine>) -> Self {
        Self {
            org_id,
            user_id,
            lines,
        }
    }

    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.org_id
    }
    #[must_use]
    pub const fn user_id(&self) -> UserId {
        self.user_id
    }
    #[must_use]
    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
    #[must_use]
    pub fn contains(&self, item: ItemRef) -> bool {
        self.lines.iter().any(|l| l.item == item)
    }

    /// The items, in the order they were added.
    #[must_use]
    pub fn items(&self) -> Vec<ItemRef> {
        self.lines.iter().map(|l| l.item).collect()
    }

    /// The items, sorted: the cart's identity for idempotent checkout (R-O2).
    #[must_use]
    pub fn items_sorted(&self) -> Vec<ItemRef> {
        let mut items = self.items();
        items.sort_unstable();
        items
    }

    /// Appends a line under `plan` after the rules were checked, first removing the tool
    /// lines a bundle covers (`covered`). Adding an item already there under the same
    /// plan changes nothing; under another plan, its line names that plan in place
    /// (R-B3), keeping its position.
    pub(crate) fn push(
        &mut self,
        item: ItemRef,
        plan: Option<PlanId>,
        covered: &[ItemRef],
        now: DateTime<Utc>,
    ) -> CartChange {
        if let Some(line) = self.lines.iter_mut().find(|l| l.item == item) {
            let plan_replaced = plan.is_some() && line.plan != plan;
            if plan_replaced {
                line.plan = plan;
            }
            return CartChange {
                added: false,
                removed: Vec::new(),
                plan_replaced,
            };
        }
        self.lines.retain(|l| !covered.contains(&l.item));
        self.lines.push(CartLine {
            item,
            plan,
            added_at: now,
        });
        CartChange {
            added: true,
            removed: covered.to_vec(),
            plan_replaced: false,
        }
    }

    /// R-K5: removing a line that is not there is a no-op; returns whether one was removed.
    pub fn remove(&mut self, item: ItemRef) -> bool {
        let before = self.lines.len();
        self.lines.retain(|l| l.item != item);
        before != self.lines.len()
    }

    /// R-K5: clearing an empty cart is a no-op.
    pub fn clear(&mut self) {
        self.lines.clear();
    }
}

/// Where carts live. Every call is scoped to (org, user).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CartRepository: Send + Sync {
    /// An absent cart is an empty one, never an error.
    async fn load(&self, org: OrgId, user: UserId) -> Result<Cart, RepoError>;

    /// Replaces the stored lines with the cart's.
    async fn save(&self, cart: &Cart) -> Result<(), RepoError>;
}
