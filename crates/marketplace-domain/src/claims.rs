//! Units of a job's work claimed before they run (R-T10), so two replicas running the
//! same job never run the same unit at once. The work stays idempotent; the claim keeps
//! two replicas from racing through it.

use async_trait::async_trait;
use uuid::Uuid;

use crate::ports::RepoError;

/// A claim held on one unit; releasing it (or dropping it) lets another replica take the
/// unit again.
#[async_trait]
pub trait Claim: Send {
    async fn release(self: Box<Self>);
}

/// Takes claims on units of work.
#[async_trait]
pub trait UnitClaims: Send + Sync {
    /// The claim on `job`'s `unit`, or `None` when another replica holds it now.
    async fn try_claim(
        &self,
        job: &'static str,
        unit: Uuid,
    ) -> Result<Option<Box<dyn Claim>>, RepoError>;
}

/// Claims that always succeed: one process alone (SQLite, tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct SoleProcess;

struct Nothing;

#[async_trait]
impl Claim for Nothing {
    async fn release(self: Box<Self>) {}
}

#[async_trait]
impl UnitClaims for SoleProcess {
    async fn try_claim(
        &self,
        _job: &'static str,
        _unit: Uuid,
    ) -> Result<Option<Box<dyn Claim>>, RepoError> {
        Ok(Some(Box::new(Nothing)))
    }
}
