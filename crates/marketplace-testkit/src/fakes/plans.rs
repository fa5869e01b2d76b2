//! The in-memory [`PlanRepository`]: every item's plans in display order.

use async_trait::async_trait;
use marketplace_domain::catalog::Tool;
use marketplace_domain::ids::PlanId;
use marketplace_domain::item::ItemRef;
use marketplace_domain::plan::{ItemPlans, Plan, PlanRepository, SaleRecord};
use marketplace_domain::ports::{Conflict, RepoError};

use super::store::{InMemoryStore, StoreData};

fn lineup(d: &StoreData, item: ItemRef) -> Result<ItemPlans, RepoError> {
    let plans = d
        .plans
        .iter()
        .filter(|p| p.item() == item)
        .cloned()
        .collect();
    ItemPlans::new(item, plans).map_err(|e| RepoError::Corrupt {
        table: "plans",
        detail: e.to_string(),
    })
}

impl InMemoryStore {
    /// Records that something was bought under `plan` (R-B1: its price is then fixed).
    pub fn record_plan_sale(&self, plan: PlanId) {
        self.with(|d| d.plan_sales.insert(plan));
    }
}

#[async_trait]
impl PlanRepository for InMemoryStore {
    async fn item_plans(&self, item: ItemRef) -> Result<ItemPlans, RepoError> {
        lineup(&self.lock(), item)
    }

    async fn plans_of(&self, items: &[ItemRef]) -> Result<Vec<ItemPlans>, RepoError> {
        let d = self.lock();
        items.iter().map(|item| lineup(&d, *item)).collect()
    }

    async fn insert_plan(&self, plan: &Plan) -> Result<(), RepoError> {
        let mut d = self.lock();
        let known = match plan.item() {
            ItemRef::Tool(t) => d.tools.contains_key(&t),
            ItemRef::Bundle(b) => d.bundles.contains_key(&b),
        };
        if !known {
            return Err(RepoError::NotFound);
        }
        if d.plans.iter().any(|p| p.id() == plan.id()) {
            return Err(RepoError::Conflict(Conflict::Key { table: "plans" }));
        }
        if d.plans
            .iter()
            .any(|p| p.item() == plan.item() && p.code() == plan.code())
        {
            return Err(RepoError::Conflict(Conflict::PlanCode));
        }
        d.plans.push(plan.clone());
        Ok(())
    }

    /// Meters are the metering context's: this fake keeps none (the store's tests and the
    /// API's read them back).
    async fn insert_tool_with_plans(
        &self,
        tool: &Tool,
        plans: &[Plan],
        _meters: &[marketplace_domain::plan::ToolMeter],
    ) -> Result<(), RepoError> {
        let mut d = self.lock();
        if d.tools.contains_key(&tool.id) {
            return Err(RepoError::Conflict(Conflict::Key { table: "tools" }));
        }
        if !d.sellers.contains_key(&tool.seller_id) {
            return Err(RepoError::NotFound);
        }
        for (i, plan) in plans.iter().enumerate() {
            if plan.item() != ItemRef::Tool(tool.id) {
                return Err(RepoError::NotFound);
            }
            if d.plans
                .iter()
                .chain(&plans[..i])
                .any(|p| p.id() == plan.id())
            {
                return Err(RepoError::Conflict(Conflict::Key { table: "plans" }));
            }
            if plans[..i].iter().any(|p| p.code() == plan.code()) {
                return Err(RepoError::Conflict(Conflict::PlanCode));
            }
        }
        d.tools.insert(tool.id, tool.clone());
        d.plans.extend(plans.iter().cloned());
        Ok(())
    }

    async fn update_tool_with_plans(
        &self,
        tool: &Tool,
        added: &[Plan],
        changed: &[Plan],
    ) -> Result<(), RepoError> {
        let mut d = self.lock();
        if !d.sellers.contains_key(&tool.seller_id) || !d.tools.contains_key(&tool.id) {
            return Err(RepoError::NotFound);
        }
        for (i, plan) in added.iter().enumerate() {
            if plan.item() != ItemRef::Tool(tool.id) {
                return Err(RepoError::NotFound);
            }
            if d.plans
                .iter()
                .chain(&added[..i])
                .any(|p| p.item() == plan.item() && p.code() == plan.code())
            {
                return Err(RepoError::Conflict(Conflict::PlanCode));
            }
        }
        if changed
            .iter()
            .any(|c| !d.plans.iter().any(|p| p.id() == c.id()))
        {
            return Err(RepoError::NotFound);
        }
        // Checked: now stored whole.
        let stored = d.tools.get_mut(&tool.id).ok_or(RepoError::NotFound)?;
        let (stats, created_at) = (stored.stats, stored.created_at);
        *stored = tool.clone();
        stored.stats = stats;
        stored.created_at = created_at;
        for c in changed {
            if let Some(p) = d.plans.iter_mut().find(|p| p.id() == c.id()) {
                *p = c.clone();
            }
        }
        d.plans.extend(added.iter().cloned());
        Ok(())
    }

    async fn update_plan(&self, plan: &Plan) -> Result<(), RepoError> {
        let mut d = self.lock();
        let stored = d
            .plans
            .iter_mut()
            .find(|p| p.id() == plan.id())
            .ok_or(RepoError::NotFound)?;
        // The item and the code never change: rebuild the plan on the stored ones.
        let (_, _, mut draft, status) = plan.clone().into_draft();
        draft.code = stored.code().clone();
        *stored = Plan::restore(plan.id(), stored.item(), draft, status).map_err(|e| {
            RepoError::Corrupt {
                table: "plans",
                detail: e.to_string(),
            }
        })?;
        Ok(())
    }

    async fn sale_record(&self, plan: PlanId) -> Result<SaleRecord, RepoError> {
        Ok(if self.lock().plan_sales.contains(&plan) {
            SaleRecord::Sold
        } else {
            SaleRecord::NeverSold
        })
    }
}
