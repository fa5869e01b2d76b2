//! `plans`: the plans each tool or bundle is sold through (R-B1).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub item_type: String,
    pub tool_id: Option<Uuid>,
    pub bundle_id: Option<Uuid>,
    pub code: String,
    pub name: String,
    pub price_amount: Decimal,
    pub currency: String,
    pub billing_interval: String,
    pub trial_days: i16,
    /// `[{"meter", "limit", "hard", "overage_unit_price"}]`, decimals as strings.
    pub quotas: Json,
    pub provider_price_id: Option<String>,
    pub status: String,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
