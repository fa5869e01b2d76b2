//! `ModuleCatalog` over `tools`, `module_versions` and `module_dependencies` (R-I1).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_domain::ports::RepoError;
use marketplace_modules::installation::ports::{ModuleCatalog, PublishStoreError};
use marketplace_modules::{Dependency, NewRelease, Pricing, Registry, ReleaseStatus, Version};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use super::labels::{self, PUBLISHED, YANKED};
use super::sql::{execute, get, placeholders, query_all, query_one};
use crate::SeaOrmStore;
use crate::error::corrupt;
use crate::tenant::{Scope, commit};

const VERSIONS: &str = "module_versions";
const DEPENDENCIES: &str = "module_dependencies";

fn uuids(tools: &BTreeSet<ToolId>) -> Vec<Value> {
    tools.iter().map(|t| Value::from(t.as_uuid())).collect()
}

/// `roots` and every module their releases depend on, transitively: one query per
/// level of the dependency graph, each asking only for modules not seen before.
async fn closure(
    conn: &impl ConnectionTrait,
    roots: &[ToolId],
) -> Result<BTreeSet<ToolId>, RepoError> {
    let mut seen: BTreeSet<ToolId> = roots.iter().copied().collect();
    let mut frontier = seen.clone();
    while !frontier.is_empty() {
        let rows = query_all(
            conn,
            &format!(
                "SELECT DISTINCT depends_on FROM module_dependencies WHERE tool_id IN ({})",
                placeholders(frontier.len())
            ),
            uuids(&frontier),
        )
        .await?;
        frontier = BTreeSet::new();
        for row in rows {
            let tool = ToolId::from_uuid(get::<Uuid>(&row, DEPENDENCIES, "depends_on")?);
            if seen.insert(tool) {
                frontier.insert(tool);
            }
        }
    }
    Ok(seen)
}

/// One stored version with its dependencies, before it enters the registry.
struct StoredRelease {
    release: NewRelease<ToolId>,
    status: ReleaseStatus,
}

async fn releases(
    conn: &impl ConnectionTrait,
    tools: &BTreeSet<ToolId>,
) -> Result<BTreeMap<(ToolId, Version), StoredRelease>, RepoError> {
    let list = placeholders(tools.len());
    let mut releases = BTreeMap::new();
    let rows = query_all(
        conn,
        &format!(
            "SELECT tool_id, version, release_notes, platform_requirement, status
             FROM module_versions WHERE tool_id IN ({list})"
        ),
        uuids(tools),
    )
    .await?;
    for row in rows {
        let tool = ToolId::from_uuid(get::<Uuid>(&row, VERSIONS, "tool_id")?);
        let version = labels::version(VERSIONS, &get::<String>(&row, VERSIONS, "version")?)?;
        let platform = labels::requirement(
            VERSIONS,
            &get::<String>(&row, VERSIONS, "platform_requirement")?,
        )?;
        let release = NewRelease::new(version.clone(), platform).with_notes(get::<String>(
            &row,
            VERSIONS,
            "release_notes",
        )?);
        let status = labels::release_status(&get::<String>(&row, VERSIONS, "status")?)?;
        releases.insert((tool, version), StoredRelease { release, status });
    }
    let rows = query_all(
        conn,
        &format!(
            "SELECT tool_id, version, depends_on, requirement, optional
             FROM module_dependencies WHERE tool_id IN ({list})"
        ),
        uuids(tools),
    )
    .await?;
    for row in rows {
        let tool = ToolId::from_uuid(get::<Uuid>(&row, DEPENDENCIES, "tool_id")?);
        let version =
            labels::version(DEPENDENCIES, &get::<String>(&row, DEPENDENCIES, "version")?)?;
        let on = ToolId::from_uuid(get::<Uuid>(&row, DEPENDENCIES, "depends_on")?);
        let requirement = labels::requirement(
            DEPENDENCIES,
            &get::<String>(&row, DEPENDENCIES, "requirement")?,
        )?;
        let dependency = if get::<bool>(&row, DEPENDENCIES, "optional")? {
            Dependency::optional(on, requirement)
        } else {
            Dependency::required(on, requirement)
        };
        let stored = releases
            .get_mut(&(tool, version))
            .ok_or_else(|| corrupt(DEPENDENCIES, "a dependency of no stored version"))?;
        stored.release.dependencies.push(dependency);
    }
    Ok(releases)
}

