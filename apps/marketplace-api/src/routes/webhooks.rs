//! POST /v1/webhooks/stripe: the provider's events. The signature is checked on the raw
//! bytes before anything is parsed; each event is applied exactly once, in any order.

use actix_web::{HttpRequest, HttpResponse, web};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::payment_events::{Handled, PaymentEvent, PaymentEventError, ReceivedEvent};
use marketplace_stripe::webhook::{
    DEFAULT_TOLERANCE_SECS, EventData, StripeEvent, parse_event, verify_signature,
};
use serde_json::json;

use crate::error::{ApiError, ErrorBody};
use crate::state::Services;

/// The webhook signing secret, when Stripe is configured.
#[derive(Clone, Debug)]
pub struct WebhookSecret(pub Option<String>);

/// Stripe events are larger than API bodies.
const MAX_EVENT_BYTES: usize = 512 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks/stripe")
            .app_data(web::PayloadConfig::new(MAX_EVENT_BYTES))
            .route(web::post().to(stripe_webhook)),
    );
}

/// Maps a verified Stripe event to what the domain acts on.
fn domain_event(event: &StripeEvent) -> PaymentEvent {
    let ts = |secs: i64| chrono::DateTime::from_timestamp(secs, 0);
    match &event.data {
        // A payment intent without an order is not a checkout's (e.g. a subscription
        // invoice's): nothing to fulfil.
        EventData::PaymentIntentSucceeded {
            intent_id,
            order_id: Some(_),
            ..
        } => PaymentEvent::PaymentSucceeded {
            reference: intent_id.clone(),
        },
        EventData::PaymentIntentFailed {
            intent_id,
            order_id: Some(_),
            decline_code,
            ..
        } => PaymentEvent::PaymentFailed {
            reference: intent_id.clone(),
            code: decline_code.clone(),
        },
        EventData::ChargeRefunded {
            payment_intent: Some(reference),
            amount_refunded_minor,
            currency,
            ..
        } => match Currency::parse(&currency.to_uppercase()) {
            Ok(c) => PaymentEvent::Refunded {
                reference: reference.clone(),
                total_refunded: Money::from_minor(*amount_refunded_minor, c),
            },
            Err(_) => PaymentEvent::Ignored,
        },
        EventData::InvoicePaid {
            subscription_id,
            period_end,
            ..
        } => PaymentEvent::RenewalPaid {
            subscription: subscription_id.clone(),
            paid_until: period_end.and_then(ts),
        },
        EventData::InvoicePaymentFailed {
            subscription_id, ..
        } => PaymentEvent::RenewalFailed {
            subscription: subscription_id.clone(),
        },
        EventData::SubscriptionUpdated {
            subscription_id,
            cancel_at_period_end,
            ..
        } => PaymentEvent::SubscriptionChanged {
            subscription: subscription_id.clone(),
            cancel_at_period_end: *cancel_at_period_end,
        },
        EventData::SubscriptionDeleted {
            subscription_id, ..
        } => PaymentEvent::SubscriptionEnded {
            subscription: subscription_id.clone(),
        },
        _ => PaymentEvent::Ignored,
    }
}

/// Receives a Stripe event. A bad signature, a stale timestamp or a tampered body is 400
/// and changes nothing; a redelivered event answers 200 and changes nothing; an event that
/// refers to something not in place yet answers 503 so Stripe delivers it again.
#[utoipa::path(
    post, path = "/v1/webhooks/stripe", tag = "webhooks",
    params(("Stripe-Signature" = String, Header, description = "t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">")),
    request_body(content = String, description = "The raw Stripe event", content_type = "application/json"),
    responses(
        (status = 200, description = "Applied, duplicate or ignored (see `result`)"),
        (status = 400, description = "Bad signature, stale timestamp or malformed event", body = ErrorBody),
        (status = 503, description = "Not applicable yet; Stripe will redeliver", body = ErrorBody),
    )
)]
pub async fn stripe_webhook(
    svc: web::Data<Services>,
    secret: web::Data<WebhookSecret>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(secret) = secret.0.as_deref() else {
        return Err(ApiError::bad_request(
            "Stripe webhooks are not configured on this service",
            vec![],
        ));
    };
    let header = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::bad_request("missing Stripe-Signature header", vec![]))?;
    verify_signature(
        &body,
        header,
        secret,
        chrono::Utc::now().timestamp(),
        DEFAULT_TOLERANCE_SECS,
    )
    .map_err(|e| {
        ApiError::bad_request(
            "invalid Stripe signature",
            vec![json!({"field": "Stripe-Signature", "message": e.to_string()})],
        )
    })?;
    let event = parse_event(&body).map_err(|e| {
        ApiError::bad_request(
            "malformed Stripe event",
            vec![json!({"field": "body", "message": e.to_string()})],
        )
    })?;
    // A seller's Connect account changed: record whether it may receive payouts
    // (idempotent, so a redelivery changes nothing).
    if let EventData::AccountUpdated {
        account_id,
        payouts_enabled,
        ..
    } = &event.data
    {
        svc.sellers
            .account_updated(account_id, *payouts_enabled)
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e)))?;
    }
    let received = ReceivedEvent {
        id: event.id.clone(),
        kind: event.event_type.clone(),
        event: domain_event(&event),
    };
    let handled = svc
        .payment_events
        .handle(received)
        .await
        .map_err(|e| match e {
            PaymentEventError::NotReady(why) => ApiError::Unavailable(anyhow::anyhow!(why)),
            PaymentEventError::Checkout(c) => c.into(),
            PaymentEventError::Purchase(p) => p.into(),
            PaymentEventError::Infrastructure(i) => ApiError::Internal(anyhow::Error::new(i)),
        })?;
    let result = match handled {
        Handled::Applied => "applied",
        Handled::Duplicate => "duplicate",
        Handled::Ignored => "ignored",
    };
    tracing::info!(event_id = %event.id, event_type = %event.event_type, result, "stripe event");
    Ok(HttpResponse::Ok().json(json!({"received": true, "result": result})))
}
