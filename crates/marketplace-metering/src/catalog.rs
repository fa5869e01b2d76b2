//! The meters an org may report against: those of the tools it is entitled to (R-U2).

use std::collections::HashMap;

use crate::event::RejectionReason;
use crate::ids::ToolId;
use crate::meter::{Meter, MeterKey};

/// For one org: each tool it is entitled to, with that tool's meters. The service fills it
/// from the entitlements and the catalog before validating a batch.
#[derive(Clone, Debug, Default)]
pub struct MeterCatalog {
    tools: HashMap<ToolId, HashMap<MeterKey, Meter>>,
}

impl MeterCatalog {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the org is entitled to `tool`, which defines `meters`.
    #[must_use]
    pub fn with_tool(mut self, tool: ToolId, meters: impl IntoIterator<Item = Meter>) -> Self {
        let meters = meters
            .into_iter()
            .map(|meter| (meter.key().clone(), meter))
            .collect();
        self.tools.insert(tool, meters);
        self
    }

    /// The meter an event names.
    ///
    /// # Errors
    /// [`RejectionReason::NotEntitled`] when the org holds no entitlement to the tool
    /// (checked first, so an org learns nothing of the meters of tools it does not hold),
    /// [`RejectionReason::UnknownMeter`] when the tool has no such meter.
    pub fn meter(&self, tool: ToolId, key: &str) -> Result<&Meter, RejectionReason> {
        let meters = self
            .tools
            .get(&tool)
            .ok_or(RejectionReason::NotEntitled { tool })?;
        meters
            .get(key)
            .ok_or_else(|| RejectionReason::UnknownMeter {
                tool,
                meter: key.to_owned(),
            })
    }
}
