//! Shapes every route shares: money, the list envelope and its paging parameters, and
//! domain enums as wire labels.

pub mod labels;
pub mod list;
pub mod money;

pub use list::{ListDto, PageQuery, page_request};
pub use money::{MoneyDto, decimal_field};
