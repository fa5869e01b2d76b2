//! [`PaymentEventLog`]: which provider events were processed (`processed_payment_events`).
//! Platform scope: a webhook arrives before anyone knows its org.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::OrgId;
use marketplace_domain::payment_events::PaymentEventLog;
use marketplace_domain::ports::RepoError;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Query};

use crate::SeaOrmStore;
use crate::error::map_db;
use crate::tenant::{Scope, commit};

fn table() -> Alias {
    Alias::new("processed_payment_events")
}

#[async_trait]
impl PaymentEventLog for SeaOrmStore {
    async fn seen(&self, event_id: &str) -> Result<bool, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let select = Query::select()
            .expr(Expr::val(1))
            .from(table())
            .and_where(Expr::col(Alias::new("event_id")).eq(event_id))
            .to_owned();
        let found = tx.query_one(&select).await.map_err(map_db)?.is_some();
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
        let insert = Query::insert()
            .into_table(table())
            .columns(
                [
                    "event_id",
                    "provider",
                    "event_type",
                    "org_id",
                    "processed_at",
                ]
                .map(Alias::new),
            )
            .values_panic([
                event_id.into(),
                "stripe".into(),
                kind.into(),
                org.map(|o| o.as_uuid()).into(),
                at.into(),
            ])
            .on_conflict(
                OnConflict::column(Alias::new("event_id"))
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        tx.execute(&insert).await.map_err(map_db)?;
        commit(tx).await
    }
}
