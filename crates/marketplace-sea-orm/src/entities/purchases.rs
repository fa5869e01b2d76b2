//! `purchases`: purchases, one-time or recurring (R-R1).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "purchases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    pub user_id: Uuid,
    pub order_id: Uuid,
    pub purchase_type: String,
    pub tool_id: Option<Uuid>,
    pub bundle_id: Option<Uuid>,
    pub amount: Decimal,
    pub currency: String,
    pub payment_method: String,
    pub status: String,
    pub refunded_amount: Decimal,
    pub billing: String,
    pub period_start: Option<DateTimeUtc>,
    pub period_end: Option<DateTimeUtc>,
    pub auto_renew: bool,
    pub provider_subscription_id: Option<String>,
    /// The plan it was bought under (R-B1).
    pub plan_id: Option<Uuid>,
    /// When its trial ends, for a purchase that started with one (R-B10).
    pub trial_ends_at: Option<DateTimeUtc>,
    /// A downgrade waiting for the next renewal (R-B9).
    pub scheduled_plan_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
