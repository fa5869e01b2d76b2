//! The in-memory [`CartRepository`]: one cart per (org, user), stored as its lines.

use async_trait::async_trait;
use marketplace_domain::cart::{Cart, CartRepository};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::ports::RepoError;

use super::store::InMemoryStore;

#[async_trait]
impl CartRepository for InMemoryStore {
    async fn load(&self, org: OrgId, user: UserId) -> Result<Cart, RepoError> {
        let d = self.lock();
        Ok(d.carts.get(&(org, user)).map_or_else(
            || Cart::empty(org, user),
            |l| Cart::restore(org, user, l.clone()),
        ))
    }

    async fn save(&self, cart: &Cart) -> Result<(), RepoError> {
        let mut d = self.lock();
        let key = (cart.org_id(), cart.user_id());
        if cart.is_empty() {
            d.carts.remove(&key);
        } else {
            d.carts.insert(key, cart.lines().to_vec());
        }
        Ok(())
    }
}
