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
    Bundle, BundleStatus, CategoryCount, SortBy, SortOrder, Tool, ToolCategory, ToolFacets,
    ToolFilter, search,
};
use crate::ids::{BundleId, OrgId, ToolId};
use crate::item::ItemRef;
use crate::paging::{Page, PageRequest};

/// A tool's place in `tools` and its facets, one entry of a sort order.
#[derive(Clone, Copy, Debug)]
struct Indexed {
    at: u32,
    facets: ToolFacets,
}

/// One consistent copy of the catalog, read-only once built.
#[derive(Clone, Debug, Default)]
pub struct CatalogSnapshot {
    tools: Vec<Tool>,
    /// Each tool's folded name and description, the in-process search index.
    folded: Vec<(String, String)>,
    tool_at: HashMap<ToolId, usize>,
    /// For each (sort, order) of R-C5, the tools in that order (id tie-break), each with
    /// its facets inline, so that a filtered walk reads these entries in sequence rather
    /// than every tool (about 24 bytes a tool and order: 3.4 MB for 10,000 tools).
    orders: HashMap<(SortBy, SortOrder), Vec<Indexed>>,
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
                let indexed = positions
                    .into_iter()
                    .map(|at| Indexed {
                        at,
                        facets: ToolFacets::of(&tools[at as usize]),
                    })
                    .collect();
                orders.insert((sort_by, sort_order), indexed);
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
            .filter(|entry| filter.admits(&entry.facets))
            .map(|entry| &self.tools[entry.at as usize])
            .filter(|t| self.offers_tool(t) && filter.matches_tags(t));
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::CatalogSnapshot;
    use crate::catalog::fixtures::tool;
    use crate::catalog::{
        SortBy, SortOrder, Tag, Tool, ToolCategory, ToolFilter, ToolQuery, ToolStatus,
    };
    use crate::tier::Tier;

    const TAGS: [&str; 3] = ["ai", "crm", "leads"];
    const WORDS: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

    /// The reference answer: every tool the filter matches, in its order, then the page.
    fn reference(tools: &[Tool], filter: &ToolFilter) -> (Vec<Tool>, u64) {
        let mut hits: Vec<&Tool> = tools.iter().filter(|t| filter.matches(t)).collect();
        hits.sort_by(|a, b| filter.compare(a, b));
        let total = hits.len() as u64;
        let page = hits
            .into_iter()
            .skip(usize::try_from(filter.page.offset()).unwrap())
            .take(filter.page.limit() as usize)
            .cloned()
            .collect();
        (page, total)
    }

    fn arb_tool() -> impl Strategy<Value = (u8, u8, u8, bool, u16, u16, u8, u8)> {
        (
            0..4_u8,
            0..3_u8,
            0..5_u8,
            any::<bool>(),
            0..40_u16,
            0..6_u16,
            0..8_u8,
            0..16_u8,
        )
    }

    fn build(n: usize, raw: (u8, u8, u8, bool, u16, u16, u8, u8)) -> Tool {
        let (category, tier, status, featured, price, bought, tags, words) = raw;
        let mut t = tool(n as u128 + 1, Decimal::new(i64::from(price) * 250, 2));
        t.category = ToolCategory::ALL[usize::from(category)];
        t.required_tier = Tier::ALL[usize::from(tier)];
        t.status = ToolStatus::ALL[usize::from(status)];
        t.is_featured = featured;
        t.stats.purchase_count = u64::from(bought);
        t.stats.view_count = u64::from(price % 7);
        t.tags = (0..TAGS.len())
            .filter(|i| tags & (1 << i) != 0)
            .map(|i| Tag::parse(TAGS[i]).unwrap())
            .collect();
        t.description = (0..WORDS.len())
            .filter(|i| words & (1 << i) != 0)
            .map(|i| WORDS[i])
            .collect::<Vec<_>>()
            .join(" ");
        t
    }

    fn arb_query() -> impl Strategy<Value = ToolQuery> {
        (
            (
                proptest::collection::vec(0..4_usize, 0..3),
                proptest::collection::vec(0..3_usize, 0..2),
                proptest::collection::vec(0..5_usize, 0..3),
                proptest::collection::vec(0..3_usize, 0..2),
                proptest::option::of(0..40_i64),
                proptest::option::of(0..40_i64),
                proptest::option::of(any::<bool>()),
            ),
            (
                proptest::option::of(0..4_usize),
                1..8_u32,
                0..12_u64,
                0..SortBy::ALL.len(),
                any::<bool>(),
            ),
        )
            .prop_map(
                |(
                    (categories, tiers, statuses, tags, min, max, featured),
                    (search, limit, offset, sort, asc),
                )| ToolQuery {
                    categories: categories
                        .into_iter()
                        .map(|i| ToolCategory::ALL[i])
                        .collect(),
                    tiers: tiers.into_iter().map(|i| Tier::ALL[i]).collect(),
                    statuses: statuses.into_iter().map(|i| ToolStatus::ALL[i]).collect(),
                    tags: tags.into_iter().map(|i| TAGS[i].to_owned()).collect(),
                    price_min: min.map(|c| Decimal::new(c * 250, 2)),
                    price_max: max.map(|c| Decimal::new(c * 250, 2)),
                    featured,
                    search: search.map(|i| WORDS[i].to_owned()),
                    limit: Some(limit),
                    offset: Some(offset),
                    sort_by: Some(SortBy::ALL[sort]),
                    sort_order: Some(if asc { SortOrder::Asc } else { SortOrder::Desc }),
                },
            )
    }

    proptest! {
        /// R-C5: the copy's indexed walk answers every filter, sort and page exactly as the
        /// filter's reference semantics do over the whole list.
        #[test]
        fn r_c5_snapshot_pages_equal_the_reference_filter(
            raw in proptest::collection::vec(arb_tool(), 0..40),
            query in arb_query(),
        ) {
            let tools: Vec<Tool> = raw.into_iter().enumerate().map(|(n, r)| build(n, r)).collect();
            let Ok(filter) = ToolFilter::parse(query) else { return Ok(()) };
            let snapshot = CatalogSnapshot::new(tools.clone(), Vec::new());
            let page = snapshot.search_tools(&filter);
            let (expected, total) = reference(&tools, &filter);
            prop_assert_eq!(page.total, total);
            prop_assert_eq!(page.items, expected);
        }
    }
}
