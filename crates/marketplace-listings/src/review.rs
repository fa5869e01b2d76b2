//! Which changes go back to moderation (R-G3). A new tool, bundle or service is always
//! reviewed. After the first approval, an edit is reviewed only when it changes plans or
//! prices, the integration type or URLs, and a new version only when its dependencies
//! differ from the last version's; any other change is published at once.

use std::collections::BTreeSet;

use marketplace_domain::catalog::IntegrationType;

use crate::content::{DependencyProposal, EditProposal, LinkProposal, ListingContent};

/// What the public catalog holds now for the tool a listing changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurrentTool {
    pub integration_type: Option<IntegrationType>,
    pub links: LinkProposal,
    /// The dependencies of the newest published version; `None` when it has none yet.
    pub last_dependencies: Option<Vec<DependencyProposal>>,
}

/// One field a listing changes, and whether that change matters for review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub matters: bool,
}

/// What a listing changes, field by field: kept beside the decision in the audit trail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub changes: Vec<FieldChange>,
    /// A new item (tool, bundle, service): reviewed whatever it holds.
    pub new_item: bool,
}

impl Diff {
    /// Whether the listing must wait for a moderator (R-G3).
    #[must_use]
    pub fn needs_review(&self) -> bool {
        self.new_item || self.changes.iter().any(|c| c.matters)
    }

    /// The changed fields, in order.
    #[must_use]
    pub fn fields(&self) -> Vec<&'static str> {
        self.changes.iter().map(|c| c.field).collect()
    }
}

/// The diff of `content` against what is public now.
#[must_use]
pub fn diff(content: &ListingContent, current: &CurrentTool) -> Diff {
    match content {
        ListingContent::Tool(_) | ListingContent::Bundle(_) | ListingContent::Service(_) => Diff {
            changes: Vec::new(),
            new_item: true,
        },
        ListingContent::Version(v) => {
            let same = current
                .last_dependencies
                .as_ref()
                .is_some_and(|last| dependency_set(last) == dependency_set(&v.dependencies));
            Diff {
                changes: vec![
                    FieldChange {
                        field: "version",
                        matters: false,
                    },
                    FieldChange {
                        field: "dependencies",
                        matters: !same,
                    },
                ],
                new_item: false,
            }
        }
        ListingContent::Edit { changes, .. } => Diff {
            changes: edit_changes(changes, current),
            new_item: false,
        },
    }
}

fn dependency_set(deps: &[DependencyProposal]) -> BTreeSet<(uuid::Uuid, String, bool)> {
    deps.iter()
        .map(|d| (d.tool_id.as_uuid(), d.req.trim().to_owned(), d.optional))
        .collect()
}

fn edit_changes(e: &EditProposal, current: &CurrentTool) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field, matters| out.push(FieldChange { field, matters });
    if e.name.is_some() {
        push("name", false);
    }
    if e.description.is_some() {
        push("description", false);
    }
    if e.category.is_some() {
        push("category", false);
    }
    if e.tags.is_some() {
        push("tags", false);
    }
    if let Some(i) = e.integration_type {
        push("integration_type", current.integration_type != Some(i));
    }
    if let Some(links) = &e.links {
        let before = current.links.named();
        for (field, url) in links.named() {
            let unchanged = before.iter().any(|(f, u)| *f == field && *u == url);
            push(field, !unchanged);
        }
    }
    if e.plans.is_some() {
        push("plans", true);
    }
    out
}
