//! `Notices` over `module_update_notices` (R-I6).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_modules::Version;
use marketplace_modules::installation::UpdateNotice;
use marketplace_modules::installation::ports::Notices;
use uuid::Uuid;

use super::labels;
use super::sql::{execute, get, query_all, query_one};
use crate::SeaOrmStore;
use crate::tenant::{Scope, commit};

const NOTICES: &str = "module_update_notices";

#[async_trait]
impl Notices for SeaOrmStore {
    async fn append(&self, notices: &[UpdateNotice]) -> Result<(), RepoError> {
        let Some(first) = notices.first() else {
            return Ok(());
        };
        // A new version is announced to every org holding the tool at once.
        let scope = if notices.iter().all(|n| n.org == first.org) {
            Scope::Org(first.org, None)
        } else {
            Scope::Platform
        };
        let tx = self.begin(scope).await?;
        for notice in notices {
            // The key is (org, tool, version): a notice already there stays as it is.
            execute(
                &tx,
                "INSERT INTO module_update_notices
                     (org_id, tool_id, from_version, version, release_notes, created_at, read_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (org_id, tool_id, version) DO NOTHING",
                vec![
                    notice.org.as_uuid().into(),
                    notice.tool.as_uuid().into(),
                    notice.from.to_string().into(),
                    notice.to.to_string().into(),
                    notice.notes.clone().into(),
                    notice.created_at.into(),
                    notice.read_at.into(),
                ],
            )
            .await?;
        }
        commit(tx).await
    }

    async fn list(
        &self,
        org: OrgId,
        unread_only: bool,
        page: PageRequest,
    ) -> Result<Page<UpdateNotice>, RepoError> {
        let unread = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        let tx = self.begin(Scope::Org(org, None)).await?;
        let total = query_one(
            &tx,
            &format!(
                "SELECT COUNT(*) AS total FROM module_update_notices WHERE org_id = ?{unread}"
            ),
            vec![org.as_uuid().into()],
        )
        .await?
        .map_or(Ok(0), |row| get::<i64>(&row, NOTICES, "total"))?;
        let rows = query_all(
            &tx,
            &format!(
                "SELECT tool_id, from_version, version, release_notes, created_at, read_at
                 FROM module_update_notices WHERE org_id = ?{unread}
                 ORDER BY created_at DESC, tool_id, version DESC LIMIT ? OFFSET ?"
            ),
            vec![
                org.as_uuid().into(),
                i64::from(page.limit()).into(),
                i64::try_from(page.offset()).unwrap_or(i64::MAX).into(),
            ],
        )
        .await?;
        commit(tx).await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(UpdateNotice {
                    org,
                    tool: ToolId::from_uuid(get::<Uuid>(row, NOTICES, "tool_id")?),
                    from: labels::version(NOTICES, &get::<String>(row, NOTICES, "from_version")?)?,
                    to: labels::version(NOTICES, &get::<String>(row, NOTICES, "version")?)?,
                    notes: get(row, NOTICES, "release_notes")?,
                    created_at: get(row, NOTICES, "created_at")?,
                    read_at: get(row, NOTICES, "read_at")?,
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or_default(),
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn mark_read(
        &self,
        org: OrgId,
        tool: ToolId,
        version: &Version,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let key = vec![
            org.as_uuid().into(),
            tool.as_uuid().into(),
            version.to_string().into(),
        ];
        let tx = self.begin(Scope::Org(org, None)).await?;
        // A read notice keeps its first reading time.
        let mut values = vec![at.into()];
        values.extend(key.clone());
        execute(
            &tx,
            "UPDATE module_update_notices SET read_at = ?
             WHERE org_id = ? AND tool_id = ? AND version = ? AND read_at IS NULL",
            values,
        )
        .await?;
        let exists = query_one(
            &tx,
            "SELECT read_at FROM module_update_notices
             WHERE org_id = ? AND tool_id = ? AND version = ?",
            key,
        )
        .await?;
        commit(tx).await?;
        Ok(exists.is_some())
    }
}
