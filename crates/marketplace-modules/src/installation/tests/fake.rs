//! An in-memory [`Installations`] that keeps the port's contract the way a database does:
//! one mutex per store, and a compare-and-set on the generation number under it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use marketplace_kernel::ids::{OrgId, ToolId};
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::store::RepoError;
use semver::Version;
use tokio::sync::Barrier;

use crate::installation::ports::{ApplyError, Installations};
use crate::installation::{GenerationRecord, InstallationState};
use crate::{Generation, GenerationNumber};

#[derive(Default)]
struct OrgRows {
    /// Applied generations, oldest first; the last is current.
    history: Vec<GenerationRecord>,
}

impl OrgRows {
    fn current(&self) -> Generation<ToolId> {
        self.history
            .last()
            .map_or_else(Generation::initial, |record| record.generation().clone())
    }
}

/// What one call of `apply` answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyAnswer {
    Stored(GenerationNumber),
    Stale {
        expected: GenerationNumber,
        current: GenerationNumber,
    },
}

pub struct InMemoryInstallations {
    platform: Version,
    /// Orgs whose platform was set apart from `platform`.
    platforms: Mutex<BTreeMap<OrgId, Version>>,
    orgs: Mutex<BTreeMap<OrgId, OrgRows>>,
    answers: Mutex<Vec<ApplyAnswer>>,
    /// The first `rendezvous` reads of a state wait for each other, so that concurrent
    /// changes all plan against the same generation before any of them applies.
    rendezvous: usize,
    reads: AtomicUsize,
    barrier: Barrier,
}

impl InMemoryInstallations {
    /// Orgs on `platform` with nothing installed; the first `rendezvous` state reads meet
    /// before any goes on (0: none waits).
    pub fn new(platform: Version, rendezvous: usize) -> Self {
        Self {
            platform,
            platforms: Mutex::new(BTreeMap::new()),
            orgs: Mutex::new(BTreeMap::new()),
            answers: Mutex::new(Vec::new()),
            rendezvous,
            reads: AtomicUsize::new(0),
            barrier: Barrier::new(rendezvous.max(1)),
        }
    }

    /// Every applied record of `org`, oldest first.
    pub fn history_of(&self, org: OrgId) -> Vec<GenerationRecord> {
        self.orgs
            .lock()
            .unwrap()
            .get(&org)
            .map(|rows| rows.history.clone())
            .unwrap_or_default()
    }

    fn platform_of(&self, org: OrgId) -> Version {
        self.platforms
            .lock()
            .unwrap()
            .get(&org)
            .cloned()
            .unwrap_or_else(|| self.platform.clone())
    }

    /// What each `apply` answered, in the order they were answered.
    pub fn answers(&self) -> Vec<ApplyAnswer> {
        self.answers.lock().unwrap().clone()
    }
}

#[async_trait]
impl Installations for InMemoryInstallations {
    async fn state(&self, org: OrgId) -> Result<InstallationState, RepoError> {
        let platform = self.platform_of(org);
        let state = {
            let orgs = self.orgs.lock().unwrap();
            let rows = orgs.get(&org);
            InstallationState::new(
                platform,
                rows.map_or_else(Generation::initial, OrgRows::current),
            )
        };
        if self.reads.fetch_add(1, Ordering::SeqCst) < self.rendezvous {
            self.barrier.wait().await;
        }
        Ok(state)
    }

    async fn set_platform(&self, org: OrgId, version: &Version) -> Result<(), RepoError> {
        self.platforms.lock().unwrap().insert(org, version.clone());
        Ok(())
    }

    async fn apply(&self, org: OrgId, record: &GenerationRecord) -> Result<(), ApplyError> {
        let mut orgs = self.orgs.lock().unwrap();
        let rows = orgs.entry(org).or_default();
        let current = rows.current().number();
        let answer = if current == record.follows() {
            rows.history.push(record.clone());
            ApplyAnswer::Stored(record.generation().number())
        } else {
            ApplyAnswer::Stale {
                expected: record.follows(),
                current,
            }
        };
        self.answers.lock().unwrap().push(answer);
        match answer {
            ApplyAnswer::Stored(_) => Ok(()),
            ApplyAnswer::Stale { expected, current } => {
                Err(ApplyError::Stale { expected, current })
            }
        }
    }

    async fn generation(
        &self,
        org: OrgId,
        number: GenerationNumber,
    ) -> Result<Option<Generation<ToolId>>, RepoError> {
        Ok(self.history_of(org).into_iter().find_map(|record| {
            (record.generation().number() == number).then(|| record.generation().clone())
        }))
    }

    async fn history(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> Result<Page<GenerationRecord>, RepoError> {
        let mut history = self.history_of(org);
        history.reverse();
        Ok(Page::slice(history, page))
    }

    async fn holding(&self, tool: ToolId) -> Result<Vec<(OrgId, InstallationState)>, RepoError> {
        let orgs = self.orgs.lock().unwrap();
        Ok(orgs
            .iter()
            .filter(|(_, rows)| rows.current().lockfile().contains(&tool))
            .map(|(org, rows)| {
                (
                    *org,
                    InstallationState::new(self.platform_of(*org), rows.current()),
                )
            })
            .collect())
    }
}
