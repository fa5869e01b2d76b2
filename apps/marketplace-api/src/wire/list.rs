//! The list envelope of the v1 API and the paging parameters that ask for a page of it.

use marketplace_domain::paging::{Page, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::extract::BadRequest;

/// `{"items": [...], "total", "limit", "offset"}`: one page and the count of all matches.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListDto<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

impl<T: ToSchema> ListDto<T> {
    pub fn from_page<U>(page: Page<U>, f: impl FnMut(U) -> T) -> Self {
        let Page {
            items,
            total,
            limit,
            offset,
        } = page;
        Self {
            items: items.into_iter().map(f).collect(),
            total,
            limit,
            offset,
        }
    }
}

/// Paging parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
    /// Default 0; at most 9223372036854775807.
    pub offset: Option<u64>,
}

impl TryFrom<PageQuery> for PageRequest {
    type Error = BadRequest;

    fn try_from(q: PageQuery) -> Result<Self, BadRequest> {
        page_request(q.limit, q.offset)
    }
}

/// The page `limit` and `offset` ask for.
///
/// # Errors
/// [`BadRequest`] for a limit outside 1..=100.
pub fn page_request(limit: Option<u32>, offset: Option<u64>) -> Result<PageRequest, BadRequest> {
    PageRequest::new(limit, offset)
        .map_err(|f| BadRequest::new("invalid paging").with(f.field, f.message))
}
