//! The in-memory [`PaymentEventLog`]: the provider events already processed.

use marketplace_domain::ids::OrgId;
use marketplace_domain::ports::RepoError;

use super::store::InMemoryStore;

#[async_trait::async_trait]
impl marketplace_domain::payment_events::PaymentEventLog for InMemoryStore {
    async fn seen(&self, event_id: &str) -> Result<bool, RepoError> {
        Ok(self.lock().payment_events.contains_key(event_id))
    }

    async fn record(
        &self,
        event_id: &str,
        kind: &str,
        _org: Option<OrgId>,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), RepoError> {
        self.lock()
            .payment_events
            .entry(event_id.to_owned())
            .or_insert_with(|| kind.to_owned());
        Ok(())
    }
}
