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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
