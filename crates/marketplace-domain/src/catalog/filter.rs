//! Catalog queries (R-C5): the original tool marketplace's filters, validated once
//! so that a [`ToolFilter`] in hand is always a query the repository can run.

use rust_decimal::Decimal;

use crate::catalog::{CatalogError, Tag, ToolCategory, ToolStatus, search};
use crate::field::FieldError;
use crate::paging::PageRequest;
use crate::tier::Tier;

/// What tools are sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortBy {
    /// How much of the search text a tool carries ([`crate::catalog::search::relevance`]);
    /// the default order when a search text is given.
    Relevance,
    Name,
    Price,
    PurchaseCount,
    Rating,
    CreatedAt,
    /// Most viewed: the tools buyers look at most (`view_count`).
    Popular,
}
crate::labelled!(SortBy, "sort_by", {
    Relevance => "relevance", Name => "name", Price => "price", PurchaseCount => "purchase_count", Rating => "rating",
    CreatedAt => "created_at", Popular => "popular",
});

/// Ascending or descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortOrder {
    Asc,
    Desc,
}
crate::labelled!(SortOrder, "sort_order", { Asc => "asc", Desc => "desc" });

/// The fields of a tool that every filter but the search text and the tags reads, copied out
/// of the tool so that an index can test them without reaching the tool itself: the
/// in-memory catalog walks every tool of a sort order to count a page's total, and a walk
/// over these small values stays in the processor's cache where a walk over whole tools
/// does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToolFacets {
    pub category: ToolCategory,
    pub required_tier: Tier,
    pub status: ToolStatus,
    pub is_featured: bool,
    pub price: Decimal,
}

impl ToolFacets {
    #[must_use]
    pub fn of(tool: &crate::catalog::Tool) -> Self {
        Self {
            category: tool.category,
            required_tier: tool.required_tier,
            status: tool.status,
            is_featured: tool.is_featured,
            price: tool.price().amount(),
        }
    }
}

/// The filters as a caller sends them, before validation.
#[derive(Clone, Debug, Default)]
pub struct ToolQuery {
    pub categories: Vec<ToolCategory>,
    pub tiers: Vec<Tier>,
    pub search: Option<String>,
    pub tags: Vec<String>,
    pub price_min: Option<Decimal>,
    pub price_max: Option<Decimal>,
    pub statuses: Vec<ToolStatus>,
    /// Only featured tools (`true`) or only the others (`false`).
    pub featured: Option<bool>,
    pub limit: Option<u32>,
    pub offset: Option<u64>,
    pub sort_by: Option<SortBy>,
    pub sort_order: Option<SortOrder>,
}

/// A validated catalog query (R-C5). Ties always break by tool id ascending, so pages never
/// repeat or skip a row; a tool without a rating sorts as the lowest rating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolFilter {
    pub categories: Vec<ToolCategory>,
    pub tiers: Vec<Tier>,
    /// The search words, folded ([`crate::catalog::search::words`]): each must be found in
    /// the name or the description, in any order.
    pub search: Option<String>,
    /// Matches tools with any of these tags.
    pub tags: Vec<Tag>,
    pub price_min: Option<Decimal>,
    pub price_max: Option<Decimal>,
    pub statuses: Vec<ToolStatus>,
    pub featured: Option<bool>,
    pub page: PageRequest,
    pub sort_by: SortBy,
    pub sort_order: SortOrder,
}

impl Default for ToolFilter {
    fn default() -> Self {
        Self {
            categories: Vec::new(),
            tiers: Vec::new(),
            search: None,
            tags: Vec::new(),
            price_min: None,
            price_max: None,
            statuses: Vec::new(),
            featured: None,
            page: PageRequest::default(),
            sort_by: SortBy::PurchaseCount,
            sort_order: SortOrder::Desc,
        }
    }
}

impl ToolFilter {
    pub const MAX_SEARCH_CHARS: usize = 200;
    pub const MAX_TAGS: usize = 20;

