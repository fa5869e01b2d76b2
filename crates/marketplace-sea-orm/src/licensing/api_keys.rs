//! [`ApiKeyRepository`]: an org's keys, their digests and last uses (R-A1..R-A3).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_licensing::api_key::{
    ApiKey, ApiKeyRepository, KeyDigest, KeyEnvironment, KeyHint, KeyLabel, Scopes,
};
use marketplace_licensing::ids::ApiKeyId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::api_keys;
use crate::SeaOrmStore;
use crate::error::{corrupt, map_db};
use crate::tenant::{Scope, commit};

const TABLE: &str = "api_keys";

/// The environment a hint's prefix names, as the `environment` column spells it.
fn environment(hint: &KeyHint) -> &'static str {
    if hint.prefix().starts_with(KeyEnvironment::Test.prefix()) {
        "test"
    } else {
        "live"
    }
}

fn to_row(key: &ApiKey, digest: &KeyDigest) -> api_keys::Model {
    api_keys::Model {
        id: key.id.as_uuid(),
        org_id: key.org_id.as_uuid(),
        label: key.label.as_str().to_owned(),
        scopes: key
            .scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        digest: digest.as_str().to_owned(),
        hint_prefix: key.hint.prefix().to_owned(),
        last4: key.hint.last4().to_owned(),
        environment: environment(&key.hint).to_owned(),
        created_by: key.created_by.as_uuid(),
        created_at: key.created_at,
        last_used_at: key.last_used_at,
        expires_at: key.expires_at,
        revoked_at: key.revoked_at,
    }
}

fn to_key(m: api_keys::Model) -> Result<ApiKey, RepoError> {
    Ok(ApiKey {
        id: ApiKeyId::from_uuid(m.id),
        org_id: OrgId::from_uuid(m.org_id),
        label: KeyLabel::parse(&m.label).map_err(|e| corrupt(TABLE, e.message))?,
        scopes: Scopes::parse(m.scopes.split(' ')).map_err(|e| corrupt(TABLE, e.message))?,
        hint: KeyHint::from_stored(&m.hint_prefix, &m.last4).map_err(|e| corrupt(TABLE, e))?,
        created_by: UserId::from_uuid(m.created_by),
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
    })
}

/// The org's key `id`: the filter every tenant-scoped method carries in SQL.
fn owned(org: OrgId, id: ApiKeyId) -> Condition {
    Condition::all()
        .add(api_keys::Column::OrgId.eq(org.as_uuid()))
        .add(api_keys::Column::Id.eq(id.as_uuid()))
}

#[async_trait]
impl ApiKeyRepository for SeaOrmStore {
    async fn insert(&self, key: &ApiKey, digest: &KeyDigest) -> Result<(), RepoError> {
        let tx = self
            .begin(Scope::Org(key.org_id, Some(key.created_by)))
            .await?;
        api_keys::Entity::insert(to_row(key, digest).into_active_model())
            .exec_without_returning(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }

    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<ApiKey>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let of_org = api_keys::Column::OrgId.eq(org.as_uuid());
        let total = api_keys::Entity::find()
            .filter(of_org.clone())
            .count(&tx)
            .await
            .map_err(map_db)?;
        let rows = api_keys::Entity::find()
            .filter(of_org)
            .order_by_desc(api_keys::Column::CreatedAt)
            .order_by_desc(api_keys::Column::Id)
            .limit(u64::from(page.limit()))
            .offset(page.offset())
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(Page {
            items: rows.into_iter().map(to_key).collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn revoke(
        &self,
        org: OrgId,
        id: ApiKeyId,
        at: DateTime<Utc>,
    ) -> Result<Option<ApiKey>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        // Only a key not yet revoked: a second revocation keeps the first time.
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::RevokedAt, Expr::value(at))
            .filter(owned(org, id))
            .filter(api_keys::Column::RevokedAt.is_null())
            .exec(&tx)
            .await
            .map_err(map_db)?;
        let row = api_keys::Entity::find()
            .filter(owned(org, id))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_key).transpose()
    }

    async fn find_by_digest(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, RepoError> {
        // How a presented key finds its org: the one read across tenants.
        let tx = self.begin(Scope::Platform).await?;
        let row = api_keys::Entity::find()
            .filter(api_keys::Column::Digest.eq(digest.as_str()))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_key).transpose()
    }

    async fn touch(&self, org: OrgId, id: ApiKeyId, at: DateTime<Utc>) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        // Never backwards: a late write loses to a newer one.
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(at))
            .filter(owned(org, id))
            .filter(
                Condition::any()
                    .add(api_keys::Column::LastUsedAt.is_null())
                    .add(api_keys::Column::LastUsedAt.lt(at)),
            )
            .exec(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }

    async fn replace_digest(
        &self,
        org: OrgId,
        id: ApiKeyId,
        digest: &KeyDigest,
    ) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::Digest, Expr::value(digest.as_str()))
            .filter(owned(org, id))
            .exec(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await
    }
}
