//! The cart's shapes: the cart priced live, its lines, and the item to add.

use marketplace_domain::cart::{CartChange, CartView};
use marketplace_domain::item::ItemRef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire::MoneyDto;
use crate::wire::labels::{IntervalLabel, ItemType};

/// One cart line priced live.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartLineDto {
    pub item_type: ItemType,
    pub item_id: Uuid,
    pub name: String,
    pub price: MoneyDto,
    pub list_price: MoneyDto,
    /// False when the item can no longer be bought (or its plan was archived): checkout
    /// will refuse the cart.
    pub available: bool,
    /// The plan the line is bought under (R-B3); null for an item sold without plans.
    #[schema(example = "PRO")]
    pub plan: Option<String>,
    /// How often the plan is paid; null without a plan.
    pub interval: Option<IntervalLabel>,
    /// Free days the org gets with the plan (R-B10); 0 when it pays at once.
    pub trial_days: u8,
    /// What checkout charges for the line now: 0 during a trial, else its price.
    pub due_now: MoneyDto,
}

/// A reference to a catalog item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemRefDto {
    pub item_type: ItemType,
    pub item_id: Uuid,
}

impl From<ItemRef> for ItemRefDto {
    fn from(i: ItemRef) -> Self {
        Self {
            item_type: i.kind().into(),
            item_id: i.uuid(),
        }
    }
}

/// The caller's cart with totals derived from live prices (R-K4).
#[derive(Debug, Serialize, ToSchema)]
pub struct CartDto {
    pub lines: Vec<CartLineDto>,
    pub subtotal: MoneyDto,
    pub savings: MoneyDto,
    pub total: MoneyDto,
    /// What checkout charges now (R-B3): the total less the lines in a trial.
    pub due_now: MoneyDto,
    pub currency: String,
    /// Lines an added bundle replaced (R-K3); only in the answer to an add.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<ItemRefDto>>,
}

impl From<CartView> for CartDto {
    fn from(v: CartView) -> Self {
        Self {
            lines: v
                .lines
                .into_iter()
                .map(|l| CartLineDto {
                    item_type: l.item.kind().into(),
                    item_id: l.item.uuid(),
                    name: l.name,
                    price: l.price.into(),
                    list_price: l.list_price.into(),
                    available: l.available,
                    plan: l.plan.map(|c| c.to_string()),
                    interval: l.interval.map(IntervalLabel::from),
                    trial_days: l.trial_days,
                    due_now: l.due_now.into(),
                })
                .collect(),
            subtotal: v.subtotal.into(),
            savings: v.savings.into(),
            total: v.total.into(),
            due_now: v.due_now.into(),
            currency: v.currency.code().to_owned(),
            removed: None,
        }
    }
}

impl From<(CartChange, CartView)> for CartDto {
    /// The answer to an add: the cart and the lines the added item replaced.
    fn from((change, view): (CartChange, CartView)) -> Self {
        Self {
            removed: Some(change.removed.into_iter().map(ItemRefDto::from).collect()),
            ..Self::from(view)
        }
    }
}

/// POST /v1/cart/items.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItemBody {
    #[garde(skip)]
    pub item_type: ItemType,
    #[garde(skip)]
    pub item_id: Uuid,
    /// The plan to buy the item under (R-B3): a code of the item's plans on sale; the
    /// item's default plan when absent. An item already in the cart under another plan
    /// now names this one.
    #[garde(length(min = 1, max = 32))]
    #[schema(example = "PRO")]
    pub plan: Option<String>,
}

impl AddItemBody {
    /// The item to add.
    #[must_use]
    pub fn item(&self) -> ItemRef {
        ItemRef::from_parts(self.item_type.0, self.item_id)
    }
}
