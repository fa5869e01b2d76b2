//! Paging: every list a use case returns is cut by the store, one page at a time.

use crate::field::FieldError;

/// A page request: `limit` 1..=100 (default 50), `offset` >= 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    offset: u64,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 100;
    /// The largest offset a database takes: SQL offsets are signed 64-bit.
    pub const MAX_OFFSET: u64 = i64::MAX.unsigned_abs();

    /// # Errors
    /// [`FieldError`] on `limit` outside 1..=100 or `offset` above [`Self::MAX_OFFSET`].
    pub fn new(limit: Option<u32>, offset: Option<u64>) -> Result<Self, FieldError> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(FieldError::new("limit", "must be between 1 and 100"));
        }
        let offset = offset.unwrap_or(0);
        if offset > Self::MAX_OFFSET {
            return Err(FieldError::new(
                "offset",
                "must be at most 9223372036854775807",
            ));
        }
        Ok(Self { limit, offset })
    }

    #[must_use]
    pub const fn limit(&self) -> u32 {
        self.limit
    }
    #[must_use]
    pub const fn offset(&self) -> u64 {
        self.offset
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// One page of results and the total count of matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

impl<T> Page<T> {
    /// A page cut from a full, already ordered list (for in-memory stores).
    #[must_use]
    pub fn slice(all: Vec<T>, request: PageRequest) -> Self {
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(usize::try_from(request.offset).unwrap_or(usize::MAX))
            .take(request.limit as usize)
            .collect();
        Self {
            items,
            total,
            limit: request.limit,
            offset: request.offset,
        }
    }

    /// The same page with its items mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

#[cfg(test)]
mod offset_tests {
    use super::PageRequest;

    #[test]
    fn an_offset_beyond_a_signed_64_bit_integer_is_refused() {
        let max = PageRequest::new(None, Some(PageRequest::MAX_OFFSET)).unwrap();
        assert_eq!(max.offset(), 9_223_372_036_854_775_807);
        let err = PageRequest::new(None, Some(PageRequest::MAX_OFFSET + 1)).unwrap_err();
        assert_eq!(err.field, "offset");
    }
}
