//! The in-memory [`OrgRepository`]: orgs with their tier and credit wallet.

use async_trait::async_trait;
use marketplace_domain::ids::OrgId;
use marketplace_domain::money::Money;
use marketplace_domain::org::{CreditGrant, OrgRepository, Organization};
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::tier::Tier;

use super::store::InMemoryStore;

#[async_trait]
impl OrgRepository for InMemoryStore {
    async fn get(&self, id: OrgId) -> Result<Option<Organization>, RepoError> {
        Ok(self.lock().orgs.get(&id).cloned())
    }

    async fn get_or_provision(&self, id: OrgId) -> Result<Organization, RepoError> {
        Ok(self
            .lock()
            .orgs
            .entry(id)
            .or_insert_with(|| Organization::provisioned(id))
            .clone())
    }

    async fn upsert(&self, id: OrgId, name: &str, tier: Tier) -> Result<Organization, RepoError> {
        let mut d = self.lock();
        let org = d
            .orgs
            .entry(id)
            .or_insert_with(|| Organization::provisioned(id));
        *org = Organization::restore(id, name.to_owned(), tier, org.credits());
        Ok(org.clone())
    }

    async fn grant_credits(&self, id: OrgId, amount: Money) -> Result<Organization, RepoError> {
        let mut d = self.lock();
        let org = d.orgs.get_mut(&id).ok_or(RepoError::NotFound)?;
        let grant = CreditGrant::new(amount).map_err(RepoError::unavailable)?;
        org.grant_credits(grant)
            .map_err(|_| RepoError::Conflict(Conflict::CreditCurrency))?;
        Ok(org.clone())
    }
}
