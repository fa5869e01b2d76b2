//! [`PaymentEventLog`]: which provider events were processed (`processed_payment_events`).
//! Platform scope: a webhook arrives before anyone knows its org.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::OrgId;
use marketplace_domain::payment_events::PaymentEventLog;
use marketplace_domain::ports::RepoError;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait};

use crate::SeaOrmStore;
use crate::entities::processed_payment_events as events;
use crate::error::map_db;
use crate::tenant::{Scope, commit};

/// The only payment provider whose events are recorded.
const PROVIDER: &str = "stripe";

#[async_trait]
impl PaymentEventLog for SeaOrmStore {
    async fn seen(&self, event_id: &str) -> Result<bool, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let found = events::Entity::find_by_id(event_id.to_owned())
            .count(&tx)
            .await
            .map_err(map_db)?
            > 0;
        commit(tx).await?;
        Ok(found)
    }

    async fn record(
        &self,
        event_id: &str,
        kind: &str,
        org: Option<OrgId>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let row = events::Model {
            event_id: event_id.to_owned(),
            provider: PROVIDER.to_owned(),
            event_type: kind.to_owned(),
            org_id: org.map(|o| o.as_uuid()),
            processed_at: at,
        };
        events::Entity::insert(row.into_active_model().reset_all())
            .on_conflict(
                OnConflict::column(events::Column::EventId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }
}
