//! The purchases' shapes: the purchase, the purchases filter and the refund request.

use chrono::{DateTime, Utc};
use marketplace_domain::item::ItemRef;
use marketplace_domain::money::Money;
use marketplace_domain::purchase::{Billing, Purchase, PurchaseStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::wire::labels::query::any_case;
use crate::wire::labels::{
    PaymentMethodLabel, PurchaseStatusLabel, PurchaseType, RenewalStatusLabel,
};
use crate::wire::{MoneyDto, page_request};
use marketplace_domain::paging::PageRequest;

/// A purchase of a tool or a bundle.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseDto {
    pub id: Uuid,
    pub order_id: Uuid,
    pub purchase_type: PurchaseType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<Uuid>,
    pub status: PurchaseStatusLabel,
    pub amount: MoneyDto,
    pub refunded: MoneyDto,
    pub payment_method: PaymentMethodLabel,
    /// The end of the paid period, for recurring purchases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_period_end: Option<DateTime<Utc>>,
    pub auto_renew: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Purchase> for PurchaseDto {
    fn from(p: Purchase) -> Self {
        let (tool_id, bundle_id) = match p.item() {
            ItemRef::Tool(t) => (Some(t.as_uuid()), None),
            ItemRef::Bundle(b) => (None, Some(b.as_uuid())),
        };
        let (current_period_end, auto_renew) = match p.billing() {
            Billing::OneTime => (None, false),
            Billing::Recurring {
                period, auto_renew, ..
            } => (Some(period.end()), *auto_renew),
        };
        Self {
            id: p.id().as_uuid(),
            order_id: p.order_id().as_uuid(),
            purchase_type: p.item().kind().into(),
            tool_id,
            bundle_id,
            status: p.status().into(),
            amount: p.amount().into(),
            refunded: p.refunded().into(),
            payment_method: p.payment_method().into(),
            current_period_end,
            auto_renew,
            created_at: p.created_at(),
        }
    }
}

/// The purchases filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurchasesQuery {
    /// ACTIVE, CANCELLED, EXPIRED or REFUNDED.
    #[serde(default, deserialize_with = "any_case")]
    #[param(value_type = Option<PurchaseStatusLabel>)]
    pub status: Option<PurchaseStatus>,
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
    /// Default 0.
    pub offset: Option<u64>,
}

impl PurchasesQuery {
    /// The page asked for.
    ///
    /// # Errors
    /// [`BadRequest`] for a limit outside 1..=100.
    pub fn page(&self) -> Result<PageRequest, BadRequest> {
        page_request(self.limit, self.offset)
    }
}

/// POST /v1/admin/purchases/{id}/refund: no amount refunds all that remains.
#[derive(Debug, Default, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    #[garde(skip)]
    pub amount: Option<MoneyDto>,
}

/// How much to refund: `None` for all that remains.
#[derive(Debug)]
pub struct RefundAmount(pub Option<Money>);

impl TryFrom<RefundBody> for RefundAmount {
    type Error = BadRequest;

    fn try_from(b: RefundBody) -> Result<Self, BadRequest> {
        b.amount
            .map(|m| m.parse_field("amount"))
            .transpose()
            .map(Self)
    }
}

/// One period's renewal of a recurring purchase (R-B6): paid by credits, by the card's
/// provider, or by a renewal invoice an admin marks paid.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalDto {
    pub purchase_id: Uuid,
    /// PAST_DUE, INVOICED or COLLECTED.
    pub status: RenewalStatusLabel,
    /// The renewal invoice's number (`REN-000042`), for an invoice payer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    pub amount: MoneyDto,
    pub refunded: MoneyDto,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// When the grace ends: payable until then (PAST_DUE and INVOICED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<DateTime<Utc>>,
}

impl From<marketplace_domain::renewal::RenewalCharge> for RenewalDto {
    fn from(r: marketplace_domain::renewal::RenewalCharge) -> Self {
        use marketplace_domain::renewal::RenewalState;
        let (due_at, collected_at) = match r.state {
            RenewalState::PastDue { grace_ends } => (Some(grace_ends), None),
            RenewalState::Invoiced { due, .. } => (Some(due), None),
            RenewalState::Collected { at, .. } => (None, Some(at)),
        };
        Self {
            purchase_id: r.purchase_id.as_uuid(),
            status: r.state.status().into(),
            invoice_number: r.invoice().map(|n| n.to_string()),
            amount: r.amount.into(),
            refunded: r.refunded.into(),
            period_start: r.period.start(),
            period_end: r.period.end(),
            due_at,
            collected_at,
        }
    }
}
