//! `order_lines`: an order's lines at their snapshot prices.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub org_id: Uuid,
    pub position: i32,
    pub item_type: String,
    pub tool_id: Option<Uuid>,
    pub bundle_id: Option<Uuid>,
    pub price_at_purchase: Decimal,
    pub currency: String,
    /// The plan the line is bought under, as it stood at checkout (R-B3, R-B10).
    pub plan_id: Option<Uuid>,
    pub plan_code: Option<String>,
    pub billing_interval: Option<String>,
    pub trial_days: Option<i16>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