    /// Validates every field and reports all the faults at once.
    ///
    /// # Errors
    /// [`CatalogError::InvalidFields`] listing each bad field.
    pub fn parse(query: ToolQuery) -> Result<Self, CatalogError> {
        let mut faults = Vec::new();
        let page = PageRequest::new(query.limit, query.offset)
            .map_err(|e| faults.push(e))
            .ok();
        if query
            .search
            .as_ref()
            .is_some_and(|s| s.trim().chars().count() > Self::MAX_SEARCH_CHARS)
        {
            faults.push(FieldError::new("search", "must be at most 200 characters"));
        }
        if query.tags.len() > Self::MAX_TAGS {
            faults.push(FieldError::new("tags", "at most 20 tags"));
        }
        let tags: Vec<Tag> = query
            .tags
            .iter()
            .filter_map(|t| {
                Tag::normalized(t)
                    .map_err(|_| {
                        faults.push(FieldError::new("tags", "each tag is 1 to 50 characters"))
                    })
                    .ok()
            })
            .collect();
        for (field, value) in [
            ("price_min", query.price_min),
            ("price_max", query.price_max),
        ] {
            if value.is_some_and(|v| v.is_sign_negative() && !v.is_zero()) {
                faults.push(FieldError::new(field, "must not be negative"));
            }
        }
        if let (Some(min), Some(max)) = (query.price_min, query.price_max)
            && min > max
        {
            faults.push(FieldError::new("price_min", "must not exceed price_max"));
        }
        let search = query
            .search
            .map(|s| search::words(&s))
            .filter(|s| !s.is_empty());
        let sort_by = query.sort_by.unwrap_or(if search.is_some() {
            SortBy::Relevance
        } else {
            SortBy::PurchaseCount
        });
        match page {
            Some(page) if faults.is_empty() => Ok(Self {
                categories: dedup(query.categories),
                tiers: dedup(query.tiers),
                search,
                tags: dedup(tags),
                price_min: query.price_min,
                price_max: query.price_max,
                statuses: if query.statuses.is_empty() {
                    ToolStatus::LISTED_BY_DEFAULT.to_vec()
                } else {
                    dedup(query.statuses)
                },
                featured: query.featured,
                page,
                sort_by,
                sort_order: query.sort_order.unwrap_or(match sort_by {
                    SortBy::Name => SortOrder::Asc,
                    _ => SortOrder::Desc,
                }),
            }),
            _ => Err(CatalogError::InvalidFields(faults)),
        }
    }

    /// Whether `tool` matches every filter: the reference semantics that the SQL
    /// implementation must agree with (the port contract tests compare them).
    #[must_use]
    pub fn matches(&self, tool: &crate::catalog::Tool) -> bool {
        self.matches_facets(tool)
            && self.search.as_ref().is_none_or(|s| {
                search::found(
                    s,
                    &search::fold(tool.name.as_str()),
                    &search::fold(&tool.description),
                )
            })
    }

    /// Every filter but the search text.
    #[must_use]
    pub fn matches_facets(&self, tool: &crate::catalog::Tool) -> bool {
        self.admits(&ToolFacets::of(tool)) && self.matches_tags(tool)
    }

    /// Every filter but the search text and the tags, read from a tool's facets alone.
    #[must_use]
    pub fn admits(&self, facets: &ToolFacets) -> bool {
        (self.categories.is_empty() || self.categories.contains(&facets.category))
            && (self.tiers.is_empty() || self.tiers.contains(&facets.required_tier))
            && (self.statuses.is_empty() || self.statuses.contains(&facets.status))
            && self.price_min.is_none_or(|m| facets.price >= m)
            && self.price_max.is_none_or(|m| facets.price <= m)
            && self.featured.is_none_or(|f| facets.is_featured == f)
    }

    /// The tags filter: any of the asked tags (every tool when none is asked).
    #[must_use]
    pub fn matches_tags(&self, tool: &crate::catalog::Tool) -> bool {
        self.tags.is_empty() || tool.tags.iter().any(|t| self.tags.contains(t))
    }

    /// How relevant `tool` is to the search text (0 without one).
    #[must_use]
    pub fn relevance(&self, tool: &crate::catalog::Tool) -> u32 {
        self.search.as_ref().map_or(0, |s| {
            search::relevance(
                s,
                &search::fold(tool.name.as_str()),
                &search::fold(&tool.description),
            )
        })
    }

