//! `Installations` over `org_platforms`, `installation_heads`, `installation_generations`
//! and `installation_lockfiles` (R-I4, R-I6).
//!
//! One change at a time per org: [`Installations::apply`] makes sure the org's head row
//! exists (`INSERT … ON CONFLICT DO NOTHING`), locks it (`SELECT … FOR UPDATE` on
//! PostgreSQL; on SQLite the transaction is the only writer), and writes the generation,
//! its lockfile, the dropped flags and the new head only while the head is still the
//! generation the record follows. A change that lost the race writes nothing.

use std::collections::BTreeMap;

use async_trait::async_trait;
use marketplace_domain::ids::{OrgId, ToolId, UserId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_modules::installation::ports::{ApplyError, Installations};
use marketplace_modules::installation::{ChangeKind, GenerationRecord, InstallationState};
use marketplace_modules::{Generation, GenerationNumber, Lockfile, Version};
use sea_orm::{ConnectionTrait, DbBackend, Value};
use uuid::Uuid;

use super::labels::{self, CHANGE, ROLLBACK};
use super::sql::{execute, get, placeholders, query_all, query_one};
use crate::SeaOrmStore;
use crate::error::corrupt;
use crate::tenant::{Scope, commit};

const GENERATIONS: &str = "installation_generations";
const LOCKFILES: &str = "installation_lockfiles";

fn stored_number(number: GenerationNumber) -> Result<i64, RepoError> {
    i64::try_from(number.get()).map_err(|e| corrupt(GENERATIONS, e))
}

fn read_number(
    row: &sea_orm::QueryResult,
    table: &'static str,
) -> Result<GenerationNumber, RepoError> {
    let n = get::<i64>(row, table, "generation")?;
    u64::try_from(n)
        .map(GenerationNumber::new)
        .map_err(|e| corrupt(table, e))
}

/// ` FOR UPDATE` where the backend has row locks.
fn for_update(conn: &impl ConnectionTrait) -> &'static str {
    match conn.get_database_backend() {
        DbBackend::Postgres => " FOR UPDATE",
        _ => "",
    }
}

/// The org's current generation number (0 when it never applied a change), locked until
/// the transaction ends when `lock`.
async fn head(
    conn: &impl ConnectionTrait,
    org: OrgId,
    lock: bool,
) -> Result<GenerationNumber, RepoError> {
    let suffix = if lock { for_update(conn) } else { "" };
    let row = query_one(
        conn,
        &format!("SELECT generation FROM installation_heads WHERE org_id = ?{suffix}"),
        vec![org.as_uuid().into()],
    )
    .await?;
    row.map_or(Ok(GenerationNumber::FIRST), |row| {
        read_number(&row, "installation_heads")
    })
}

/// The lockfiles of the org's generations `numbers`.
async fn lockfiles(
    conn: &impl ConnectionTrait,
    org: OrgId,
    numbers: &[GenerationNumber],
) -> Result<BTreeMap<GenerationNumber, Lockfile<ToolId>>, RepoError> {
    let mut values = vec![Value::from(org.as_uuid())];
    for number in numbers {
        values.push(stored_number(*number)?.into());
    }
    let rows = query_all(
        conn,
        &format!(
            "SELECT generation, tool_id, version FROM installation_lockfiles
             WHERE org_id = ? AND generation IN ({})",
            placeholders(numbers.len())
        ),
        values,
    )
    .await?;
    let mut modules: BTreeMap<GenerationNumber, Vec<(ToolId, Version)>> =
        numbers.iter().map(|number| (*number, Vec::new())).collect();
    for row in rows {
        let number = read_number(&row, LOCKFILES)?;
        let tool = ToolId::from_uuid(get::<Uuid>(&row, LOCKFILES, "tool_id")?);
        let version = labels::version(LOCKFILES, &get::<String>(&row, LOCKFILES, "version")?)?;
        modules.entry(number).or_default().push((tool, version));
    }
    Ok(modules
        .into_iter()
        .map(|(number, modules)| (number, modules.into_iter().collect()))
        .collect())
}

