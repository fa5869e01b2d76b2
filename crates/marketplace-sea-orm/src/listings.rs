//! The listings context's ports over `seller_profiles`, `seller_listings`,
//! `seller_notices` and `seller_opt_ins` ([`ListingRepository`]).
//!
//! A seller's own calls run in its org's transaction (row-level security on PostgreSQL and
//! an `org_id` filter in SQL on both backends); a moderator's (the queue, a listing found
//! by id, a decision and its notice) run on the platform pool, as does the question which
//! org a published bundle belongs to. A decision is saved with a compare-and-set on the
//! listing's status, so two moderators deciding at once cannot both win.

use async_trait::async_trait;
use marketplace_domain::ids::{BundleId, OrgId, SellerId, ToolId, UserId};
use marketplace_domain::item::ItemRef;
use marketplace_domain::paging::{Page, PageRequest};
use marketplace_domain::ports::RepoError;
use marketplace_listings::content::{ListingContent, Published};
use marketplace_listings::listing::{
    Decision, Listing, ListingId, ListingParts, ListingStatus, Notes, NoticeId, Outcome,
};
use marketplace_listings::opt_in::OptIn;
use marketplace_listings::ports::{ListingRepository, Notice};
use marketplace_listings::seller::SellerProfile;
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value as Json, json};

use crate::SeaOrmStore;
use crate::entities::{bundles, tools};
use crate::error::{corrupt, map_db, map_db_or_missing};
use crate::tenant::{Scope, commit, end_read};

const LISTINGS: &str = "seller_listings";
const OPT_INS: &str = "seller_opt_ins";

