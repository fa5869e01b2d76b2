//! What the listings use cases fail with.

use marketplace_domain::access::Forbidden;
use marketplace_domain::field::FieldError;
use marketplace_domain::ports::RepoError;

use crate::listing::ListingError;
use crate::ports::PublishError;

/// One error enum for the listings use cases; each variant says what the caller can do.
#[derive(Debug, thiserror::Error)]
pub enum ListingsError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No such listing in the caller's org (another org's is not found either, R-T3).
    #[error("not found")]
    NotFound,
    /// The caller's org manages no seller: register first (R-G1).
    #[error("the organization is not a seller")]
    NotASeller,
    /// The org already manages a seller with its profile.
    #[error("the organization is already registered as a seller")]
    AlreadyRegistered,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The state machine refused (an illegal move, failed checks, missing notes).
    #[error(transparent)]
    State(#[from] ListingError),
    /// Publishing refused the approved listing: the catalog's own rules disagree. The
    /// listing stays where it was.
    #[error("publishing refused the listing")]
    PublishRefused(Vec<FieldError>),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for ListingsError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            other => Self::Infrastructure(other),
        }
    }
}

impl From<PublishError> for ListingsError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Refused(faults) => Self::PublishRefused(faults),
            PublishError::Store(e) => Self::Infrastructure(e),
        }
    }
}
