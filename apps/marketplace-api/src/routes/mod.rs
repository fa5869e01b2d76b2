//! The v1 routes: each handler extracts, validates, calls one use case and maps the result.

pub mod admin;
pub mod cart;
pub mod catalog;
pub mod health;
pub mod orders;
pub mod purchases;
pub mod reviews;
pub mod sellers;
pub mod webhooks;

use actix_web::web;

/// Mounts every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    cfg.service(
        web::scope("/v1")
            .configure(catalog::configure)
            .configure(cart::configure)
            .configure(orders::configure)
            .configure(purchases::configure)
            .configure(reviews::configure)
            .configure(admin::configure)
            .configure(sellers::configure)
            .configure(webhooks::configure),
    );
}
