//! Sellers: administration by platform admins, the seller's own profile, statements and
//! revenue reports, payouts and Stripe Connect onboarding. A seller's users are the
//! members of the org that manages it; any other caller gets 404, never a hint that the
//! seller exists.

pub mod admin;
pub mod payouts;
pub mod profile;
pub mod statements;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(admin::configure)
        .configure(profile::configure)
        .configure(statements::configure)
        .configure(payouts::configure);
}
