//! A subscription's shape (R-B5).

use chrono::{DateTime, Utc};
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::lifecycle::SubscriptionView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire::MoneyDto;
use crate::wire::labels::{PaymentMethodLabel, SubscriptionStatusLabel};

/// One of the org's recurring purchases.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionDto {
    /// The purchase's id.
    pub id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<Uuid>,
    pub status: SubscriptionStatusLabel,
    /// The plan's code; null for a purchase that names no plan (bought before plans at a
    /// price no plan carries).
    #[schema(example = "PRO")]
    pub plan: Option<String>,
    /// A cheaper plan the subscription moves to at its next renewal (R-B9); null when
    /// none is scheduled.
    #[schema(example = "STANDARD")]
    pub pending_plan: Option<String>,
    pub current_period_start: DateTime<Utc>,
    /// Access holds strictly before it; it renews then unless `cancel_at_period_end`.
    pub current_period_end: DateTime<Utc>,
    pub cancel_at_period_end: bool,
    pub payment_method: PaymentMethodLabel,
}

impl From<SubscriptionView> for SubscriptionDto {
    fn from(v: SubscriptionView) -> Self {
        let s = v.summary;
        let (tool_id, bundle_id) = match s.item {
            ItemRef::Tool(t) => (Some(t.as_uuid()), None),
            ItemRef::Bundle(b) => (None, Some(b.as_uuid())),
        };
        Self {
            id: s.id.as_uuid(),
            tool_id,
            bundle_id,
            status: s.status.into(),
            plan: v.plan.map(|c| c.to_string()),
            pending_plan: v.pending_plan.map(|c| c.to_string()),
            current_period_start: s.period.start(),
            current_period_end: s.period.end(),
            cancel_at_period_end: s.cancel_at_period_end,
            payment_method: s.payment_method.into(),
        }
    }
}

/// POST /v1/subscriptions/{id}/change-plan.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePlanBody {
    /// The code of a plan of the subscription's item, of the same interval.
    #[garde(length(min = 1, max = 32))]
    #[schema(example = "PRO")]
    pub plan: String,
}

/// What a plan change did, with the subscription as it now stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanChangeDto {
    /// `upgraded` (applied now, the prorated difference charged), `downgrade_scheduled`
    /// (applies at the next renewal), `switched_during_trial` (applied now, free) or
    /// `scheduled_change_cancelled` (the current plan named again).
    #[schema(example = "upgraded")]
    pub change: String,
    /// What was charged now (the prorated difference of an upgrade); null when nothing.
    pub charged: Option<MoneyDto>,
    pub subscription: SubscriptionDto,
}
