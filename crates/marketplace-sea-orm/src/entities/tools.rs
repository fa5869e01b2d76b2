//! `tools`: the global catalog's tools (R-C1), with their denormalised counters.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tools")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub long_description: Option<String>,
    pub category: String,
    pub price_model: String,
    pub price_amount: Decimal,
    pub currency: String,
    pub required_tier: String,
    pub integration_type: String,
    pub status: String,
    pub seller_id: Uuid,
    pub documentation_url: Option<String>,
    pub demo_url: Option<String>,
    pub support_url: Option<String>,
    pub icon_url: Option<String>,
    pub version: String,
    pub is_featured: bool,
    pub purchase_count: i32,
    pub view_count: i32,
    pub avg_rating: Option<Decimal>,
    pub review_count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