async fn current(conn: &impl ConnectionTrait, org: OrgId) -> Result<Generation<ToolId>, RepoError> {
    let number = head(conn, org, false).await?;
    if number == GenerationNumber::FIRST {
        return Ok(Generation::initial());
    }
    let lockfile = lockfiles(conn, org, &[number])
        .await?
        .remove(&number)
        .unwrap_or_default();
    Ok(Generation::restore(number, lockfile))
}

/// The org's state; `NotFound` when no platform version was ever set for it.
async fn load_state(
    conn: &impl ConnectionTrait,
    org: OrgId,
) -> Result<InstallationState, RepoError> {
    let platform = query_one(
        conn,
        "SELECT platform_version FROM org_platforms WHERE org_id = ?",
        vec![org.as_uuid().into()],
    )
    .await?
    .ok_or(RepoError::NotFound)?;
    let platform = labels::version(
        "org_platforms",
        &get::<String>(&platform, "org_platforms", "platform_version")?,
    )?;
    let current = current(conn, org).await?;
    Ok(InstallationState::new(platform, current))
}

impl SeaOrmStore {
    /// Writes `record` after the head was checked: the generation, its lockfile, and the
    /// head moved.
    async fn write_generation(
        conn: &impl ConnectionTrait,
        org: OrgId,
        record: &GenerationRecord,
    ) -> Result<(), RepoError> {
        let number = stored_number(record.generation().number())?;
        let (kind, restores) = match record.kind() {
            ChangeKind::Change => (CHANGE, None),
            ChangeKind::Rollback { restores } => (ROLLBACK, Some(stored_number(restores)?)),
        };
        execute(
            conn,
            "INSERT INTO installation_generations
                 (org_id, generation, kind, restores, steps, applied_by, applied_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                org.as_uuid().into(),
                number.into(),
                kind.into(),
                restores.into(),
                labels::steps_json(record.steps())?.into(),
                record.applied_by().as_uuid().into(),
                record.applied_at().into(),
                record.applied_at().into(),
            ],
        )
        .await?;
        let lockfile = record.generation().lockfile();
        for (tool, version) in lockfile {
            execute(
                conn,
                "INSERT INTO installation_lockfiles (org_id, generation, tool_id, version)
                 VALUES (?, ?, ?, ?)",
                vec![
                    org.as_uuid().into(),
                    number.into(),
                    tool.as_uuid().into(),
                    version.to_string().into(),
                ],
            )
            .await?;
        }
        execute(
            conn,
            "UPDATE installation_heads SET generation = ? WHERE org_id = ?",
            vec![number.into(), org.as_uuid().into()],
        )
        .await?;
        Ok(())
    }
}