    /// Orders `a` before `b` as the query asks, ties broken by id ascending.
    #[must_use]
    pub fn compare(
        &self,
        a: &crate::catalog::Tool,
        b: &crate::catalog::Tool,
    ) -> std::cmp::Ordering {
        self.compare_ranked((a, self.relevance(a)), (b, self.relevance(b)))
    }

    /// [`Self::compare`] with each tool's relevance already known.
    #[must_use]
    pub fn compare_ranked(
        &self,
        (a, a_relevance): (&crate::catalog::Tool, u32),
        (b, b_relevance): (&crate::catalog::Tool, u32),
    ) -> std::cmp::Ordering {
        let primary = match self.sort_by {
            SortBy::Relevance => a_relevance.cmp(&b_relevance),
            SortBy::Name => a
                .name
                .as_str()
                .to_lowercase()
                .cmp(&b.name.as_str().to_lowercase()),
            SortBy::Price => a.price().amount().cmp(&b.price().amount()),
            SortBy::PurchaseCount => a.stats.purchase_count.cmp(&b.stats.purchase_count),
            SortBy::Rating => a.stats.avg_rating.cmp(&b.stats.avg_rating),
            SortBy::CreatedAt => a.created_at.cmp(&b.created_at),
            SortBy::Popular => a.stats.view_count.cmp(&b.stats.view_count),
        };
        let primary = match self.sort_order {
            SortOrder::Asc => primary,
            SortOrder::Desc => primary.reverse(),
        };
        primary.then_with(|| a.id.cmp(&b.id))
    }
}

