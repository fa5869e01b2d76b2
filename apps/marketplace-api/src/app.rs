//! The application as actix sees it: routes, extractor settings, shared state, the rate
//! limiter and the error-shaped 404 for unknown paths.

use actix_web::{HttpResponse, web};

use crate::auth::TokenKeys;
use crate::error::ApiError;
use crate::rate_limit::{Limits, RateLimiter};
use crate::routes::webhooks::{WebhookEndpoint, WebhookSecret};
use crate::state::Services;

/// Everything a server (or a test server) mounts, without Stripe webhooks.
pub fn configure(services: Services, keys: TokenKeys) -> impl FnOnce(&mut web::ServiceConfig) {
    configure_with_webhooks(services, keys, WebhookSecret(None))
}

/// Everything a server mounts, with the Stripe webhook signing secret when configured,
/// under the default rate limits.
pub fn configure_with_webhooks(
    services: Services,
    keys: TokenKeys,
    webhook_secret: WebhookSecret,
) -> impl FnOnce(&mut web::ServiceConfig) {
    configure_with(
        services,
        keys,
        webhook_secret,
        web::Data::new(RateLimiter::new(Limits::DEFAULT)),
    )
}

/// Everything a server mounts, under its rate limiter (R-T7). A server builds the limiter
/// once and hands every worker the same one, so a caller has one bucket per process.
pub fn configure_with(
    services: Services,
    keys: TokenKeys,
    webhook_secret: WebhookSecret,
    limiter: web::Data<RateLimiter>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(services))
            .app_data(limiter)
            .app_data(web::Data::new(keys))
            .app_data(web::Data::new(WebhookEndpoint::from(webhook_secret)))
            .configure(crate::extract::configure)
            .configure(crate::openapi::configure)
            .configure(crate::routes::configure)
            .default_service(web::to(not_found));
    }
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NoRoute)
}
