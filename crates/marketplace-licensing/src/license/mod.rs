//! Licenses (R-L1, R-L4..R-L6): the record that comes with every entitlement to a tool,
//! its signed key, online validation and activations. The key format, signatures and
//! offline checks (R-L2, R-L3) are `marketplace-license`'s; this module keeps the records
//! and the service's side.
//!
//! - R-L1 Every entitlement to a tool comes with a license: its terms from the plan (5
//!   activations unless the plan says), ACTIVE, expiring with the paid period or never
//!   ([`License::issue`], [`LicenseService::issue`]).
//! - R-L4 Online validation answers every well-formed request with a signed answer, its
//!   code in the rule's precedence ([`LicenseService::validate`], [`ValidateLicense`]).
//! - R-L5 Activations by fingerprint, idempotent, never over the limit: the store decides
//!   atomically ([`LicenseRepository::activate`], [`LicenseService::activate`]).
//! - R-L6 A license follows its entitlement ([`EntitlementChange`], [`License::follow`],
//!   [`LicenseService::follow`]).

pub mod activation;
mod authentic;
pub mod follow;
pub mod ports;
pub mod record;
pub mod request;
pub mod service;
pub mod signing;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod service_tests;

pub use activation::{ActivationOutcome, Fingerprint, MachineName, NewActivation};
pub use follow::{
    EntitlementChange, EntitlementGranted, EntitlementStanding, EntitlementState, FollowError,
};
pub use ports::{EntitlementFeed, LicenseEntry, LicenseRepository, LicenseUnderValidation};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockEntitlementFeed, MockLicenseRepository};
pub use record::{License, LicenseError, LicenseStatus, PlanTerms, StoredLicense};
pub use request::{
    ActivateLicense, DeactivateLicense, InvalidLicenseRequest, PresentedKey, ValidateLicense,
};
pub use service::{
    ActivateError, Activation, DeactivateError, Deactivation, FollowEntitlementError,
    FollowedLicense, GetLicenseError, IssueLicenseError, IssuedLicense, LicenseService,
    LicenseView, ListLicensesError, NotFoundReason, Validation,
};
pub use signing::{KeySlot, SigningKeys, SigningKeysError};
