//! [`CatalogRepository`]: the global catalog (R-T4, no tenant), with the catalog query of
//! R-C5 done entirely in SQL.

use std::collections::HashMap;

use async_trait::async_trait;
use marketplace_domain::catalog::{
    Bundle, BundleParts, BundleStatus, BundleTool, CatalogRepository, CategoryCount,
    IntegrationType, ItemName, Page, PageRequest, PriceModel, Pricing, SortBy, SortOrder, Tag,
    Tool, ToolCategory, ToolFilter, ToolLinks, ToolStats, ToolStatus, Version, WebUrl,
};
use marketplace_domain::ids::{BundleId, SellerId, ToolId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::SellerTerms;
use marketplace_domain::tier::Tier;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::convert::{count, fix_scale, insert_model, insert_row, label, money, to_i32};
use crate::entities::{bundle_items, bundles, sellers, tool_tags, tools};
use crate::error::{corrupt, map_db, map_db_or_missing};
use crate::sellers::to_seller;
use crate::tenant::{Scope, commit};

fn to_tool(m: tools::Model, tags: Vec<String>) -> Result<Tool, RepoError> {
    const T: &str = "tools";
    let bad = |e: marketplace_domain::catalog::CatalogError| corrupt(T, e);
    let url = |field: &'static str, v: Option<String>| -> Result<Option<WebUrl>, RepoError> {
        v.map(|u| WebUrl::parse(field, &u).map_err(bad)).transpose()
    };
    let price = money(T, m.price_amount, &m.currency)?;
    Ok(Tool {
        id: ToolId::from_uuid(m.id),
        name: ItemName::parse(&m.name).map_err(bad)?,
        description: m.description,
        long_description: m.long_description,
        category: label::<ToolCategory>(T, &m.category)?,
        tags: tags
            .iter()
            .map(|t| Tag::parse(t).map_err(bad))
            .collect::<Result<_, _>>()?,
        pricing: Pricing::new(label::<PriceModel>(T, &m.price_model)?, price).map_err(bad)?,
        required_tier: label::<Tier>(T, &m.required_tier)?,
        integration_type: label::<IntegrationType>(T, &m.integration_type)?,
        status: label::<ToolStatus>(T, &m.status)?,
        seller_id: SellerId::from_uuid(m.seller_id),
        links: ToolLinks {
            documentation: url("documentation_url", m.documentation_url)?,
            demo: url("demo_url", m.demo_url)?,
            support: url("support_url", m.support_url)?,
            icon: url("icon_url", m.icon_url)?,
        },
        version: Version::parse(&m.version).map_err(bad)?,
        is_featured: m.is_featured,
        stats: ToolStats {
            purchase_count: count(m.purchase_count),
            view_count: count(m.view_count),
            avg_rating: m.avg_rating.map(|r| fix_scale(r, 2)),
            review_count: count(m.review_count),
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn tool_model(tool: &Tool) -> Result<tools::Model, RepoError> {
    const T: &str = "tools";
    let price = tool.pricing.price();
    Ok(tools::Model {
        id: tool.id.as_uuid(),
        name: tool.name.as_str().to_owned(),
        description: tool.description.clone(),
        long_description: tool.long_description.clone(),
        category: tool.category.as_str().to_owned(),
        price_model: tool.pricing.model().as_str().to_owned(),
        price_amount: price.amount(),
        currency: price.currency().code().to_owned(),
        required_tier: tool.required_tier.as_str().to_owned(),
        integration_type: tool.integration_type.as_str().to_owned(),
        status: tool.status.as_str().to_owned(),
        seller_id: tool.seller_id.as_uuid(),
        documentation_url: tool
            .links
            .documentation
            .as_ref()
            .map(|u| u.as_str().to_owned()),
        demo_url: tool.links.demo.as_ref().map(|u| u.as_str().to_owned()),
        support_url: tool.links.support.as_ref().map(|u| u.as_str().to_owned()),
        icon_url: tool.links.icon.as_ref().map(|u| u.as_str().to_owned()),
        version: tool.version.as_str().to_owned(),
        is_featured: tool.is_featured,
        purchase_count: to_i32(T, tool.stats.purchase_count)?,
        view_count: to_i32(T, tool.stats.view_count)?,
        avg_rating: tool.stats.avg_rating,
        review_count: to_i32(T, tool.stats.review_count)?,
        created_at: tool.created_at,
        updated_at: tool.updated_at,
    })
}

pub(crate) fn tag_rows(tool: &Tool) -> Vec<tool_tags::ActiveModel> {
    (0_i32..)
        .zip(&tool.tags)
        .map(|(position, t)| {
            tool_tags::Model {
                tool_id: tool.id.as_uuid(),
                tag: t.as_str().to_owned(),
                position,
            }
            .into_active_model()
            .reset_all()
        })
        .collect()
}

/// `LIKE` pattern for a substring, with `\` escaping `%`, `_` and itself.
fn contains_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// `lower(column) LIKE '%word%'`. The domain also strips accents; SQL only folds case, so
/// the two agree on unaccented text (the in-memory catalog serves the API's searches).
fn lower_contains(column: tools::Column, word: &str) -> Expr {
    Expr::expr(Func::lower(Expr::col((tools::Entity, column))))
        .like(LikeExpr::new(contains_pattern(word)).escape('\\'))
}

/// The WHERE of R-C5, the same for the page and for its total.
fn filter_condition(f: &ToolFilter) -> Condition {
    let mut cond = Condition::all();
    if !f.categories.is_empty() {
        cond = cond.add(tools::Column::Category.is_in(f.categories.iter().map(|c| c.as_str())));
    }
    if !f.tiers.is_empty() {
        cond = cond.add(tools::Column::RequiredTier.is_in(f.tiers.iter().map(|t| t.as_str())));
    }
    if !f.statuses.is_empty() {
        cond = cond.add(tools::Column::Status.is_in(f.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(featured) = f.featured {
        cond = cond.add(tools::Column::IsFeatured.eq(featured));
    }
    if let Some(min) = f.price_min {
        cond = cond.add(tools::Column::PriceAmount.gte(min));
    }
    if let Some(max) = f.price_max {
        cond = cond.add(tools::Column::PriceAmount.lte(max));
    }
    if let Some(search) = &f.search {
        for word in search.split(' ') {
            cond = cond.add(
                Condition::any()
                    .add(lower_contains(tools::Column::Name, word))
                    .add(lower_contains(tools::Column::Description, word)),
            );
        }
    }
    if !f.tags.is_empty() {
        let tags: Vec<String> = f.tags.iter().map(|t| t.as_str().to_owned()).collect();
        cond = cond.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(tool_tags::Entity)
                .and_where(
                    Expr::col((tool_tags::Entity, tool_tags::Column::ToolId))
                        .equals((tools::Entity, tools::Column::Id)),
                )
                .and_where(Expr::col((tool_tags::Entity, tool_tags::Column::Tag)).is_in(tags))
                .to_owned(),
        ));
    }
    cond
}

/// The primary sort key of R-C5. Names compare lower-cased by code point (`COLLATE "C"` on
/// PostgreSQL, SQLite's default BINARY), as Rust's `str` ordering does; a missing rating
/// sorts as the lowest (`COALESCE(avg_rating, -1)`): first ascending, last descending.
fn sort_key(backend: DbBackend, filter: &ToolFilter) -> Expr {
    match filter.sort_by {
        SortBy::Relevance => {
            // Per word: 2 when the name has it, 1 when the description has it (as the
            // domain's `search::relevance`).
            let mut score = Expr::val(0);
            for word in filter.search.iter().flat_map(|s| s.split(' ')) {
                for (column, weight) in [(tools::Column::Name, 2), (tools::Column::Description, 1)]
                {
                    let hit: Expr = Expr::case(lower_contains(column, word), Expr::val(weight))
                        .finally(Expr::val(0))
                        .into();
                    score = score.add(hit);
                }
            }
            score
        }
        SortBy::Name => match backend {
            DbBackend::Postgres => Expr::cust(r#"lower("tools"."name") COLLATE "C""#),
            _ => Expr::expr(Func::lower(Expr::col((tools::Entity, tools::Column::Name)))),
        },
        SortBy::Price => Expr::col((tools::Entity, tools::Column::PriceAmount)),
        SortBy::PurchaseCount => Expr::col((tools::Entity, tools::Column::PurchaseCount)),
        SortBy::Rating => Expr::expr(Func::coalesce([
            Expr::col((tools::Entity, tools::Column::AvgRating)),
            Expr::val(-1),
        ])),
        SortBy::CreatedAt => Expr::col((tools::Entity, tools::Column::CreatedAt)),
        SortBy::Popular => Expr::col((tools::Entity, tools::Column::ViewCount)),
    }
}

impl SeaOrmStore {
    /// Tools with their tags, in the order of `models`.
    async fn hydrate_tools<C: ConnectionTrait>(
        &self,
        db: &C,
        models: Vec<tools::Model>,
    ) -> Result<Vec<Tool>, RepoError> {
        if models.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
        let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
        for row in tool_tags::Entity::find()
            .filter(tool_tags::Column::ToolId.is_in(ids))
            .order_by_asc(tool_tags::Column::ToolId)
            .order_by_asc(tool_tags::Column::Position)
            .order_by_asc(tool_tags::Column::Tag)
            .all(db)
            .await
            .map_err(map_db)?
        {
            tags.entry(row.tool_id).or_default().push(row.tag);
        }
        models
            .into_iter()
            .map(|m| {
                let t = tags.remove(&m.id).unwrap_or_default();
                to_tool(m, t)
            })
            .collect()
    }

    /// Bundles with their tools (live names, prices and sellers) in display order, in the
    /// order of `models`.
    async fn hydrate_bundles<C: ConnectionTrait>(
        &self,
        db: &C,
        models: Vec<bundles::Model>,
    ) -> Result<Vec<Bundle>, RepoError> {
        const T: &str = "bundles";
        if models.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
        let items = bundle_items::Entity::find()
            .filter(bundle_items::Column::BundleId.is_in(ids))
            .order_by_asc(bundle_items::Column::BundleId)
            .order_by_asc(bundle_items::Column::Position)
            .all(db)
            .await
            .map_err(map_db)?;
        let mut tool_ids: Vec<Uuid> = items.iter().map(|i| i.tool_id).collect();
        tool_ids.sort_unstable();
        tool_ids.dedup();
        let tools: HashMap<Uuid, tools::Model> = tools::Entity::find()
            .filter(tools::Column::Id.is_in(tool_ids))
            .all(db)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let mut by_bundle: HashMap<Uuid, Vec<BundleTool>> = HashMap::new();
        for item in items {
            let t = tools
                .get(&item.tool_id)
                .ok_or_else(|| corrupt(T, "bundle item without its tool"))?;
            by_bundle
                .entry(item.bundle_id)
                .or_default()
                .push(BundleTool {
                    tool_id: ToolId::from_uuid(t.id),
                    name: ItemName::parse(&t.name).map_err(|e| corrupt("tools", e))?,
                    price: money("tools", t.price_amount, &t.currency)?,
                    seller_id: SellerId::from_uuid(t.seller_id),
                });
        }
        models
            .into_iter()
            .map(|m| {
                Bundle::new(BundleParts {
                    id: BundleId::from_uuid(m.id),
                    name: ItemName::parse(&m.name).map_err(|e| corrupt(T, e))?,
                    description: m.description,
                    price: money(T, m.price_amount, &m.currency)?,
                    required_tier: label::<Tier>(T, &m.required_tier)?,
                    status: label::<BundleStatus>(T, &m.status)?,
                    tools: by_bundle.remove(&m.id).unwrap_or_default(),
                    is_featured: m.is_featured,
                    purchase_count: count(m.purchase_count),
                    created_at: m.created_at,
                    updated_at: m.updated_at,
                })
                .map_err(|e| corrupt(T, e))
            })
            .collect()
    }

    /// The catalog's change counter (see the `catalog_version` migration).
    pub(crate) async fn catalog_version(&self) -> Result<i64, RepoError> {
        let row = self
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                self.backend(),
                "SELECT version FROM catalog_version",
            ))
            .await
            .map_err(map_db)?
            .ok_or_else(|| corrupt("catalog_version", "the counter row is missing"))?;
        row.try_get::<i64>("", "version").map_err(map_db)
    }

    /// Every tool (with its tags) and every bundle, for an in-memory copy. Read after the
    /// version the caller holds, so the copy is at least as new as that version.
    pub(crate) async fn whole_catalog(&self) -> Result<(Vec<Tool>, Vec<Bundle>), RepoError> {
        let models = tools::Entity::find()
            .all(&self.conn)
            .await
            .map_err(map_db)?;
        let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
        for row in tool_tags::Entity::find()
            .order_by_asc(tool_tags::Column::ToolId)
            .order_by_asc(tool_tags::Column::Position)
            .order_by_asc(tool_tags::Column::Tag)
            .all(&self.conn)
            .await
            .map_err(map_db)?
        {
            tags.entry(row.tool_id).or_default().push(row.tag);
        }
        let tools = models
            .into_iter()
            .map(|m| {
                let t = tags.remove(&m.id).unwrap_or_default();
                to_tool(m, t)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bundle_models = bundles::Entity::find()
            .all(&self.conn)
            .await
            .map_err(map_db)?;
        let bundles = self.hydrate_bundles(&self.conn, bundle_models).await?;
        Ok((tools, bundles))
    }

    async fn write_bundle_items<C: ConnectionTrait>(
        db: &C,
        bundle: &Bundle,
    ) -> Result<(), RepoError> {
        bundle_items::Entity::delete_many()
            .filter(bundle_items::Column::BundleId.eq(bundle.id().as_uuid()))
            .exec(db)
            .await
            .map_err(map_db)?;
        for (position, t) in (0_i32..).zip(bundle.tools()) {
            let row = bundle_items::Model {
                bundle_id: bundle.id().as_uuid(),
                tool_id: t.tool_id.as_uuid(),
                position,
            };
            insert_model(db, row).await.map_err(map_db_or_missing)?;
        }
        Ok(())
    }
}

fn bundle_model(b: &Bundle, purchase_count: i32) -> bundles::Model {
    bundles::Model {
        id: b.id().as_uuid(),
        name: b.name().as_str().to_owned(),
        description: b.description().to_owned(),
        price_amount: b.price().amount(),
        currency: b.currency().code().to_owned(),
        required_tier: b.required_tier().as_str().to_owned(),
        status: b.status().as_str().to_owned(),
        is_featured: b.is_featured(),
        purchase_count,
        created_at: b.created_at(),
        updated_at: b.updated_at(),
    }
}

/// Writes an edited tool's row and replaces its tags in `tx`: the one way a tool edit is
/// stored, alone ([`CatalogRepository::update_tool`]) or with the plans an edit adds or
/// changes.
pub(crate) async fn update_tool_in<C: ConnectionTrait>(
    tx: &C,
    tool: &Tool,
    model: &tools::Model,
) -> Result<(), RepoError> {
    let m = model.clone();
    let res = tools::Entity::update_many()
        .col_expr(tools::Column::Name, Expr::val(m.name))
        .col_expr(tools::Column::Description, Expr::val(m.description))
        .col_expr(
            tools::Column::LongDescription,
            Expr::val(m.long_description),
        )
        .col_expr(tools::Column::Category, Expr::val(m.category))
        .col_expr(tools::Column::PriceModel, Expr::val(m.price_model))
        .col_expr(tools::Column::PriceAmount, Expr::val(m.price_amount))
        .col_expr(tools::Column::Currency, Expr::val(m.currency))
        .col_expr(tools::Column::RequiredTier, Expr::val(m.required_tier))
        .col_expr(
            tools::Column::IntegrationType,
            Expr::val(m.integration_type),
        )
        .col_expr(tools::Column::Status, Expr::val(m.status))
        .col_expr(tools::Column::SellerId, Expr::val(m.seller_id))
        .col_expr(
            tools::Column::DocumentationUrl,
            Expr::val(m.documentation_url),
        )
        .col_expr(tools::Column::DemoUrl, Expr::val(m.demo_url))
        .col_expr(tools::Column::SupportUrl, Expr::val(m.support_url))
        .col_expr(tools::Column::IconUrl, Expr::val(m.icon_url))
        .col_expr(tools::Column::Version, Expr::val(m.version))
        .col_expr(tools::Column::IsFeatured, Expr::val(m.is_featured))
        .col_expr(tools::Column::UpdatedAt, Expr::val(m.updated_at))
        .filter(tools::Column::Id.eq(m.id))
        .exec(tx)
        .await
        .map_err(map_db_or_missing)?;
    if res.rows_affected == 0 {
        return Err(RepoError::NotFound);
    }
    tool_tags::Entity::delete_many()
        .filter(tool_tags::Column::ToolId.eq(m.id))
        .exec(tx)
        .await
        .map_err(map_db)?;
    for row in tag_rows(tool) {
        insert_row(tx, row).await.map_err(map_db)?;
    }
    Ok(())
}

#[async_trait]
impl CatalogRepository for SeaOrmStore {
    fn read_model(
        &self,
    ) -> Option<std::sync::Arc<dyn marketplace_domain::catalog::CatalogReadModel>> {
        self.memory_catalog
            .clone()
            .map(|m| m as std::sync::Arc<dyn marketplace_domain::catalog::CatalogReadModel>)
    }

    async fn tool(&self, id: ToolId) -> Result<Option<Tool>, RepoError> {
        Ok(self.tools(&[id]).await?.into_iter().next())
    }

    async fn tools(&self, ids: &[ToolId]) -> Result<Vec<Tool>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let models = tools::Entity::find()
            .filter(tools::Column::Id.is_in(ids.iter().map(ToolId::as_uuid)))
            .all(&self.conn)
            .await
            .map_err(map_db)?;
        self.hydrate_tools(&self.conn, models).await
    }

    async fn bundle(&self, id: BundleId) -> Result<Option<Bundle>, RepoError> {
        Ok(self.bundles(&[id]).await?.into_iter().next())
    }

    async fn bundles(&self, ids: &[BundleId]) -> Result<Vec<Bundle>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let models = bundles::Entity::find()
            .filter(bundles::Column::Id.is_in(ids.iter().map(BundleId::as_uuid)))
            .all(&self.conn)
            .await
            .map_err(map_db)?;
        self.hydrate_bundles(&self.conn, models).await
    }

    async fn search_tools(&self, filter: &ToolFilter) -> Result<Page<Tool>, RepoError> {
        let cond = filter_condition(filter);
        let order = match filter.sort_order {
            SortOrder::Asc => Order::Asc,
            SortOrder::Desc => Order::Desc,
        };
        let total = tools::Entity::find()
            .filter(cond.clone())
            .count(&self.conn)
            .await
            .map_err(map_db)?;
        let models = tools::Entity::find()
            .filter(cond)
            .order_by(sort_key(self.backend(), filter), order)
            .order_by_asc(tools::Column::Id)
            .limit(u64::from(filter.page.limit()))
            .offset(filter.page.offset())
            .all(&self.conn)
            .await
            .map_err(map_db)?;
        Ok(Page {
            items: self.hydrate_tools(&self.conn, models).await?,
            total,
            limit: filter.page.limit(),
            offset: filter.page.offset(),
        })
    }

    async fn list_bundles(
        &self,
        statuses: &[BundleStatus],
        page: PageRequest,
    ) -> Result<Page<Bundle>, RepoError> {
        let mut cond = Condition::all();
        if !statuses.is_empty() {
            cond = cond.add(bundles::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
        }
        let total = bundles::Entity::find()
            .filter(cond.clone())
            .count(&self.conn)
            .await
            .map_err(map_db)?;
        let models = bundles::Entity::find()
            .filter(cond)
            .order_by_desc(bundles::Column::PurchaseCount)
            .order_by_asc(bundles::Column::Id)
            .limit(u64::from(page.limit()))
            .offset(page.offset())
            .all(&self.conn)
            .await
            .map_err(map_db)?;
        Ok(Page {
            items: self.hydrate_bundles(&self.conn, models).await?,
            total,
            limit: page.limit(),
            offset: page.offset(),
        })
    }

    async fn category_counts(&self) -> Result<Vec<CategoryCount>, RepoError> {
        let rows: Vec<(String, i64)> = tools::Entity::find()
            .select_only()
            .column(tools::Column::Category)
            .column_as(Expr::col(tools::Column::Id).count(), "tools")
            .filter(
                tools::Column::Status
                    .is_in([ToolStatus::Active.as_str(), ToolStatus::Beta.as_str()]),
            )
            .group_by(tools::Column::Category)
            .order_by_asc(tools::Column::Category)
            .into_tuple()
            .all(&self.conn)
            .await
            .map_err(map_db)?;
        rows.into_iter()
            .map(|(category, n)| {
                Ok(CategoryCount {
                    category: label::<ToolCategory>("tools", &category)?,
                    tools: u64::try_from(n).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn seller_terms(&self, ids: &[SellerId]) -> Result<Vec<SellerTerms>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        sellers::Entity::find()
            .filter(sellers::Column::Id.is_in(ids.iter().map(SellerId::as_uuid)))
            .all(&self.conn)
            .await
            .map_err(map_db)?
            .into_iter()
            .map(|s| to_seller(s).map(|s| s.terms()))
            .collect()
    }

    async fn insert_tool(&self, tool: &Tool) -> Result<(), RepoError> {
        let model = &tool_model(tool)?;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Global).await?;
            insert_model(&tx, model.clone())
                .await
                .map_err(map_db_or_missing)?;
            for row in tag_rows(tool) {
                insert_row(&tx, row).await.map_err(map_db)?;
            }
            commit(tx).await
        })
        .await
    }

    async fn update_tool(&self, tool: &Tool) -> Result<(), RepoError> {
        let model = &tool_model(tool)?;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Global).await?;
            update_tool_in(&tx, tool, model).await?;
            commit(tx).await
        })
        .await
    }

    async fn insert_bundle(&self, bundle: &Bundle) -> Result<(), RepoError> {
        let purchase_count = to_i32("bundles", bundle.purchase_count())?;
        self.atomically(|| async move {
            let tx = self.begin(Scope::Global).await?;
            insert_model(&tx, bundle_model(bundle, purchase_count))
                .await
                .map_err(map_db)?;
            Self::write_bundle_items(&tx, bundle).await?;
            commit(tx).await
        })
        .await
    }

    async fn update_bundle(&self, bundle: &Bundle) -> Result<(), RepoError> {
        self.atomically(|| async move {
            let tx = self.begin(Scope::Global).await?;
            let m = bundle_model(bundle, 0);
            let res = bundles::Entity::update_many()
                .col_expr(bundles::Column::Name, Expr::val(m.name))
                .col_expr(bundles::Column::Description, Expr::val(m.description))
                .col_expr(bundles::Column::PriceAmount, Expr::val(m.price_amount))
                .col_expr(bundles::Column::Currency, Expr::val(m.currency))
                .col_expr(bundles::Column::RequiredTier, Expr::val(m.required_tier))
                .col_expr(bundles::Column::Status, Expr::val(m.status))
                .col_expr(bundles::Column::IsFeatured, Expr::val(m.is_featured))
                .col_expr(bundles::Column::UpdatedAt, Expr::val(m.updated_at))
                .filter(bundles::Column::Id.eq(m.id))
                .exec(&tx)
                .await
                .map_err(map_db)?;
            if res.rows_affected == 0 {
                return Err(RepoError::NotFound);
            }
            Self::write_bundle_items(&tx, bundle).await?;
            commit(tx).await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
