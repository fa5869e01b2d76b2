//! A subscription's shape (R-B5).

use chrono::{DateTime, Utc};
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::lifecycle::SubscriptionView;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

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
            current_period_start: s.period.start(),
            current_period_end: s.period.end(),
            cancel_at_period_end: s.cancel_at_period_end,
            payment_method: s.payment_method.into(),
        }
    }
}
