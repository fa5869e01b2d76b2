//! POST /v1/webhooks/stripe: the provider's events. marketplace-stripe checks the signature
//! on the raw bytes and translates the event into the domain's; this route applies it
//! through its use case (each event exactly once, in any order) and answers Stripe.

use actix_web::{HttpRequest, HttpResponse, web};
use marketplace_domain::payment_events::{Handled, PaymentEvent, PaymentEventError};
use marketplace_services::service::ServicesError;
use marketplace_stripe::{StripeWebhook, Translated, WebhookError};
use serde_json::json;

use crate::error::{ApiError, ErrorBody};
use crate::state::Services;

/// The webhook signing secret, when Stripe is configured.
#[derive(Clone, Debug)]
pub struct WebhookSecret(pub Option<String>);

/// The endpoint deliveries are verified against; none when Stripe is not configured.
#[derive(Clone, Debug)]
pub struct WebhookEndpoint(Option<StripeWebhook>);

impl From<WebhookSecret> for WebhookEndpoint {
    /// An empty secret (the configuration refuses one) could verify nothing: no endpoint.
    fn from(secret: WebhookSecret) -> Self {
        Self(secret.0.and_then(|s| StripeWebhook::new(s).ok()))
    }
}

/// Stripe events are larger than API bodies.
const MAX_EVENT_BYTES: usize = 512 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/webhooks/stripe")
            .app_data(web::PayloadConfig::new(MAX_EVENT_BYTES))
            .route(web::post().to(stripe_webhook)),
    );
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
    endpoint: web::Data<WebhookEndpoint>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(webhook) = endpoint.0.as_ref() else {
        return Err(ApiError::bad_request(
            "Stripe webhooks are not configured on this service",
            vec![],
        ));
    };
    let signature = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|h| h.to_str().ok());
    // The signature's age is measured against the wall clock, as Stripe signs with it.
    let translated = webhook
        .verify_and_translate(signature, &body, chrono::Utc::now())
        .map_err(refused)?;
    let (event_id, event_type) = (
        translated.event_id().to_owned(),
        translated.event_type().to_owned(),
    );
    let result = apply(&svc, translated).await?;
    tracing::info!(%event_id, %event_type, result, "stripe event");
    Ok(HttpResponse::Ok().json(json!({"received": true, "result": result})))
}

/// Applies an event through its use case; once settled, what it did: `applied`,
/// `duplicate` or `ignored`.
async fn apply(svc: &Services, translated: Translated) -> Result<&'static str, ApiError> {
    match translated {
        Translated::Payment(received) => {
            if let PaymentEvent::PaymentSucceeded { reference } = &received.event {
                // A service transaction's card payment (R-X3): settled once, however often
                // delivered; a reference no transaction holds is the checkout's.
                match svc.services.card_payment_succeeded(reference).await {
                    Ok(Some(_)) => return Ok("applied"),
                    Ok(None) => return Ok("duplicate"),
                    Err(ServicesError::NotFound) => {}
                    Err(other) => return Err(other.into()),
                }
            }
            let handled = svc
                .payment_events
                .handle(received)
                .await
                .map_err(payment_event_error)?;
            Ok(match handled {
                Handled::Applied => "applied",
                Handled::Duplicate => "duplicate",
                Handled::Ignored => "ignored",
            })
        }
        // Recording what the account says is idempotent: a redelivery changes nothing.
        Translated::AccountUpdated { account, .. } => {
            let changed = svc
                .sellers
                .account_updated(&account.account_id, account.payouts_enabled)
                .await
                .map_err(|e| ApiError::Internal(anyhow::Error::new(e)))?;
            Ok(if changed { "applied" } else { "ignored" })
        }
        Translated::Irrelevant { .. } => Ok("ignored"),
    }
}

/// A refused delivery: 400, nothing changed, and the same bytes would be refused again.
fn refused(e: WebhookError) -> ApiError {
    match e {
        WebhookError::Unsigned => ApiError::bad_request("missing Stripe-Signature header", vec![]),
        WebhookError::Signature(why) => ApiError::bad_request(
            "invalid Stripe signature",
            vec![json!({"field": "Stripe-Signature", "message": why.to_string()})],
        ),
        WebhookError::Malformed(why) => ApiError::bad_request(
            "malformed Stripe event",
            vec![json!({"field": "body", "message": why.to_string()})],
        ),
    }
}

/// What a failed application answers: 503 when a redelivery can apply the event (what it
/// refers to is not in place yet), else the use case's own error.
fn payment_event_error(e: PaymentEventError) -> ApiError {
    match e {
        PaymentEventError::NotReady(why) => ApiError::Unavailable(anyhow::anyhow!(why)),
        PaymentEventError::Checkout(c) => c.into(),
        PaymentEventError::Purchase(p) => p.into(),
        PaymentEventError::Renewal(r) => r.into(),
        PaymentEventError::Infrastructure(i) => ApiError::Internal(anyhow::Error::new(i)),
    }
}
