//! The orders' shapes: the checkout request (body and Idempotency-Key) and the order.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use marketplace_domain::checkout::{Confirmation, IdempotencyKey, Order};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::BadRequest;
use crate::wire::MoneyDto;
use crate::wire::labels::{IntervalLabel, ItemType, OrderStatusLabel, PaymentMethodLabel};

/// POST /v1/checkout.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    #[garde(skip)]
    pub payment_method: PaymentMethodLabel,
}

/// The `Idempotency-Key` header a checkout requires (R-O2).
#[derive(Debug)]
pub struct IdempotencyKeyHeader(pub IdempotencyKey);

impl TryFrom<&HttpRequest> for IdempotencyKeyHeader {
    type Error = BadRequest;

    fn try_from(req: &HttpRequest) -> Result<Self, BadRequest> {
        const FIELD: &str = "Idempotency-Key";
        let raw = req.headers().get(FIELD).ok_or_else(|| {
            BadRequest::new("the Idempotency-Key header is required").with(FIELD, "required")
        })?;
        IdempotencyKey::parse(raw.to_str().unwrap_or_default())
            .map(Self)
            .map_err(|m| BadRequest::new("invalid Idempotency-Key").with(FIELD, m))
    }
}

impl FromRequest for IdempotencyKeyHeader {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::try_from(req).map_err(ApiError::from))
    }
}

/// An order line with its price snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineDto {
    pub item_type: ItemType,
    pub item_id: Uuid,
    pub name: String,
    /// What the line charged at checkout: its plan's price, 0 during a trial.
    pub price_at_purchase: MoneyDto,
    /// The plan it was bought under (R-B3); null for an order placed before plans.
    #[schema(example = "PRO")]
    pub plan: Option<String>,
    /// How often that plan is paid; null without a plan.
    pub interval: Option<IntervalLabel>,
    /// Free days granted with the line (R-B10); 0 when it was paid at once.
    pub trial_days: u8,
}

/// What a client needs to pay a card order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    pub reference: String,
    pub client_secret: Option<String>,
}

/// An order with its lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    pub id: Uuid,
    pub status: OrderStatusLabel,
    pub payment_method: PaymentMethodLabel,
    pub total: MoneyDto,
    pub refunded: MoneyDto,
    pub lines: Vec<OrderLineDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Order> for OrderDto {
    fn from(o: Order) -> Self {
        Self {
            id: o.id().as_uuid(),
            status: o.status().into(),
            payment_method: o.payment_method().into(),
            total: o.total().into(),
            refunded: o.refunded().into(),
            lines: o
                .lines()
                .iter()
                .map(|l| OrderLineDto {
                    item_type: l.item.kind().into(),
                    item_id: l.item.uuid(),
                    name: l.name.clone(),
                    price_at_purchase: l.price_at_purchase.into(),
                    plan: l.plan.as_ref().map(|p| p.code.to_string()),
                    interval: l.plan.as_ref().map(|p| p.interval.into()),
                    trial_days: l
                        .plan
                        .as_ref()
                        .and_then(|p| p.trial)
                        .map_or(0, |t| t.days()),
                })
                .collect(),
            payment: o.payment().map(|p| PaymentDto {
                reference: p.reference.clone(),
                client_secret: p.client_secret.clone(),
            }),
            failure_reason: o.failure_reason().map(str::to_owned),
            created_at: o.created_at(),
            updated_at: o.updated_at(),
        }
    }
}

impl From<Confirmation> for OrderDto {
    /// A settled invoice: the order, fulfilled or failed (its reason says why).
    fn from(c: Confirmation) -> Self {
        match c {
            Confirmation::Fulfilled(o) | Confirmation::AlreadyFulfilled(o) => o.into(),
            Confirmation::FailedAlreadyOwned { order, .. } => order.into(),
        }
    }
}
