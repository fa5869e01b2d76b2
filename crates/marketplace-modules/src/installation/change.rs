//! What an org asks to change: tools to install (or move to other versions) and tools to
//! uninstall, in one request, planned and applied as one generation.

use std::collections::{BTreeMap, BTreeSet};

use marketplace_kernel::field::FieldError;
use marketplace_kernel::ids::ToolId;

use crate::requirement::Requirement;
use crate::uninstall::Cascade;

/// Installs and uninstalls asked for together. Never empty, and never asks to install and
/// uninstall the same tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    install: BTreeMap<ToolId, Requirement>,
    uninstall: BTreeSet<ToolId>,
    cascade: Cascade,
}

impl ChangeRequest {
    /// A request installing each tool of `install` at a version its requirement admits,
    /// and uninstalling each of `uninstall`; `cascade` says whether installed tools that
    /// require an uninstalled one go too (R-I5). A tool named twice in `install` keeps its
    /// last requirement.
    ///
    /// # Errors
    /// A [`FieldError`] on `install` when nothing is asked for, on `uninstall` when a
    /// tool is asked to be both installed and uninstalled.
    pub fn new(
        install: impl IntoIterator<Item = (ToolId, Requirement)>,
        uninstall: impl IntoIterator<Item = ToolId>,
        cascade: Cascade,
    ) -> Result<Self, FieldError> {
        let install: BTreeMap<ToolId, Requirement> = install.into_iter().collect();
        let uninstall: BTreeSet<ToolId> = uninstall.into_iter().collect();
        if install.is_empty() && uninstall.is_empty() {
            return Err(FieldError::new(
                "install",
                "name at least one tool to install or uninstall",
            ));
        }
        if let Some(both) = uninstall.iter().find(|tool| install.contains_key(tool)) {
            return Err(FieldError::new(
                "uninstall",
                format!("tool {both} is also asked to be installed"),
            ));
        }
        Ok(Self {
            install,
            uninstall,
            cascade,
        })
    }

    /// Installs `tool` at a version `requirement` admits, nothing else.
    pub fn install(tool: ToolId, requirement: Requirement) -> Self {
        Self {
            install: BTreeMap::from([(tool, requirement)]),
            uninstall: BTreeSet::new(),
            cascade: Cascade::Refuse,
        }
    }

    /// Uninstalls `tool`, nothing else.
    pub fn uninstall(tool: ToolId, cascade: Cascade) -> Self {
        Self {
            install: BTreeMap::new(),
            uninstall: BTreeSet::from([tool]),
            cascade,
        }
    }

    /// The tools to install, with the versions each accepts, in id order.
    pub fn installs(&self) -> impl Iterator<Item = (&ToolId, &Requirement)> {
        self.install.iter()
    }

    pub fn uninstalls(&self) -> &BTreeSet<ToolId> {
        &self.uninstall
    }

    pub fn cascade(&self) -> Cascade {
        self.cascade
    }

    /// Every tool the request names, installs first.
    pub(crate) fn named_tools(&self) -> Vec<ToolId> {
        self.install
            .keys()
            .chain(&self.uninstall)
            .copied()
            .collect()
    }
}