mod entities {
    pub(super) mod seller_listings {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "seller_listings")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub org_id: Uuid,
            pub seller_id: Uuid,
            pub kind: String,
            pub status: String,
            pub content: Json,
            pub decided_by: Option<Uuid>,
            pub decided_at: Option<DateTimeUtc>,
            pub outcome: Option<String>,
            pub notes: Option<String>,
            pub published_kind: Option<String>,
            pub published_id: Option<Uuid>,
            pub created_at: DateTimeUtc,
            pub updated_at: DateTimeUtc,
            pub submitted_at: Option<DateTimeUtc>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub(super) mod seller_notices {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "seller_notices")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub org_id: Uuid,
            pub listing_id: Uuid,
            pub title: String,
            pub outcome: String,
            pub notes: Option<String>,
            pub at: DateTimeUtc,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub(super) mod seller_opt_ins {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "seller_opt_ins")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub org_id: Uuid,
            pub seller_id: Uuid,
            pub enabled: bool,
            /// `[{"item_type": "tool"|"bundle", "item_id", "enabled"}]`.
            pub products: Json,
            pub updated_at: DateTimeUtc,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    pub(super) mod seller_profiles {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
        #[sea_orm(table_name = "seller_profiles")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub seller_id: Uuid,
            pub org_id: Uuid,
            pub display_name: String,
            pub description: String,
            pub website: Option<String>,
            pub support_email: String,
            pub updated_at: DateTimeUtc,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}

use entities::{seller_listings, seller_notices, seller_opt_ins, seller_profiles};

fn published_columns(p: Option<Published>) -> (Option<String>, Option<uuid::Uuid>) {
    match p {
        None => (None, None),
        Some(p) => {
            let kind = match p {
                Published::Tool(_) => "TOOL",
                Published::Bundle(_) => "BUNDLE",
                Published::ToolChange(_) => "TOOL_CHANGE",
                Published::Service(_) => "SERVICE",
            };
            (Some(kind.to_owned()), Some(p.id()))
        }
    }
}

fn to_row(l: &Listing) -> Result<seller_listings::Model, RepoError> {
    let p = l.parts();
    let content = serde_json::to_value(&p.content).map_err(|e| corrupt(LISTINGS, e))?;
    let (published_kind, published_id) = published_columns(p.published);
    Ok(seller_listings::Model {
        id: p.id.as_uuid(),
        org_id: p.org_id.as_uuid(),
        seller_id: p.seller_id.as_uuid(),
        kind: p.content.kind().as_str().to_owned(),
        status: p.status.as_str().to_owned(),
        content,
        decided_by: p.decision.as_ref().and_then(|d| d.by).map(|u| u.as_uuid()),
        decided_at: p.decision.as_ref().map(|d| d.at),
        outcome: p.decision.as_ref().map(|d| d.outcome.as_str().to_owned()),
        notes: p
            .decision
            .as_ref()
            .and_then(|d| d.notes.as_ref())
            .map(|n| n.as_str().to_owned()),
        published_kind,
        published_id,
        created_at: p.created_at,
        updated_at: p.updated_at,
        submitted_at: p.submitted_at,
    })
}

fn to_listing(m: seller_listings::Model) -> Result<Listing, RepoError> {
    let content: ListingContent =
        serde_json::from_value(m.content).map_err(|e| corrupt(LISTINGS, e))?;
    let status: ListingStatus = m.status.parse().map_err(|e| corrupt(LISTINGS, e))?;
    let decision = match (m.decided_at, m.outcome) {
        (Some(at), Some(outcome)) => Some(Decision {
            by: m.decided_by.map(UserId::from_uuid),
            at,
            outcome: outcome.parse().map_err(|e| corrupt(LISTINGS, e))?,
            notes: Notes::parse(m.notes.as_deref()).map_err(|e| corrupt(LISTINGS, e))?,
        }),
        (None, None) => None,
        _ => return Err(corrupt(LISTINGS, "a decision without its time or outcome")),
    };
    let published = match (m.published_kind.as_deref(), m.published_id) {
        (None, None) => None,
        (Some("TOOL"), Some(id)) => Some(Published::Tool(ToolId::from_uuid(id))),
        (Some("BUNDLE"), Some(id)) => Some(Published::Bundle(BundleId::from_uuid(id))),
        (Some("TOOL_CHANGE"), Some(id)) => Some(Published::ToolChange(ToolId::from_uuid(id))),
        (Some("SERVICE"), Some(id)) => Some(Published::Service(id)),
        (kind, _) => return Err(corrupt(LISTINGS, format!("published as {kind:?}"))),
    };
    Ok(Listing::restore(ListingParts {
        id: ListingId::from_uuid(m.id),
        seller_id: SellerId::from_uuid(m.seller_id),
        org_id: OrgId::from_uuid(m.org_id),
        content,
        status,
        decision,
        published,
        created_at: m.created_at,
        updated_at: m.updated_at,
        submitted_at: m.submitted_at,
    }))
}

fn to_notice(m: seller_notices::Model) -> Result<Notice, RepoError> {
    Ok(Notice {
        id: NoticeId::from_uuid(m.id),
        org_id: OrgId::from_uuid(m.org_id),
        listing_id: ListingId::from_uuid(m.listing_id),
        title: m.title,
        outcome: m
            .outcome
            .parse::<Outcome>()
            .map_err(|e| corrupt("seller_notices", e))?,
        notes: m.notes,
        at: m.at,
    })
}

fn products_json(choice: &OptIn) -> Json {
    Json::Array(
        choice
            .products()
            .map(|(item, enabled)| {
                let (kind, id) = match item {
                    ItemRef::Tool(t) => ("tool", t.as_uuid()),
                    ItemRef::Bundle(b) => ("bundle", b.as_uuid()),
                };
                json!({"item_type": kind, "item_id": id, "enabled": enabled})
            })
            .collect(),
    )
}

fn to_opt_in(m: seller_opt_ins::Model) -> Result<OptIn, RepoError> {
    let bad = |what: &str| corrupt(OPT_INS, format!("products: {what}"));
    let items = m.products.as_array().ok_or_else(|| bad("not an array"))?;
    let mut products = Vec::with_capacity(items.len());
    for p in items {
        let id = p
            .get("item_id")
            .and_then(Json::as_str)
            .and_then(|s| s.parse::<uuid::Uuid>().ok())
            .ok_or_else(|| bad("an item without its id"))?;
        let item = match p.get("item_type").and_then(Json::as_str) {
            Some("tool") => ItemRef::Tool(ToolId::from_uuid(id)),
            Some("bundle") => ItemRef::Bundle(BundleId::from_uuid(id)),
            _ => return Err(bad("an unknown item type")),
        };
        let enabled = p
            .get("enabled")
            .and_then(Json::as_bool)
            .ok_or_else(|| bad("an item without its choice"))?;
        products.push((item, enabled));
    }
    Ok(OptIn::new(m.enabled, products))
}

fn to_profile(m: seller_profiles::Model) -> SellerProfile {
    SellerProfile::restore(
        SellerId::from_uuid(m.seller_id),
        OrgId::from_uuid(m.org_id),
        m.display_name,
        m.description,
        m.website,
        m.support_email,
    )
}

fn lower_name_is(column: impl sea_orm::sea_query::IntoColumnRef, name: &str) -> Expr {
    ExprTrait::eq(
        Expr::expr(Func::lower(Expr::col(column))),
        name.trim().to_lowercase(),
    )
}

impl SeaOrmStore {
    async fn count_where(
        &self,
        db: &impl ConnectionTrait,
        cond: Condition,
    ) -> Result<u64, RepoError> {
        seller_listings::Entity::find()
            .filter(cond)
            .count(db)
            .await
            .map_err(map_db)
    }
}

#[async_trait]
impl ListingRepository for SeaOrmStore {
    async fn get(&self, org: OrgId, id: ListingId) -> Result<Option<Listing>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let row = seller_listings::Entity::find()
            .filter(seller_listings::Column::OrgId.eq(org.as_uuid()))
            .filter(seller_listings::Column::Id.eq(id.as_uuid()))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_listing).transpose()
    }

    async fn of_org(&self, org: OrgId) -> Result<Vec<Listing>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let rows = seller_listings::Entity::find()
            .filter(seller_listings::Column::OrgId.eq(org.as_uuid()))
            .order_by_desc(seller_listings::Column::CreatedAt)
            .order_by_desc(seller_listings::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.into_iter().map(to_listing).collect()
    }

    async fn insert(&self, listing: &Listing) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Org(listing.org_id(), None)).await?;
        seller_listings::Entity::insert(to_row(listing)?.into_active_model())
            .exec_without_returning(&tx)
            .await
            .map_err(map_db_or_missing)?;
        commit(tx).await
    }

    async fn save(&self, listing: &Listing, was: ListingStatus) -> Result<(), RepoError> {
        use seller_listings::Column as C;
        let tx = self.begin(Scope::Org(listing.org_id(), None)).await?;
        let mut row = to_row(listing)?.into_active_model().reset_all();
        row.id = ActiveValue::NotSet;
        row.org_id = ActiveValue::NotSet;
        row.seller_id = ActiveValue::NotSet;
        row.created_at = ActiveValue::NotSet;
        let mine = Condition::all()
            .add(C::Id.eq(listing.id().as_uuid()))
            .add(C::OrgId.eq(listing.org_id().as_uuid()));
        let res = seller_listings::Entity::update_many()
            .set(row)
            .filter(mine.clone())
            .filter(C::Status.eq(was.as_str()))
            .exec(&tx)
            .await
            .map_err(map_db)?;
        if res.rows_affected == 0 {
            let exists = self.count_where(&tx, mine).await? > 0;
            tx.rollback().await.map_err(map_db)?;
            return Err(if exists {
                RepoError::Stale("the listing moved meanwhile")
            } else {
                RepoError::NotFound
            });
        }
        commit(tx).await
    }

    async fn queue(
        &self,
        status: ListingStatus,
        page: PageRequest,
    ) -> Result<Page<Listing>, RepoError> {
        use seller_listings::Column as C;
        let tx = self.begin(Scope::Platform).await?;
        let total = seller_listings::Entity::find()
            .filter(C::Status.eq(status.as_str()))
            .count(&tx)
            .await
            .map_err(map_db)?;
        let rows = seller_listings::Entity::find()
            .filter(C::Status.eq(status.as_str()))
            .order_by_asc(C::SubmittedAt)
            .order_by_asc(C::CreatedAt)
            .order_by_asc(C::Id)
            .limit(u64::from(page.limit()))
            .offset(page.offset())
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(Page {
            items: rows.into_iter().map(to_listing).collect::<Result<_, _>>()?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn find(&self, id: ListingId) -> Result<Option<Listing>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let row = seller_listings::Entity::find_by_id(id.as_uuid())
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_listing).transpose()
    }

    async fn notify(&self, notice: &Notice) -> Result<(), RepoError> {
        let tx = self.begin(Scope::Org(notice.org_id, None)).await?;
        seller_notices::Entity::insert(
            seller_notices::Model {
                id: notice.id.as_uuid(),
                org_id: notice.org_id.as_uuid(),
                listing_id: notice.listing_id.as_uuid(),
                title: notice.title.clone(),
                outcome: notice.outcome.as_str().to_owned(),
                notes: notice.notes.clone(),
                at: notice.at,
            }
            .into_active_model(),
        )
        .exec_without_returning(&tx)
        .await
        .map_err(map_db_or_missing)?;
        commit(tx).await
    }

    async fn notices(&self, org: OrgId) -> Result<Vec<Notice>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let rows = seller_notices::Entity::find()
            .filter(seller_notices::Column::OrgId.eq(org.as_uuid()))
            .order_by_desc(seller_notices::Column::At)
            .order_by_desc(seller_notices::Column::Id)
            .all(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.into_iter().map(to_notice).collect()
    }

    async fn opt_in(&self, org: OrgId) -> Result<Option<OptIn>, RepoError> {
        // Read when a buyer adds an item, in the buyer's transaction scope: the seller's
        // choice is read on the platform pool.
        let tx = self.begin(Scope::Platform).await?;
        let row = seller_opt_ins::Entity::find_by_id(org.as_uuid())
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(to_opt_in).transpose()
    }

    async fn set_opt_in(
        &self,
        org: OrgId,
        seller: SellerId,
        choice: &OptIn,
    ) -> Result<(), RepoError> {
        use seller_opt_ins::Column as C;
        let tx = self.begin(Scope::Org(org, None)).await?;
        seller_opt_ins::Entity::insert(
            seller_opt_ins::Model {
                org_id: org.as_uuid(),
                seller_id: seller.as_uuid(),
                enabled: choice.enabled(),
                products: products_json(choice),
                updated_at: self.clock.now(),
            }
            .into_active_model(),
        )
        .on_conflict(
            OnConflict::column(C::OrgId)
                .update_columns([C::SellerId, C::Enabled, C::Products, C::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(&tx)
        .await
        .map_err(map_db_or_missing)?;
        commit(tx).await
    }

    async fn profile(&self, org: OrgId) -> Result<Option<SellerProfile>, RepoError> {
        let tx = self.begin(Scope::Org(org, None)).await?;
        let row = seller_profiles::Entity::find()
            .filter(seller_profiles::Column::OrgId.eq(org.as_uuid()))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(row.map(to_profile))
    }

    async fn save_profile(&self, profile: &SellerProfile) -> Result<(), RepoError> {
        use seller_profiles::Column as C;
        let tx = self.begin(Scope::Org(profile.org_id(), None)).await?;
        seller_profiles::Entity::insert(
            seller_profiles::Model {
                seller_id: profile.seller_id().as_uuid(),
                org_id: profile.org_id().as_uuid(),
                display_name: profile.display_name().to_owned(),
                description: profile.description().to_owned(),
                website: profile.website().map(str::to_owned),
                support_email: profile.support_email().to_owned(),
                updated_at: self.clock.now(),
            }
            .into_active_model(),
        )
        .on_conflict(
            OnConflict::column(C::SellerId)
                .update_columns([
                    C::DisplayName,
                    C::Description,
                    C::Website,
                    C::SupportEmail,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&tx)
        .await
        .map_err(map_db_or_missing)?;
        commit(tx).await
    }

    async fn catalog_name_taken(
        &self,
        name: &str,
        except: Option<ToolId>,
    ) -> Result<bool, RepoError> {
        let tx = self.begin(Scope::Global).await?;
        let mut same_tool = Condition::all().add(lower_name_is(tools::Column::Name, name));
        if let Some(id) = except {
            same_tool = same_tool.add(tools::Column::Id.ne(id.as_uuid()));
        }
        let tools = tools::Entity::find()
            .filter(same_tool)
            .count(&tx)
            .await
            .map_err(map_db)?;
        let bundles = bundles::Entity::find()
            .filter(lower_name_is(bundles::Column::Name, name))
            .count(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(tools + bundles > 0)
    }

    async fn bundle_owner(&self, bundle: BundleId) -> Result<Option<OrgId>, RepoError> {
        use seller_listings::Column as C;
        let tx = self.begin(Scope::Platform).await?;
        let row = seller_listings::Entity::find()
            .filter(C::PublishedKind.eq("BUNDLE"))
            .filter(C::PublishedId.eq(bundle.as_uuid()))
            .one(&tx)
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        Ok(row.map(|r| OrgId::from_uuid(r.org_id)))
    }
}

impl SeaOrmStore {
    /// R-G5, for the in-memory catalog: every tool and bundle its seller does not offer,
    /// each with the org that manages the seller. Read on the platform pool (opt-in
    /// choices are tenant rows); the transaction only reads, so its end is not counted as
    /// a commit (that would make the copy re-check the version it was just read at).
    pub(crate) async fn withheld_items(&self) -> Result<Vec<(ItemRef, OrgId)>, RepoError> {
        let tx = self.begin(Scope::Platform).await?;
        let choices = seller_opt_ins::Entity::find()
            .all(&tx)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(|m| Ok((OrgId::from_uuid(m.org_id), to_opt_in(m)?)))
            .collect::<Result<std::collections::HashMap<_, _>, RepoError>>()?;
        let restricted = |org: &OrgId| {
            choices
                .get(org)
                .is_some_and(|c| !c.enabled() || c.products().any(|(_, offered)| !offered))
        };
        let mut out = Vec::new();
        if choices.keys().any(restricted) {
            let stmt = sea_orm::Statement::from_string(
                self.backend(),
                "SELECT t.id AS id, s.org_id AS org_id FROM tools t \
                 JOIN sellers s ON s.id = t.seller_id WHERE s.org_id IS NOT NULL",
            );
            for row in tx.query_all_raw(stmt).await.map_err(map_db)? {
                let id: uuid::Uuid = row.try_get("", "id").map_err(map_db)?;
                let org = OrgId::from_uuid(row.try_get("", "org_id").map_err(map_db)?);
                out.push((ItemRef::Tool(ToolId::from_uuid(id)), org));
            }
            let bundles = seller_listings::Entity::find()
                .filter(seller_listings::Column::PublishedKind.eq("BUNDLE"))
                .all(&tx)
                .await
                .map_err(map_db)?;
            out.extend(bundles.into_iter().filter_map(|l| {
                l.published_id.map(|id| {
                    (
                        ItemRef::Bundle(BundleId::from_uuid(id)),
                        OrgId::from_uuid(l.org_id),
                    )
                })
            }));
            out.retain(|(item, org)| restricted(org) && !choices[org].offers(*item));
        }
        end_read(tx).await?;
        Ok(out)
    }
}
