//! The OpenAPI 3 document, generated from the handlers' annotations, and the offline docs
//! page.

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::rate_limit::openapi::RateLimitedResponses;
use crate::routes::sellers::{admin as seller_admin, payouts, profile, statements};
use crate::routes::services::{messages, offers, own, providers, ratings, transactions};
use crate::routes::{
    analytics, api_keys, audit, cart, catalog, catalog_admin, entitlements, health, installations,
    licenses, listings, me, moderation, orders, orgs, plans, purchases, reviews, stats,
    subscriptions, usage, versions, webhooks,
};

/// Declares the two schemes of the `Authorization` header: `bearer` (a user's JWT) and
/// `api_key` (`ApiKey <key>`, an org's machine credential; each operation lists the scope
/// it needs).
#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`ApiKey <key>`: an org's API key (R-A3). It acts for its org with its scopes \
                 only; an operation accepting it lists the scope it needs.",
            ))),
        );
    }
}

/// The whole v1 contract.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Marketplace API",
        version = "1.0.0",
        description = "Sell add-on tools and bundles to the organizations of a SaaS platform. \
            Errors always have the shape {\"error\": {\"code\", \"message\", \"reason\"?, \"details\"?}}."
    ),
    paths(
        health::healthz, health::readyz,
        catalog::list_tools, catalog::get_tool, catalog::list_categories, catalog::list_bundles, catalog::get_bundle,
        cart::get_cart, cart::add_item, cart::remove_item, cart::clear_cart,
        orders::checkout, orders::list_orders, orders::get_order, orders::cancel_order,
        purchases::list_purchases, purchases::cancel_purchase, entitlements::list_entitlements, stats::stats,
        subscriptions::list_subscriptions, subscriptions::get_subscription, subscriptions::cancel_subscription, subscriptions::change_plan,
        reviews::list_reviews, reviews::put_my_review, reviews::delete_my_review, reviews::mark_helpful,
        reviews::flag_review, moderation::moderation_queue, moderation::moderate,
        catalog_admin::create_tool, catalog_admin::update_tool, catalog_admin::create_bundle, catalog_admin::update_bundle,
        plans::add_tool_plan, plans::edit_tool_plan, plans::add_bundle_plan, plans::edit_bundle_plan,
        orgs::put_org, orgs::grant_credits, orders::mark_paid, purchases::refund,
        purchases::mark_renewal_invoice_paid,
        webhooks::stripe_webhook,
        seller_admin::create_seller, seller_admin::list_sellers, seller_admin::update_seller, seller_admin::assign_tool,
        statements::revenue_report, profile::my_seller, statements::my_statement, statements::my_statement_csv,
        payouts::my_payouts, statements::seller_statement, payouts::start_onboarding,
        versions::list_versions, versions::publish_version, versions::yank_version, versions::notify_update,
        versions::platform_install_stats, versions::seller_install_stats,
        versions::platform_install_attempts, versions::seller_install_attempts,
        installations::plan, installations::apply, installations::rollback, installations::list_installations,
        installations::updates, installations::history, installations::notices, installations::mark_notice_read,
        api_keys::create_api_key, api_keys::list_api_keys, api_keys::revoke_api_key,
        licenses::list_licenses, licenses::get_license, licenses::public_keys,
        licenses::validate, licenses::activate, licenses::deactivate,
        listings::register, listings::my_profile, listings::create_listing, listings::list_listings,
        listings::get_listing, listings::revise_listing, listings::check_listing, listings::submit_listing,
        listings::list_notices, listings::dashboard, listings::get_opt_in, listings::put_opt_in,
        listings::listing_queue, listings::moderate_listing,
        usage::report_events, usage::usage_report, usage::access, usage::my_packs, usage::define_meter,
        analytics::tools_analytics, analytics::my_analytics,
        offers::list_services, offers::get_service, providers::my_provider, providers::put_provider,
        own::my_services, own::archive_service,
        transactions::start_transaction, transactions::list_transactions, transactions::get_transaction,
        transactions::invoice, transactions::pay, transactions::mark_paid, transactions::complete,
        transactions::cancel, transactions::refund,
        messages::transaction_messages, messages::post_transaction_message, messages::my_enquiry,
        messages::enquire, messages::list_enquiries, messages::enquiry_messages, messages::reply,
        ratings::rate, ratings::rating_queue, ratings::moderate_rating,
        audit::platform_audit, audit::org_audit,
        me::export, me::erase_me, me::erase_user,
    ),
    modifiers(&BearerAuth, &RateLimitedResponses),
    tags(
        (name = "catalog", description = "Tools, bundles and categories: the global catalog"),
        (name = "cart", description = "The caller's cart, priced live"),
        (name = "orders", description = "Checkout and orders"),
        (name = "purchases", description = "Purchases, entitlements and figures of the caller's org"),
        (name = "reviews", description = "Reviews, helpful votes and flags"),
        (name = "moderation", description = "Review and listing moderation"),
        (name = "admin", description = "Platform administration"),
        (name = "sellers", description = "Sellers: administration, revenue reports, statements, payouts and Stripe Connect onboarding"),
        (name = "modules", description = "Module versions and install success rates"),
        (name = "installations", description = "The org's modules: plans, generations, rollbacks, updates and notices"),
        (name = "api-keys", description = "An org's API keys: machine credentials with scopes"),
        (name = "listings", description = "Sellers publish: registration, listings, automated checks, notices, opt-in and the dashboard"),
        (name = "licenses", description = "Licenses: the org's license keys, public verification keys, online validation and activations"),
        (name = "usage", description = "Usage metering: events reported by hosts, usage reports, the access answer and the org's packs"),
        (name = "services", description = "Services and messages: providers, published services, transactions with invoices and platform fees, message threads and provider ratings"),
        (name = "analytics", description = "Tool page views, purchases and conversion per month, for catalog admins and sellers"),
        (name = "me", description = "The caller's personal data: its export and its erasure"),
        (name = "health", description = "Liveness and readiness"),
        (name = "webhooks", description = "Events from the payment provider"),
    )
)]
pub struct ApiDoc;

/// Serves `/openapi.json` and the docs page at `/docs` (assets vendored: no internet).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi()))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        );
}
