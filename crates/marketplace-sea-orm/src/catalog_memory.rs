//! [`CatalogReadModel`] over the store: the whole catalog in memory, checked against the
//! `catalog_version` counter that the catalog tables' triggers raise on every write.
//!
//! The copy also knows which items their sellers withhold from new buyers (R-G5): opt-in
//! choices raise the same counter (migration `m20261202_000030_opt_in_catalog_version`).
//!
//! When a read re-checks the counter:
//! - after any commit made by this process (every commit goes through
//!   [`crate::tenant::commit`], which counts it in [`crate::commits`]), so this replica reads its own writes at
//!   once, whichever use case made them;
//! - when the last check is older than the poll interval, so other replicas' writes are
//!   seen within that interval (plus one reload).
//!
//! A moved counter reloads the whole catalog; otherwise the copy is served as is. One check
//! runs at a time and the readers waiting on it share its answer. A failed check or reload
//! is an error, never a stale answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use marketplace_domain::catalog::{CatalogReadModel, CatalogSnapshot};
use marketplace_domain::item::ItemRef;
use marketplace_domain::plan::{ItemPlans, PlanReadModel};
use marketplace_domain::ports::RepoError;

use crate::SeaOrmStore;

/// One version of the catalog in memory: tools and bundles, and every item's plans.
#[derive(Debug, Default)]
struct Copy {
    catalog: Arc<CatalogSnapshot>,
    plans: HashMap<ItemRef, ItemPlans>,
}

/// What the copy was last checked against.
#[derive(Debug)]
struct Checked {
    snapshot: Arc<Copy>,
    /// The counter the copy was read after; `None` before the first load.
    version: Option<i64>,
    /// The commit count and time when the last check started.
    commits: u64,
    at: Instant,
}

/// The catalog served from memory (see the module documentation).
#[derive(Debug)]
pub struct MemoryCatalog {
    store: SeaOrmStore,
    poll: Duration,
    checked: Mutex<Checked>,
    /// One check at a time.
    refresh: tokio::sync::Mutex<()>,
}

impl MemoryCatalog {
    /// How often, at most, a replica asks whether another changed the catalog: the bound
    /// on how late it sees another replica's write (plus one reload).
    pub const DEFAULT_POLL: Duration = Duration::from_millis(250);

    /// An empty copy, loaded on first read.
    #[must_use]
    pub fn new(store: SeaOrmStore, poll: Duration) -> Self {
        Self {
            store,
            poll,
            checked: Mutex::new(Checked {
                snapshot: Arc::new(Copy::default()),
                version: None,
                commits: 0,
                at: Instant::now(),
            }),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The copy, when a check that started at or after (`commits`, `now`) vouches for it.
    fn fresh(&self, commits: u64, now: Instant) -> Option<Arc<Copy>> {
        let c = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
        (c.version.is_some() && c.commits >= commits && now.duration_since(c.at) < self.poll)
            .then(|| c.snapshot.clone())
    }

    async fn check(&self) -> Result<Arc<Copy>, RepoError> {
        let commits = crate::commits::count();
        let at = Instant::now();
        let version = self.store.catalog_version().await?;
        let known = {
            let c = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
            (c.version == Some(version)).then(|| c.snapshot.clone())
        };
        let snapshot = match known {
            Some(snapshot) => snapshot,
            None => {
                let (tools, bundles) = self.store.whole_catalog().await?;
                let plans = self.store.every_lineup().await?;
                let withheld = self.store.withheld_items().await?;
                tracing::debug!(version, tools = tools.len(), "catalog copy reloaded");
                Arc::new(Copy {
                    catalog: Arc::new(CatalogSnapshot::new(tools, bundles).with_withheld(withheld)),
                    plans: plans.into_iter().map(|l| (l.item(), l)).collect(),
                })
            }
        };
        let mut c = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
        *c = Checked {
            snapshot: snapshot.clone(),
            version: Some(version),
            commits,
            at,
        };
        Ok(snapshot)
    }
}

impl MemoryCatalog {
    /// The current copy: served as is while a recent check vouches for it, else checked.
    async fn copy(&self) -> Result<Arc<Copy>, RepoError> {
        let commits = crate::commits::count();
        if let Some(snapshot) = self.fresh(commits, Instant::now()) {
            return Ok(snapshot);
        }
        let _one_at_a_time = self.refresh.lock().await;
        // A check that started after this read arrived may have run while it waited.
        if let Some(snapshot) = self.fresh(commits, Instant::now()) {
            return Ok(snapshot);
        }
        self.check().await
    }
}

#[async_trait]
impl CatalogReadModel for MemoryCatalog {
    async fn snapshot(&self) -> Result<Arc<CatalogSnapshot>, RepoError> {
        Ok(self.copy().await?.catalog.clone())
    }

    fn invalidate(&self) {
        crate::commits::note();
    }
}

#[async_trait]
impl PlanReadModel for MemoryCatalog {
    async fn item_plans(&self, item: ItemRef) -> Result<ItemPlans, RepoError> {
        let copy = self.copy().await?;
        Ok(copy
            .plans
            .get(&item)
            .cloned()
            .unwrap_or_else(|| ItemPlans::empty(item)))
    }
}