#[async_trait]
impl ModuleCatalog for SeaOrmStore {
    async fn registry(&self, roots: &[ToolId]) -> Result<Registry<ToolId>, RepoError> {
        let mut registry = Registry::new();
        if roots.is_empty() {
            return Ok(registry);
        }
        // One transaction: the slice is one consistent state of the catalog.
        let tx = self.begin(Scope::Global).await?;
        let tools = closure(&tx, roots).await?;
        let rows = query_all(
            &tx,
            &format!(
                "SELECT id, name, price_model FROM tools WHERE id IN ({})",
                placeholders(tools.len())
            ),
            uuids(&tools),
        )
        .await?;
        let stored = releases(&tx, &tools).await?;
        commit(tx).await?;
        for row in rows {
            let tool = ToolId::from_uuid(get::<Uuid>(&row, "tools", "id")?);
            let pricing = match get::<String>(&row, "tools", "price_model")?.as_str() {
                "FREE" => Pricing::Free,
                _ => Pricing::Paid,
            };
            registry
                .add_module(tool, get::<String>(&row, "tools", "name")?, pricing)
                .map_err(|e| corrupt("tools", e))?;
        }
        // Oldest first per tool (the map's order), so the registry sees them as published.
        for ((tool, version), StoredRelease { release, status }) in stored {
            if registry.module(&tool).is_none() {
                continue;
            }
            registry
                .publish(&tool, release)
                .map_err(|e| corrupt(VERSIONS, e))?;
            if status == ReleaseStatus::Yanked {
                registry
                    .yank(&tool, &version)
                    .map_err(|e| corrupt(VERSIONS, e))?;
            }
        }
        Ok(registry)
    }

    async fn publish(
        &self,
        tool: ToolId,
        release: &NewRelease<ToolId>,
        at: DateTime<Utc>,
    ) -> Result<(), PublishStoreError> {
        let tx = self.begin(Scope::Global).await?;
        let known = query_one(
            &tx,
            "SELECT id FROM tools WHERE id = ?",
            vec![tool.as_uuid().into()],
        )
        .await?;
        if known.is_none() {
            return Err(RepoError::NotFound.into());
        }
        let version = release.version.to_string();
        // The conflict target is the table's key, module_versions_pkey (tool_id, version):
        // a second publication of the pair inserts nothing, even when it raced the first.
        let inserted = execute(
            &tx,
            "INSERT INTO module_versions
                 (tool_id, version, release_notes, platform_requirement, status, published_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (tool_id, version) DO NOTHING",
            vec![
                tool.as_uuid().into(),
                version.clone().into(),
                release.notes.clone().into(),
                release.platform.to_string().into(),
                PUBLISHED.into(),
                at.into(),
            ],
        )
        .await?;
        if inserted == 0 {
            return Err(PublishStoreError::VersionTaken);
        }
        for dependency in &release.dependencies {
            execute(
                &tx,
                "INSERT INTO module_dependencies
                     (tool_id, version, depends_on, requirement, optional)
                 VALUES (?, ?, ?, ?, ?)",
                vec![
                    tool.as_uuid().into(),
                    version.clone().into(),
                    dependency.module().as_uuid().into(),
                    dependency.requirement().to_string().into(),
                    (!dependency.is_required()).into(),
                ],
            )
            .await?;
        }
        commit(tx).await?;
        Ok(())
    }

    async fn yank(&self, tool: ToolId, version: &Version) -> Result<(), RepoError> {
        let key = || -> Vec<Value> { vec![tool.as_uuid().into(), version.to_string().into()] };
        let tx = self.begin(Scope::Global).await?;
        let mut values = vec![Value::from(YANKED)];
        values.extend(key());
        execute(
            &tx,
            "UPDATE module_versions SET status = ?
             WHERE tool_id = ? AND version = ? AND status = 'PUBLISHED'",
            values,
        )
        .await?;
        let exists = query_one(
            &tx,
            "SELECT status FROM module_versions WHERE tool_id = ? AND version = ?",
            key(),
        )
        .await?;
        commit(tx).await?;
        exists.map(|_| ()).ok_or(RepoError::NotFound)
    }

    async fn release_dates(
        &self,
        tool: ToolId,
    ) -> Result<BTreeMap<Version, DateTime<Utc>>, RepoError> {
        let rows = query_all(
            &self.conn,
            "SELECT version, published_at FROM module_versions WHERE tool_id = ?",
            vec![tool.as_uuid().into()],
        )
        .await?;
        rows.iter()
            .map(|row| {
                let version = labels::version(VERSIONS, &get::<String>(row, VERSIONS, "version")?)?;
                Ok((
                    version,
                    get::<DateTime<Utc>>(row, VERSIONS, "published_at")?,
                ))
            })
            .collect()
    }

    async fn published_by(&self, org: OrgId) -> Result<Vec<ToolId>, RepoError> {
        let rows = query_all(
            &self.conn,
            "SELECT tools.id FROM tools JOIN sellers ON sellers.id = tools.seller_id
             WHERE sellers.org_id = ? ORDER BY tools.id",
            vec![org.as_uuid().into()],
        )
        .await?;
        rows.iter()
            .map(|row| get::<Uuid>(row, "tools", "id").map(ToolId::from_uuid))
            .collect()
    }
}
