//! The catalog held in memory (R-C5 without a database round trip): one immutable copy of
//! every tool and bundle, with each sort order of R-C5 computed once per copy, so a browse
//! request is a walk over an ordered index rather than a query.
//!
//! The answers are those of [`ToolFilter::matches`] and [`ToolFilter::compare`], the same
//! reference semantics the SQL repository agrees with: a copy and the database it was read
//! from answer every query alike.
//!
//! R-G5: an item its seller does not offer is withheld: left out of every list, search and
//! category count (the shop window is for new buyers), and answered by id only to those
//! who may still see it (the service decides who, [`CatalogSnapshot::withheld`]).

use std::collections::HashMap;

use crate::catalog::{
    Bundle, BundleStatus, CategoryCount, SortBy, SortOrder, Tool, ToolCategory, ToolFilter, search,
};
use crate::ids::{BundleId, OrgId, ToolId};
use crate::item::ItemRef;
use crate::paging::{Page, PageRequest};

/// One consistent copy of the catalog, read-only once built.
#[derive(Clone, Debug, Default)]
pub struct CatalogSnapshot {
    tools: Vec<Tool>,
    /// Each tool's folded name and description, the in-process search index.
    folded: Vec<(String, String)>,
    tool_at: HashMap<ToolId, usize>,
    /// For each (sort, order) of R-C5, the positions in `tools` in that order (id tie-break).
    orders: HashMap<(SortBy, SortOrder), Vec<u32>>,
    /// Most purchased first, then by id: the one bundle listing order.
    bundles: Vec<Bundle>,
    bundle_at: HashMap<BundleId, usize>,
    categories: Vec<CategoryCount>,
    /// R-G5: the items their sellers do not offer, each with the org that manages its
    /// seller.
    withheld: HashMap<ItemRef, OrgId>,
}

impl CatalogSnapshot {
    /// Indexes `tools` and `bundles` (any order).
    #[must_use]
    pub fn new(tools: Vec<Tool>, mut bundles: Vec<Bundle>) -> Self {
        let tool_at = tools.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let folded = tools
            .iter()
            .map(|t| (search::fold(t.name.as_str()), search::fold(&t.description)))
            .collect();
        let mut orders = HashMap::new();
        for &sort_by in SortBy::ALL {
            for &sort_order in SortOrder::ALL {
                let key = ToolFilter {
                    sort_by,
                    sort_order,
                    ..ToolFilter::default()
                };
                let mut positions: Vec<u32> = (0..tools.len())
                    .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
                    .collect();
                positions.sort_by(|&a, &b| key.compare(&tools[a as usize], &tools[b as usize]));
                orders.insert((sort_by, sort_order), positions);
            }
        }
        bundles.sort_by(|a, b| {
            b.purchase_count()
                .cmp(&a.purchase_count())
                .then_with(|| a.id().cmp(&b.id()))
        });
        let bundle_at = bundles
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id(), i))
            .collect();
        let withheld = HashMap::new();
        let categories = category_counts(&tools, &withheld);
        Self {
            tools,
            folded,
            tool_at,
            orders,
            bundles,
            bundle_at,
            categories,
            withheld,
        }
    }

    /// R-G5: the copy with `items` withheld from new buyers, each with the org that
    /// manages its seller.
    #[must_use]
    pub fn with_withheld(mut self, items: impl IntoIterator<Item = (ItemRef, OrgId)>) -> Self {
        self.withheld = items.into_iter().collect();
        self.categories = category_counts(&self.tools, &self.withheld);
        self
    }

    /// R-G5: the org that manages the seller of `item` when the seller does not offer it
    /// to new buyers; `None` for an item on offer.
    #[must_use]
    pub fn withheld(&self, item: ItemRef) -> Option<OrgId> {
        self.withheld.get(&item).copied()
    }

    fn offers_tool(&self, tool: &Tool) -> bool {
        self.withheld.is_empty() || !self.withheld.contains_key(&ItemRef::Tool(tool.id))
    }

    /// How many tools the copy holds.
    #[must_use]
    pub fn tool_count(&self) -> usize {
        self.tools.len()
    }

    #[must_use]
    pub fn tool(&self, id: ToolId) -> Option<&Tool> {
        self.tool_at.get(&id).map(|&i| &self.tools[i])
    }

    #[must_use]
    pub fn bundle(&self, id: BundleId) -> Option<&Bundle> {
        self.bundle_at.get(&id).map(|&i| &self.bundles[i])
    }

    /// R-C5: one page of the tools matching `filter`, in its order, with the total.
    #[must_use]
    pub fn search_tools(&self, filter: &ToolFilter) -> Page<Tool> {
        if let Some(words) = &filter.search {
            let mut hits: Vec<(&Tool, u32)> = self
                .tools
                .iter()
                .zip(&self.folded)
                .filter(|(t, (name, description))| {
                    self.offers_tool(t)
                        && filter.matches_facets(t)
                        && search::found(words, name, description)
                })
                .map(|(t, (name, description))| (t, search::relevance(words, name, description)))
                .collect();
            hits.sort_by(|&a, &b| filter.compare_ranked(a, b));
            return page_of(hits.iter().map(|&(t, _)| t), filter.page);
        }
        let order = self
            .orders
            .get(&(filter.sort_by, filter.sort_order))
            .map_or(&[][..], Vec::as_slice);
        let matching = order
            .iter()
            .map(|&i| &self.tools[i as usize])
            .filter(|t| self.offers_tool(t) && filter.matches_facets(t));
        page_of(matching, filter.page)
    }

    /// Bundles in the given statuses (all when empty), most purchased first, then by id;
    /// withheld bundles left out (R-G5).
    #[must_use]
    pub fn list_bundles(&self, statuses: &[BundleStatus], page: PageRequest) -> Page<Bundle> {
        let matching = self.bundles.iter().filter(|b| {
            (statuses.is_empty() || statuses.contains(&b.status()))
                && !self.withheld.contains_key(&ItemRef::Bundle(b.id()))
        });
        page_of(matching, page)
    }

    /// Purchasable (ACTIVE or BETA) tools on offer per category, categories without any
    /// left out.
    #[must_use]
    pub fn category_counts(&self) -> Vec<CategoryCount> {
        self.categories.clone()
    }
}

/// Purchasable tools on offer per category, in the categories' order, empty ones left out.
fn category_counts(tools: &[Tool], withheld: &HashMap<ItemRef, OrgId>) -> Vec<CategoryCount> {
    let mut counts: HashMap<ToolCategory, u64> = HashMap::new();
    for t in tools
        .iter()
        .filter(|t| t.status.is_purchasable() && !withheld.contains_key(&ItemRef::Tool(t.id)))
    {
        *counts.entry(t.category).or_default() += 1;
    }
    ToolCategory::ALL
        .iter()
        .filter_map(|&category| {
            counts
                .get(&category)
                .map(|&tools| CategoryCount { category, tools })
        })
        .collect()
}

/// Counts every item and clones only the requested page.
fn page_of<'a, T: Clone + 'a>(items: impl Iterator<Item = &'a T>, page: PageRequest) -> Page<T> {
    let offset = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let limit = page.limit() as usize;
    let mut total = 0_u64;
    let mut out = Vec::with_capacity(limit);
    for (i, item) in items.enumerate() {
        total += 1;
        if i >= offset && out.len() < limit {
            out.push(item.clone());
        }
    }
    Page {
        items: out,
        total,
        limit: page.limit(),
        offset: page.offset(),
    }
}
