//! R-B7: every renewal collected, and every upgrade's prorated charge, is a sale in the
//! ledger, split exactly like a first sale: a tool's gross by its seller's rate (R-M3), a
//! bundle's allocated to its tools first (R-M4).

use chrono::{DateTime, Utc};

use crate::ids::{PostingId, ToolId};
use crate::money::Money;
use crate::revenue::{
    Posting, RevenueError, SaleLine, SellerTerms, bundle_sale_lines, sale_posting,
};

use super::Subscription;

/// Who shares in a sale of a subscription's item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaleParts {
    /// A tool and its seller's terms.
    Tool {
        tool_id: ToolId,
        seller: SellerTerms,
    },
    /// A bundle's tools, each with its weight and its seller's terms. The weight is the
    /// price of the tool's plan the bundle plan includes
    /// ([`crate::plan::BundlePlanPricing::allocation_weights`]), the same at the first
    /// sale and at every renewal, so each renewal splits like the first.
    Bundle {
        tools: Vec<(ToolId, Money, SellerTerms)>,
    },
}

/// The ledger lines of a sale of `gross` (a renewal or an upgrade's charge).
///
/// # Errors
/// As [`bundle_sale_lines`] for a bundle (no tools, negative or mixed-currency amounts).
pub fn sale_lines(gross: Money, parts: &SaleParts) -> Result<Vec<SaleLine>, RevenueError> {
    match parts {
        SaleParts::Tool { tool_id, seller } => Ok(vec![SaleLine {
            tool_id: *tool_id,
            seller: *seller,
            gross,
        }]),
        SaleParts::Bundle { tools } => bundle_sale_lines(gross, tools),
    }
}

/// R-B7: the sale posting of `gross` collected for `subscription` at `at`; `None` for a
/// zero amount (a free plan's renewal moves no money). The posting names the
/// subscription as its purchase and the checkout that started it as its order, so a
/// renewal is attributed like the first sale; a refund of one renewal is built from that
/// renewal's posting alone ([`crate::revenue::refund_posting`]), so it reverses that
/// renewal only.
///
/// # Errors
/// As [`sale_lines`] and [`sale_posting`].
pub fn sale_posting_for(
    id: PostingId,
    subscription: &Subscription,
    gross: Money,
    parts: &SaleParts,
    at: DateTime<Utc>,
) -> Result<Option<Posting>, RevenueError> {
    if gross.is_zero() {
        return Ok(None);
    }
    let lines = sale_lines(gross, parts)?;
    sale_posting(
        id,
        subscription.order_id(),
        Some(subscription.id()),
        subscription.org_id(),
        at,
        &lines,
    )
    .map(Some)
}
