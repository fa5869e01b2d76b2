//! The values every enum column accepts, spelled as stored (UPPER_SNAKE).
//!
//! Each list becomes a `CHECK (column IN (…))` constraint on both backends, so an adapter
//! that writes a value outside it gets a check violation instead of a silent typo.

/// `organizations.tier`, `tools.required_tier`, `bundles.required_tier`.
pub const SUBSCRIPTION_TIERS: &[&str] =
    &["FREE", "STARTER", "GROWTH", "ELITE", "ENTERPRISE", "CUSTOM"];

/// `sellers.kind`.
pub const SELLER_KINDS: &[&str] = &["PLATFORM", "THIRD_PARTY"];

/// `tools.category`: the 14 of the domain's `ToolCategory`.
pub const TOOL_CATEGORIES: &[&str] = &[
    "LEAD_GENERATION",
    "LEAD_NURTURING",
    "LISTING_OPTIMIZATION",
    "PROPERTY_SHOPPING",
    "MARKET_INTELLIGENCE",
    "INVESTMENT_ANALYSIS",
    "DOCUMENT_PROCESSING",
    "COMMISSION_FINANCIAL",
    "BOOKING_SCHEDULING",
    "COMMUNICATION",
    "CRM_TOOLS",
    "ANALYTICS_TOOLS",
    "AUTOMATION_TOOLS",
    "INTEGRATION_TOOLS",
];

/// `tools.price_model`.
pub const PRICE_MODELS: &[&str] = &[
    "FREE",
    "ONE_TIME",
    "MONTHLY",
    "ANNUAL",
    "USAGE_BASED",
    "CUSTOM",
];

/// `tools.integration_type`.
pub const INTEGRATION_TYPES: &[&str] = &[
    "API",
    "WEBHOOK",
    "EMBED",
    "STANDALONE",
    "N8N_WORKFLOW",
    "NATIVE",
];

/// `tools.status`.
pub const TOOL_STATUSES: &[&str] = &["ACTIVE", "COMING_SOON", "BETA", "DEPRECATED", "DISABLED"];

/// `bundles.status`.
pub const BUNDLE_STATUSES: &[&str] = &["ACTIVE", "DRAFT", "ARCHIVED"];

/// `cart_lines.item_type`, `order_lines.item_type`, `purchases.purchase_type`.
pub const ITEM_TYPES: &[&str] = &["TOOL", "BUNDLE"];

/// `orders.status`.
pub const ORDER_STATUSES: &[&str] = &[
    "PENDING_PAYMENT",
    "PAID",
    "FULFILLED",
    "FAILED",
    "CANCELLED",
    "REFUNDED",
    "PARTIALLY_REFUNDED",
];

/// `orders.payment_method`, `purchases.payment_method`.
pub const PAYMENT_METHODS: &[&str] = &["CREDIT_CARD", "INVOICE", "PLATFORM_CREDITS"];

/// `purchases.status`.
pub const PURCHASE_STATUSES: &[&str] = &["ACTIVE", "CANCELLED", "EXPIRED", "REFUNDED"];

/// `purchases.billing`.
pub const BILLINGS: &[&str] = &["ONE_TIME", "MONTHLY", "ANNUAL"];

/// `entitlements.source`.
pub const ENTITLEMENT_SOURCES: &[&str] = &["PURCHASE", "BUNDLE"];

/// `reviews.status`.
pub const REVIEW_STATUSES: &[&str] = &["PENDING", "APPROVED", "REJECTED", "FLAGGED"];

/// `ledger_postings.kind`.
pub const POSTING_KINDS: &[&str] = &["SALE", "REFUND", "PAYOUT", "PAYOUT_REVERSAL"];
