//! References to catalog items: a tool or a bundle, never both.

use crate::ids::{BundleId, ToolId};

/// Whether a cart line, order line or purchase is of a tool or a bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Tool,
    Bundle,
}
crate::labelled!(ItemKind, "item type", { Tool => "TOOL", Bundle => "BUNDLE" });

/// A reference to one catalog item: a tool or a bundle, never both (the original
/// schema's check constraint, as a type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemRef {
    Tool(ToolId),
    Bundle(BundleId),
}

impl ItemRef {
    #[must_use]
    pub const fn kind(&self) -> ItemKind {
        match self {
            Self::Tool(_) => ItemKind::Tool,
            Self::Bundle(_) => ItemKind::Bundle,
        }
    }

    #[must_use]
    pub const fn uuid(&self) -> uuid::Uuid {
        match self {
            Self::Tool(id) => id.as_uuid(),
            Self::Bundle(id) => id.as_uuid(),
        }
    }

    /// Rebuilds a reference from its kind and id (for adapters).
    #[must_use]
    pub const fn from_parts(kind: ItemKind, id: uuid::Uuid) -> Self {
        match kind {
            ItemKind::Tool => Self::Tool(ToolId::from_uuid(id)),
            ItemKind::Bundle => Self::Bundle(BundleId::from_uuid(id)),
        }
    }
}
