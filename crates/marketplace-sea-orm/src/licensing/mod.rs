//! The licensing context's ports: [`ApiKeyRepository`] and [`LicenseRepository`] over the
//! `api_keys`, `licenses` and `license_activations` tables, and [`EntitlementFeed`].
//!
//! Scopes follow the ports' documents. Tenant-scoped methods (an org's keys, an org's list
//! of licenses) run in the org's transaction, under row-level security on PostgreSQL and
//! with an `org_id` filter in SQL on both backends. The cross-tenant ones (a key found by
//! its digest; a license reached by its id or its entitlement, since a license key is a
//! bearer credential and entitlement changes come from platform jobs) run on the platform
//! pool, which logs in as its own role on PostgreSQL (ADR 0011).
//!
//! [`EntitlementFeed`] reads the entitlements and purchases tables (platform scope): the
//! entitlements without a license, and where one entitlement stands.
//!
//! [`ApiKeyRepository`]: marketplace_licensing::api_key::ApiKeyRepository
//! [`EntitlementFeed`]: marketplace_licensing::license::EntitlementFeed
//! [`LicenseRepository`]: marketplace_licensing::license::LicenseRepository

mod api_keys;
pub(crate) mod entities;
mod entitlements;
mod licenses;
