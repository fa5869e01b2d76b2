//! The exact versions an org has installed (R-I4).

use std::collections::BTreeMap;

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::ModuleId;

/// Module -> exact version, for every module an org has installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "M: Serialize", deserialize = "M: Deserialize<'de> + Ord"))]
#[serde(transparent)]
pub struct Lockfile<M> {
    modules: BTreeMap<M, Version>,
}

impl<M: ModuleId> Default for Lockfile<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: ModuleId> Lockfile<M> {
    /// Nothing installed.
    pub fn new() -> Self {
        Self {
            modules: BTreeMap::new(),
        }
    }

    pub fn get(&self, module: &M) -> Option<&Version> {
        self.modules.get(module)
    }

    pub fn contains(&self, module: &M) -> bool {
        self.modules.contains_key(module)
    }

    /// Every installed module with its version, in id order.
    pub fn iter(&self) -> std::collections::btree_map::Iter<'_, M, Version> {
        self.modules.iter()
    }

    pub fn modules(&self) -> impl Iterator<Item = &M> {
        self.modules.keys()
    }

    pub fn len(&self) -> usize {
        self.modules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

impl<M: ModuleId> FromIterator<(M, Version)> for Lockfile<M> {
    fn from_iter<I: IntoIterator<Item = (M, Version)>>(iter: I) -> Self {
        Self {
            modules: iter.into_iter().collect(),
        }
    }
}

impl<'a, M: ModuleId> IntoIterator for &'a Lockfile<M> {
    type Item = (&'a M, &'a Version);
    type IntoIter = std::collections::btree_map::Iter<'a, M, Version>;

    fn into_iter(self) -> Self::IntoIter {
        self.modules.iter()
    }
}
