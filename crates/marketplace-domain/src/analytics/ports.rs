//! Where view counts are stored and where views and purchases are read per month.

use async_trait::async_trait;

use super::ViewCount;
use crate::ids::ToolId;
use crate::ports::RepoError;
use crate::revenue::YearMonth;

/// One tool's activity in one month: the views of its page and its purchases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ToolMonthActivity {
    pub tool_id: ToolId,
    pub month: YearMonth,
    pub views: u64,
    pub purchases: u64,
}

/// Stored view counts (global, like the catalog) and the purchases they are compared with.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AnalyticsRepository: Send + Sync {
    /// R-C6: adds each tally to its (tool, month) count, creating it at zero first, all in
    /// one transaction: the batch is stored whole or not at all. A tally of a tool that no
    /// longer exists is dropped.
    async fn add_views(&self, counts: &[ViewCount]) -> Result<(), RepoError>;

    /// R-C7: views and purchases per tool and month, for the months `from..=to`, of
    /// `tools` only when given (every tool otherwise). A purchase counts in the month it
    /// was made (UTC), whatever happened to it since, and only when it bought the tool
    /// itself (not a bundle holding it). (Tool, month) pairs with neither views nor
    /// purchases are left out; any order.
    async fn tool_activity(
        &self,
        tools: Option<Vec<ToolId>>,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<Vec<ToolMonthActivity>, RepoError>;
}
