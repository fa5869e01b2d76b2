//! The v1 routes, one module per concept: each handler extracts, converts the request into
//! a domain command, calls one use case and converts the result into its response shape.

pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod cart;
pub mod catalog;
pub mod catalog_admin;
pub mod entitlements;
pub mod health;
pub mod installations;
pub mod licenses;
pub mod listings;
pub mod me;
pub mod moderation;
pub mod orders;
pub mod orgs;
pub mod plans;
pub mod purchases;
pub mod reviews;
pub mod sellers;
pub mod services;
pub mod stats;
pub mod subscriptions;
pub mod usage;
pub mod versions;
pub mod webhooks;

use actix_web::web;

/// Mounts every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    cfg.service(
        web::scope("/v1")
            .wrap(actix_web::middleware::from_fn(crate::rate_limit::limit))
            .configure(catalog::configure)
            .configure(cart::configure)
            .configure(orders::configure)
            .configure(purchases::configure)
            .configure(subscriptions::configure)
            .configure(entitlements::configure)
            .configure(stats::configure)
            .configure(reviews::configure)
            .configure(moderation::configure)
            .configure(catalog_admin::configure)
            .configure(plans::configure)
            .configure(orgs::configure)
            .configure(audit::configure)
            .configure(me::configure)
            .configure(sellers::configure)
            .configure(analytics::configure)
            .configure(installations::configure)
            .configure(versions::configure)
            .configure(api_keys::configure)
            .configure(licenses::configure)
            .configure(listings::configure)
            .configure(services::configure)
            .configure(usage::configure)
            .configure(webhooks::configure),
    );
}