#[async_trait]
impl Installations for SeaOrmStore {
    async fn state(&self, org: OrgId) -> Result<InstallationState, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let state = load_state(&tx, org).await?;
        commit(tx).await?;
        Ok(state)
    }

    async fn set_platform(&self, org: OrgId, version: &Version) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let known = query_one(
            &tx,
            "SELECT id FROM organizations WHERE id = ?",
            vec![org.as_uuid().into()],
        )
        .await?;
        if known.is_none() {
            return Err(RepoError::NotFound);
        }
        execute(
            &tx,
            "INSERT INTO org_platforms (org_id, platform_version, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (org_id) DO UPDATE
             SET platform_version = excluded.platform_version, updated_at = excluded.updated_at",
            vec![
                org.as_uuid().into(),
                version.to_string().into(),
                self.now().into(),
            ],
        )
        .await?;
        commit(tx).await
    }

    async fn apply(&self, org: OrgId, record: &GenerationRecord) -> Result<(), ApplyError> {
        let tx = self
            .begin(Scope::Org(org, Some(record.applied_by())))
            .await?;
        execute(
            &tx,
            "INSERT INTO installation_heads (org_id, generation) VALUES (?, 0)
             ON CONFLICT (org_id) DO NOTHING",
            vec![org.as_uuid().into()],
        )
        .await?;
        let current = head(&tx, org, true).await?;
        if current != record.follows() {
            // Dropping the transaction rolls it back: nothing of this change is written.
            return Err(ApplyError::Stale {
                expected: record.follows(),
                current,
            });
        }
        Self::write_generation(&tx, org, record).await?;
        commit(tx).await?;
        Ok(())
    }

    async fn generation(
        &self,
        org: OrgId,
        number: GenerationNumber,
    ) -> Result<Option<Generation<ToolId>>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let stored = query_one(
            &tx,
            "SELECT generation FROM installation_generations WHERE org_id = ? AND generation = ?",
            vec![org.as_uuid().into(), stored_number(number)?.into()],
        )
        .await?;
        let generation = match stored {
            None => None,
            Some(_) => {
                let lockfile = lockfiles(&tx, org, &[number])
                    .await?
                    .remove(&number)
                    .unwrap_or_default();
                Some(Generation::restore(number, lockfile))
            }
        };
        commit(tx).await?;
        Ok(generation)
    }

    async fn history(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> Result<Page<GenerationRecord>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let total = query_one(
            &tx,
            "SELECT COUNT(*) AS total FROM installation_generations WHERE org_id = ?",
            vec![org.as_uuid().into()],
        )
        .await?
        .map_or(Ok(0), |row| get::<i64>(&row, GENERATIONS, "total"))?;
        let rows = query_all(
            &tx,
            "SELECT generation, kind, restores, steps, applied_by, applied_at
             FROM installation_generations WHERE org_id = ?
             ORDER BY generation DESC LIMIT ? OFFSET ?",
            vec![
                org.as_uuid().into(),
                i64::from(page.limit()).into(),
                i64::try_from(page.offset()).unwrap_or(i64::MAX).into(),
            ],
        )
        .await?;
        let numbers = rows
            .iter()
            .map(|row| read_number(row, GENERATIONS))
            .collect::<Result<Vec<_>, _>>()?;
        let mut locks = if numbers.is_empty() {
            BTreeMap::new()
        } else {
            lockfiles(&tx, org, &numbers).await?
        };
        commit(tx).await?;
        let mut items = Vec::with_capacity(rows.len());
        for (row, number) in rows.iter().zip(numbers) {
            let kind = match get::<String>(row, GENERATIONS, "kind")?.as_str() {
                CHANGE => ChangeKind::Change,
                ROLLBACK => {
                    let restores = get::<i64>(row, GENERATIONS, "restores")?;
                    ChangeKind::Rollback {
                        restores: GenerationNumber::new(
                            u64::try_from(restores).map_err(|e| corrupt(GENERATIONS, e))?,
                        ),
                    }
                }
                other => return Err(corrupt(GENERATIONS, format!("kind {other}"))),
            };
            let steps = labels::steps(&get::<serde_json::Value>(row, GENERATIONS, "steps")?)?;
            items.push(GenerationRecord::restore(
                Generation::restore(number, locks.remove(&number).unwrap_or_default()),
                kind,
                steps,
                UserId::from_uuid(get::<Uuid>(row, GENERATIONS, "applied_by")?),
                get(row, GENERATIONS, "applied_at")?,
            ));
        }
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn holding(&self, tool: ToolId) -> Result<Vec<(OrgId, InstallationState)>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let rows = query_all(
            &tx,
            "SELECT installation_heads.org_id FROM installation_heads
             JOIN installation_lockfiles
               ON installation_lockfiles.org_id = installation_heads.org_id
              AND installation_lockfiles.generation = installation_heads.generation
             WHERE installation_lockfiles.tool_id = ?
             ORDER BY installation_heads.org_id",
            vec![tool.as_uuid().into()],
        )
        .await?;
        let mut holding = Vec::with_capacity(rows.len());
        for row in rows {
            let org = OrgId::from_uuid(get::<Uuid>(&row, "installation_heads", "org_id")?);
            holding.push((org, load_state(&tx, org).await?));
        }
        commit(tx).await?;
        Ok(holding)
    }
}