fn dedup<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn r_c5_defaults_are_fifty_most_purchased_first() {
        let f = ToolFilter::parse(ToolQuery::default()).unwrap();
        assert_eq!(f.page.limit(), 50);
        assert_eq!(f.page.offset(), 0);
        assert_eq!(
            (f.sort_by, f.sort_order),
            (SortBy::PurchaseCount, SortOrder::Desc)
        );
    }

    #[test]
    fn r_c5_default_listing_is_what_can_be_bought_or_is_coming() {
        let f = ToolFilter::parse(ToolQuery::default()).unwrap();
        assert_eq!(
            f.statuses,
            [ToolStatus::Active, ToolStatus::Beta, ToolStatus::ComingSoon]
        );
        let asked = ToolFilter::parse(ToolQuery {
            statuses: vec![ToolStatus::Deprecated],
            ..ToolQuery::default()
        })
        .unwrap();
        assert_eq!(asked.statuses, [ToolStatus::Deprecated]);
    }

    /// A tool's facets: LEAD_GENERATION, GROWTH, ACTIVE, featured, 100.00.
    fn facets() -> ToolFacets {
        ToolFacets {
            category: ToolCategory::LeadGeneration,
            required_tier: Tier::Growth,
            status: ToolStatus::Active,
            is_featured: true,
            price: dec!(100.00),
        }
    }

    fn admits(query: ToolQuery) -> bool {
        ToolFilter::parse(query).unwrap().admits(&facets())
    }

    #[test]
    fn r_c5_each_facet_filter_admits_exactly_what_it_names() {
        let q = ToolQuery::default;
        assert!(admits(q()), "the default listing shows an ACTIVE tool");
        for (query, expected) in [
            (
                ToolQuery {
                    categories: vec![ToolCategory::LeadGeneration],
                    ..q()
                },
                true,
            ),
            (
                ToolQuery {
                    categories: vec![ToolCategory::CrmTools],
                    ..q()
                },
                false,
            ),
            (
                ToolQuery {
                    tiers: vec![Tier::Growth, Tier::Free],
                    ..q()
                },
                true,
            ),
            (
                ToolQuery {
                    tiers: vec![Tier::Free],
                    ..q()
                },
                false,
            ),
            (
                ToolQuery {
                    statuses: vec![ToolStatus::Active],
                    ..q()
                },
                true,
            ),
            (
                ToolQuery {
                    statuses: vec![ToolStatus::Deprecated],
                    ..q()
                },
                false,
            ),
            (
                ToolQuery {
                    price_min: Some(dec!(100)),
                    ..q()
                },
                true,
            ),
            (
                ToolQuery {
                    price_min: Some(dec!(100.01)),
                    ..q()
                },
                false,
            ),
            (
                ToolQuery {
                    price_max: Some(dec!(100)),
                    ..q()
                },
                true,
            ),
            (
                ToolQuery {
                    price_max: Some(dec!(99.99)),
                    ..q()
                },
                false,
            ),
            (
                ToolQuery {
                    featured: Some(true),
                    ..q()
                },
                true,
            ),
            (
                ToolQuery {
                    featured: Some(false),
                    ..q()
                },
                false,
            ),
        ] {
            let shown = format!("{query:?}");
            assert_eq!(admits(query), expected, "{shown}");
        }
        // Every named facet must hold at once: one miss among hits refuses.
        for miss in [
            ToolQuery {
                categories: vec![ToolCategory::CrmTools],
                ..q()
            },
            ToolQuery {
                tiers: vec![Tier::Free],
                ..q()
            },
            ToolQuery {
                statuses: vec![ToolStatus::Beta],
                ..q()
            },
            ToolQuery {
                price_min: Some(dec!(101)),
                ..q()
            },
            ToolQuery {
                price_max: Some(dec!(99)),
                ..q()
            },
            ToolQuery {
                featured: Some(false),
                ..q()
            },
        ] {
            let all_but_one = ToolQuery {
                categories: if miss.categories.is_empty() {
                    vec![ToolCategory::LeadGeneration]
                } else {
                    miss.categories.clone()
                },
                tiers: if miss.tiers.is_empty() {
                    vec![Tier::Growth]
                } else {
                    miss.tiers.clone()
                },
                statuses: if miss.statuses.is_empty() {
                    vec![ToolStatus::Active]
                } else {
                    miss.statuses.clone()
                },
                price_min: miss.price_min.or(Some(dec!(1))),
                price_max: miss.price_max.or(Some(dec!(1000))),
                featured: miss.featured.or(Some(true)),
                ..q()
            };
            let shown = format!("{all_but_one:?}");
            assert!(!admits(all_but_one), "{shown}");
        }
    }

    #[test]
    fn r_c5_a_tags_filter_matches_any_of_its_tags() {
        let mut tool = crate::catalog::fixtures::tool(1, dec!(10));
        tool.tags = vec![Tag::parse("crm").unwrap()];
        let with = |tags: &[&str]| {
            ToolFilter::parse(ToolQuery {
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
                ..ToolQuery::default()
            })
            .unwrap()
            .matches_tags(&tool)
        };
        assert!(with(&[]), "no tags asked: every tool");
        assert!(with(&["ai", "crm"]), "any of them");
        assert!(!with(&["ai"]), "none of them");
    }

    #[test]
    fn r_c5_limit_is_1_to_100() {
        for (limit, ok) in [(0, false), (1, true), (100, true), (101, false)] {
            let q = ToolQuery {
                limit: Some(limit),
                ..ToolQuery::default()
            };
            assert_eq!(ToolFilter::parse(q).is_ok(), ok, "{limit}");
        }
    }

    #[test]
    fn r_c5_every_fault_is_reported_at_once() {
        let q = ToolQuery {
            limit: Some(0),
            price_min: Some(dec!(10)),
            price_max: Some(dec!(5)),
            tags: vec![String::new()],
            ..ToolQuery::default()
        };
        let Err(CatalogError::InvalidFields(faults)) = ToolFilter::parse(q) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = faults.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["limit", "tags", "price_min"]);
    }

    #[test]
    fn r_c5_search_is_trimmed_and_lower_cased_and_tags_normalized() {
        let q = ToolQuery {
            search: Some("  Lead ".into()),
            tags: vec!["AI".into(), "ai".into()],
            ..ToolQuery::default()
        };
        let f = ToolFilter::parse(q).unwrap();
        assert_eq!(f.search.as_deref(), Some("lead"));
        assert_eq!(f.sort_by, SortBy::Relevance, "a search ranks by relevance");
        assert_eq!(f.tags.len(), 1);
        assert_eq!(f.tags[0].as_str(), "ai");
    }
}
