//! [`AuditLog`]: an append-only trail. Recording never fails the action: failures are
//! logged.

use async_trait::async_trait;
use marketplace_domain::audit::{AuditEvent, AuditLog};
use marketplace_domain::ports::RepoError;

use crate::SeaOrmStore;
use crate::convert::insert_model;
use crate::entities::audit_log;
use crate::error::map_db;
use crate::tenant::{Scope, commit};

impl SeaOrmStore {
    async fn try_record(&self, event: &AuditEvent) -> Result<(), RepoError> {
        let scope = event
            .org_id
            .map_or(Scope::Platform, |org| Scope::Org(org, event.actor));
        let tx = self.begin(scope).await?;
        let row = audit_log::Model {
            id: uuid::Uuid::now_v7(),
            occurred_at: event.at,
            actor_user_id: event.actor.map(|u| u.as_uuid()),
            org_id: event.org_id.map(|o| o.as_uuid()),
            action: event.action.to_owned(),
            subject_type: event.subject_type.to_owned(),
            subject_id: Some(event.subject_id),
            details: serde_json::Value::Object(
                event
                    .details
                    .iter()
                    .map(|(name, value)| {
                        ((*name).to_owned(), serde_json::Value::from(value.as_str()))
                    })
                    .collect(),
            ),
        };
        insert_model(&tx, row).await.map_err(map_db)?;
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
