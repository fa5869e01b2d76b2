//! Defining a tool's meters (R-U1): what `POST /v1/admin/tools/{id}/meters` does. Catalog
//! admins define meters; plans' quotas and usage events then name them by key.

use std::sync::Arc;

use marketplace_kernel::access::{AccessPolicy, Actor, Forbidden, Permission};
use marketplace_kernel::ids::ToolId;
use marketplace_kernel::store::RepoError;

use crate::meter::Meter;

use super::ports::{Defined, MeterRegistry};

/// What defining a meter did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeterDefinition {
    /// The meter is new.
    Created(Meter),
    /// The tool already defined this very meter: a repeat changes nothing.
    Unchanged(Meter),
}

/// Why a meter was not defined.
#[derive(Debug, thiserror::Error)]
pub enum DefineMeterError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("no such tool")]
    ToolNotFound,
    /// The tool defines a meter of this key with another aggregation, unit or property:
    /// a meter never changes once defined, since counted events keep its meaning.
    #[error("the tool already defines meter {} differently", existing.key())]
    Taken { existing: Meter },
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

/// Defines meters.
#[derive(Clone)]
pub struct MeterService {
    registry: Arc<dyn MeterRegistry>,
}

impl std::fmt::Debug for MeterService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeterService").finish_non_exhaustive()
    }
}

impl MeterService {
    pub fn new(registry: Arc<dyn MeterRegistry>) -> Self {
        Self { registry }
    }

    /// R-U1: defines `meter` for `tool`. The same definition again is answered as
    /// unchanged; another definition under a key already taken is refused.
    ///
    /// # Errors
    /// [`DefineMeterError::Forbidden`] without `ManageCatalog` (nothing is read),
    /// [`DefineMeterError::ToolNotFound`], [`DefineMeterError::Taken`],
    /// [`DefineMeterError::Infrastructure`].
    pub async fn define(
        &self,
        actor: &Actor,
        tool: ToolId,
        meter: Meter,
    ) -> Result<MeterDefinition, DefineMeterError> {
        AccessPolicy.require(actor, Permission::ManageCatalog)?;
        match self.registry.define(tool, &meter).await {
            Ok(Defined::New) => Ok(MeterDefinition::Created(meter)),
            Ok(Defined::Existing(existing)) if existing == meter => {
                Ok(MeterDefinition::Unchanged(existing))
            }
            Ok(Defined::Existing(existing)) => Err(DefineMeterError::Taken { existing }),
            Err(RepoError::NotFound) => Err(DefineMeterError::ToolNotFound),
            Err(e) => Err(DefineMeterError::Infrastructure(e)),
        }
    }
}
