//! R-B3: a cart line names an item and the plan it is bought under; an item appears in a
//! cart at most once, so choosing another plan for it replaces its line.

use crate::ids::PlanId;
use crate::item::ItemRef;

use super::{ItemPlans, Plan, PlanCode};

/// One cart line under plans: which item, under which plan.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlanChoice {
    pub item: ItemRef,
    pub plan: PlanCode,
}

/// What placing a choice in a cart did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The item was not in the cart: a new line at the end.
    Added,
    /// The item was there under `previous`: its line now names the new plan, in place.
    Replaced { previous: PlanCode },
    /// The item was already there under that plan.
    Unchanged,
}

/// R-B3: puts `choice` into `lines`, replacing the item's line if it has one. The line
/// keeps its position, so a buyer switching plans does not see the cart reorder.
pub fn place(lines: &mut Vec<PlanChoice>, choice: PlanChoice) -> Placement {
    match lines.iter_mut().find(|line| line.item == choice.item) {
        Some(line) if line.plan == choice.plan => Placement::Unchanged,
        Some(line) => Placement::Replaced {
            previous: std::mem::replace(&mut line.plan, choice.plan),
        },
        None => {
            lines.push(choice);
            Placement::Added
        }
    }
}

/// R-B3: the plan a stored line is bought under: the one it names (archived or not, so the
/// buyer sees why checkout refuses it), else the item's default. `None` when the item
/// sells nothing.
#[must_use]
pub fn line_plan(lineup: &ItemPlans, named: Option<PlanId>) -> Option<&Plan> {
    named
        .and_then(|id| lineup.plans().iter().find(|p| p.id() == id))
        .or_else(|| lineup.default_plan())
}
