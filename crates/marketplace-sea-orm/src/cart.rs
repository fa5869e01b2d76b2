//! [`CartRepository`]: one cart per (org, user), stored as its lines (R-K1, R-K4: no total).

use async_trait::async_trait;
use marketplace_domain::cart::{Cart, CartLine, CartRepository};
use marketplace_domain::ids::{OrgId, PlanId, UserId};
use marketplace_domain::ports::RepoError;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::convert::{insert_model, item, item_columns, split_items};
use crate::entities::cart_lines;
use crate::error::map_db;
use crate::tenant::{Scope, commit};

/// Line ids that sort in the cart's order: one time-ordered base per save, the line's
/// position in its low 32 bits (the version and variant bits stay those of a v7 UUID).
fn line_id(base: Uuid, position: u32) -> Uuid {
    Uuid::from_u128((base.as_u128() & !0xFFFF_FFFF) | u128::from(position))
}

/// Removes the bought items from a buyer's cart, in the caller's transaction (R-O4).
pub(crate) async fn remove_items(
    tx: &DatabaseTransaction,
    org: OrgId,
    user: UserId,
    items: &[marketplace_domain::catalog::ItemRef],
) -> Result<(), RepoError> {
    let (tools, bundles) = split_items(items);
    if tools.is_empty() && bundles.is_empty() {
        return Ok(());
    }
    cart_lines::Entity::delete_many()
        .filter(cart_lines::Column::OrgId.eq(org.as_uuid()))
        .filter(cart_lines::Column::UserId.eq(user.as_uuid()))
        .filter(
            sea_orm::Condition::any()
                .add(cart_lines::Column::ToolId.is_in(tools))
                .add(cart_lines::Column::BundleId.is_in(bundles)),
        )
        .exec(tx)
        .await
        .map_err(map_db)?;
    Ok(())
}

#[async_trait]
impl CartRepository for SeaOrmStore {
    async fn load(&self, org: OrgId, user: UserId) -> Result<Cart, RepoError> {
        let tx = self.begin(Scope::Org(org, Some(user))).await?;
        let rows = cart_lines::Entity::find()
            .filter(cart_lines::Column::OrgId.eq(org.as_uuid()))
            .filter(cart_lines::Column::UserId.eq(user.as_uuid()))
            .order_by_asc(cart_lines::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        let lines = rows
            .into_iter()
            .map(|r| {
                Ok(CartLine {
                    item: item("cart_lines", &r.item_type, r.tool_id, r.bundle_id)?,
                    plan: r.plan_id.map(PlanId::from_uuid),
                    added_at: r.added_at,
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        Ok(Cart::restore(org, user, lines))
    }

    async fn save(&self, cart: &Cart) -> Result<(), RepoError> {
        let org = cart.org_id();
        let user = cart.user_id();
        self.atomically(|| async move {
            let tx = self.begin(Scope::Org(org, Some(user))).await?;
            cart_lines::Entity::delete_many()
                .filter(cart_lines::Column::OrgId.eq(org.as_uuid()))
                .filter(cart_lines::Column::UserId.eq(user.as_uuid()))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            let base = Uuid::now_v7();
            for (position, line) in (0_u32..).zip(cart.lines()) {
                let (item_type, tool_id, bundle_id) = item_columns(line.item);
                let row = cart_lines::Model {
                    id: line_id(base, position),
                    org_id: org.as_uuid(),
                    user_id: user.as_uuid(),
                    item_type,
                    tool_id,
                    bundle_id,
                    plan_id: line.plan.map(|p| p.as_uuid()),
                    added_at: line.added_at,
                };
                insert_model(&tx, row).await.map_err(map_db)?;
            }
            commit(tx).await
        })
        .await
    }
}
