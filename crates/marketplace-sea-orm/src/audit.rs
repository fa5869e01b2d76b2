//! [`AuditLog`] and [`AuditTrail`]: an append-only trail (R-T8). Recording never fails the
//! action: failures are logged. A store method that changes records and audits them in
//! one step writes its entry with [`insert_entry`] inside its own transaction.
//!
//! `details` is one JSON object: each named detail as a string, and under `changed` each
//! changed field as `{"old": …, "new": …}` (`null` for no value).

use std::collections::BTreeMap;

use async_trait::async_trait;
use marketplace_domain::audit::{
    AuditEntry, AuditEvent, AuditFilter, AuditLog, AuditTrail, RecordedChange,
};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};

use crate::SeaOrmStore;
use crate::convert::insert_model;
use crate::entities::audit_log;
use crate::error::{corrupt, map_db};
use crate::tenant::{Scope, commit, end_read};

const TABLE: &str = "audit_log";
/// The key of the changed fields inside `details`.
const CHANGED: &str = "changed";

/// The row an event is stored as.
fn row(event: &AuditEvent) -> audit_log::Model {
    let mut details: Map<String, Value> = event
        .details
        .iter()
        .map(|(name, value)| ((*name).to_owned(), Value::from(value.as_str())))
        .collect();
    if !event.changes.is_empty() {
        let changed = event
            .changes
            .iter()
            .map(|c| {
                (
                    c.field().to_owned(),
                    serde_json::json!({"old": c.old(), "new": c.new_value()}),
                )
            })
            .collect::<Map<_, _>>();
        details.insert(CHANGED.to_owned(), Value::Object(changed));
    }
    audit_log::Model {
        id: uuid::Uuid::now_v7(),
        occurred_at: event.at,
        actor_user_id: event.actor.map(|u| u.as_uuid()),
        org_id: event.org_id.map(|o| o.as_uuid()),
        action: event.action.to_owned(),
        subject_type: event.subject_type.to_owned(),
        subject_id: Some(event.subject_id),
        details: Value::Object(details),
    }
}

/// Writes `event` on `db`: inside the caller's transaction, so the entry commits or rolls
/// back with the change it records.
pub(crate) async fn insert_entry<C: ConnectionTrait>(
    db: &C,
    event: &AuditEvent,
) -> Result<(), RepoError> {
    insert_model(db, row(event)).await.map_err(map_db)
}

/// A stored row as an entry.
fn entry(row: audit_log::Model) -> Result<AuditEntry, RepoError> {
    let Value::Object(map) = row.details else {
        return Err(corrupt(TABLE, "details is not an object"));
    };
    let mut details = BTreeMap::new();
    let mut changes = Vec::new();
    for (name, value) in map {
        match (name.as_str(), value) {
            (CHANGED, Value::Object(fields)) => {
                for (field, change) in fields {
                    let text = |v: &Value| v.as_str().map(str::to_owned);
                    changes.push(RecordedChange {
                        field,
                        old: text(&change["old"]),
                        new: text(&change["new"]),
                    });
                }
            }
            (_, Value::String(text)) => {
                details.insert(name, text);
            }
            (_, other) => {
                details.insert(name, other.to_string());
            }
        }
    }
    Ok(AuditEntry {
        id: row.id,
        at: row.occurred_at,
        actor: row.actor_user_id.map(UserId::from_uuid),
        org_id: row.org_id.map(OrgId::from_uuid),
        action: row.action,
        subject_type: row.subject_type,
        subject_id: row.subject_id,
        details,
        changes,
    })
}

impl SeaOrmStore {
    async fn try_record(&self, event: &AuditEvent) -> Result<(), RepoError> {
        let scope = event
            .org_id
            .map_or(Scope::Platform, |org| Scope::Org(org, event.actor));
        let tx = self.begin(scope).await?;
        insert_entry(&tx, event).await?;
        commit(tx).await
    }
}

#[async_trait]
impl AuditLog for SeaOrmStore {
    async fn record(&self, event: AuditEvent) {
        if let Err(error) = self.try_record(&event).await {
            tracing::error!(
                %error,
                action = event.action,
                subject_id = %event.subject_id,
                "could not record an audit event"
            );
        }
    }
}

#[async_trait]
impl AuditTrail for SeaOrmStore {
    async fn entries(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, RepoError> {
        // An org's entries are read as that tenant: row-level security is a second guard
        // on the filter below.
        let scope = filter
            .org
            .map_or(Scope::Platform, |org| Scope::Org(org, None));
        let tx = self.begin(scope).await?;
        let mut query = audit_log::Entity::find();
        if let Some(org) = filter.org {
            query = query.filter(audit_log::Column::OrgId.eq(org.as_uuid()));
        }
        if let Some(actor) = filter.actor {
            query = query.filter(audit_log::Column::ActorUserId.eq(actor.as_uuid()));
        }
        if let Some(kind) = &filter.subject_type {
            query = query.filter(audit_log::Column::SubjectType.eq(kind.as_str()));
        }
        if let Some(id) = filter.subject_id {
            query = query.filter(audit_log::Column::SubjectId.eq(id));
        }
        if let Some(action) = &filter.action {
            query = query.filter(audit_log::Column::Action.eq(action.as_str()));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_log::Column::OccurredAt.gte(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_log::Column::OccurredAt.lt(to));
        }
        let total = query.clone().count(&tx).await.map_err(map_db)?;
        let rows = query
            .order_by_desc(audit_log::Column::OccurredAt)
            .order_by_desc(audit_log::Column::Id)
            .limit(u64::from(page.limit()))
            .offset(page.offset())
            .all(&tx)
            .await
            .map_err(map_db)?;
        end_read(tx).await?;
        Ok(Page {
            items: rows.into_iter().map(entry).collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }
}
