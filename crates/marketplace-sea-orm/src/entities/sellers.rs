//! `sellers`: sellers with their revenue terms (R-M2), connected account and payout settings.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sellers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub fee_rate: Decimal,
    pub org_id: Option<Uuid>,
    pub stripe_account_id: Option<String>,
    pub payouts_enabled: bool,
    pub payout_minimum: Decimal,
    pub payout_currency: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
