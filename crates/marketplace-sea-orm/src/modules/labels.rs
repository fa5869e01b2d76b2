//! How the installation context's values are spelled in their columns: the labels of
//! the migration's CHECKs, versions and requirements as text, steps as JSON.

use marketplace_domain::ids::ToolId;
use marketplace_domain::ports::RepoError;
use marketplace_modules::{AttemptKind, Outcome, ReleaseStatus, Requirement, Step, Version};
use serde_json::Value as Json;

use crate::error::corrupt;

pub(super) const PUBLISHED: &str = "PUBLISHED";
pub(super) const YANKED: &str = "YANKED";
pub(super) const CHANGE: &str = "CHANGE";
pub(super) const ROLLBACK: &str = "ROLLBACK";

pub(super) fn release_status(label: &str) -> Result<ReleaseStatus, RepoError> {
    match label {
        PUBLISHED => Ok(ReleaseStatus::Published),
        YANKED => Ok(ReleaseStatus::Yanked),
        other => Err(corrupt("module_versions", format!("status {other}"))),
    }
}

pub(super) fn attempt_kind(kind: AttemptKind) -> &'static str {
    match kind {
        AttemptKind::Install => "INSTALL",
        AttemptKind::Update => "UPDATE",
        AttemptKind::Rollback => ROLLBACK,
    }
}

pub(super) fn read_attempt_kind(label: &str) -> Result<AttemptKind, RepoError> {
    match label {
        "INSTALL" => Ok(AttemptKind::Install),
        "UPDATE" => Ok(AttemptKind::Update),
        ROLLBACK => Ok(AttemptKind::Rollback),
        other => Err(corrupt("install_attempts", format!("kind {other}"))),
    }
}

/// The outcome a label and a reason were written from.
pub(super) fn read_outcome(label: &str, reason: Option<String>) -> Result<Outcome, RepoError> {
    match (label, reason) {
        (SUCCEEDED, None) => Ok(Outcome::Succeeded),
        (FAILED, Some(reason)) => Ok(Outcome::Failed { reason }),
        (ROLLED_BACK, None) => Ok(Outcome::RolledBack),
        (other, _) => Err(corrupt("install_attempts", format!("outcome {other}"))),
    }
}

/// The outcome's label and, for a failure, its reason.
pub(super) fn outcome(outcome: &Outcome) -> (&'static str, Option<String>) {
    match outcome {
        Outcome::Succeeded => (SUCCEEDED, None),
        Outcome::Failed { reason } => (FAILED, Some(reason.clone())),
        Outcome::RolledBack => (ROLLED_BACK, None),
    }
}

pub(super) const SUCCEEDED: &str = "SUCCEEDED";
const FAILED: &str = "FAILED";
const ROLLED_BACK: &str = "ROLLED_BACK";

pub(super) fn version(table: &'static str, text: &str) -> Result<Version, RepoError> {
    Version::parse(text).map_err(|e| corrupt(table, format!("version {text}: {e}")))
}

pub(super) fn requirement(table: &'static str, text: &str) -> Result<Requirement, RepoError> {
    Requirement::parse(text).map_err(|e| corrupt(table, format!("requirement {text}: {e}")))
}

/// The steps of a generation as stored: the crate's own serialization
/// (`{"action": "upgrade", "module": …, "from": …, "to": …}`).
pub(super) fn steps_json(steps: &[Step<ToolId>]) -> Result<Json, RepoError> {
    serde_json::to_value(steps).map_err(RepoError::unavailable)
}

pub(super) fn steps(json: &Json) -> Result<Vec<Step<ToolId>>, RepoError> {
    let bad = |detail: String| corrupt("installation_generations", detail);
    let Json::Array(items) = json else {
        return Err(bad(format!("steps are not a list: {json}")));
    };
    items
        .iter()
        .map(|item| {
            let text = |name: &str| item.get(name).and_then(Json::as_str);
            let module: ToolId = item
                .get("module")
                .cloned()
                .and_then(|m| serde_json::from_value(m).ok())
                .ok_or_else(|| bad(format!("step without a module: {item}")))?;
            let at = |name: &str| {
                text(name)
                    .and_then(|v| Version::parse(v).ok())
                    .ok_or_else(|| bad(format!("step without {name}: {item}")))
            };
            match text("action") {
                Some("install") => Ok(Step::Install {
                    module,
                    version: at("version")?,
                }),
                Some("remove") => Ok(Step::Remove {
                    module,
                    version: at("version")?,
                }),
                Some("upgrade") => Ok(Step::Upgrade {
                    module,
                    from: at("from")?,
                    to: at("to")?,
                }),
                Some("downgrade") => Ok(Step::Downgrade {
                    module,
                    from: at("from")?,
                    to: at("to")?,
                }),
                _ => Err(bad(format!("unknown step: {item}"))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_back_as_written() {
        let tool = ToolId::from_uuid(uuid::Uuid::from_u128(7));
        let v = |s: &str| Version::parse(s).unwrap();
        let written = vec![
            Step::Install {
                module: tool,
                version: v("1.0.0"),
            },
            Step::Upgrade {
                module: tool,
                from: v("1.0.0"),
                to: v("2.0.0-beta.1"),
            },
            Step::Downgrade {
                module: tool,
                from: v("2.0.0"),
                to: v("1.0.0"),
            },
            Step::Remove {
                module: tool,
                version: v("1.0.0"),
            },
        ];
        assert_eq!(steps(&steps_json(&written).unwrap()).unwrap(), written);
    }
}
