//! The seed catalog: the 54 tools and 5 bundles of the original tool marketplace's
//! inventory, as Rust data.
//!
//! Names, numbering, categories and bundle membership follow that inventory; descriptions, prices,
//! tiers, tags and sellers are ours. Ids are UUID v5 of [`SEED_NAMESPACE`] and the record's
//! kind and name, so every run computes the same ids and [`seed_catalog`] can insert with
//! `ON CONFLICT DO NOTHING`: a second run changes nothing.
//!
//! Other crates' tests use the same data through [`catalog`], [`bundles`] and [`sellers`].

use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm_migration::sea_orm::sea_query::{Expr, InsertStatement, OnConflict, Query};
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use uuid::Uuid;

/// The namespace of every seed id (a fixed, random UUID).
pub const SEED_NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_3c8a_4b2e_4f7a_9c1d_2e8b_5a7f_3c91);

/// The currency of the whole seed catalog.
pub const SEED_CURRENCY: &str = "USD";

/// The platform's own seller, which keeps 100 % of its sales (R-M2).
pub const INTERNAL_SELLER: &str = "Internal";

const BRIGHTLANE: &str = "Brightlane Media";
const PARCELWISE: &str = "Parcelwise Analytics";
const LEDGERLINE: &str = "Ledgerline Software";

fn seed_id(kind: &str, name: &str) -> Uuid {
    Uuid::new_v5(&SEED_NAMESPACE, format!("{kind}:{name}").as_bytes())
}

/// A whole-dollar price, as a 2-dp `Decimal` (usable in constants).
const fn usd(dollars: u32) -> Decimal {
    Decimal::from_parts(dollars * 100, 0, 0, false, 2)
}

/// A seller of the seed catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedSeller {
    pub name: &'static str,
    /// `PLATFORM` or `THIRD_PARTY`.
    pub kind: &'static str,
    /// The platform's share of each sale, 0..=1 (R-M2, R-M3).
    pub fee_rate: Decimal,
}

impl SeedSeller {
    /// The seller's deterministic id.
    #[must_use]
    pub fn id(&self) -> Uuid {
        seed_id("seller", self.name)
    }
}

const SELLERS: [SeedSeller; 4] = [
    SeedSeller {
        name: INTERNAL_SELLER,
        kind: "PLATFORM",
        fee_rate: Decimal::ONE,
    },
    // Listing visuals and tours.
    SeedSeller {
        name: BRIGHTLANE,
        kind: "THIRD_PARTY",
        fee_rate: Decimal::from_parts(5, 0, 0, false, 2),
    },
    // Market data; a premium data partner at the higher 10 % rate.
    SeedSeller {
        name: PARCELWISE,
        kind: "THIRD_PARTY",
        fee_rate: Decimal::from_parts(10, 0, 0, false, 2),
    },
    // Finance and accounting.
    SeedSeller {
        name: LEDGERLINE,
        kind: "THIRD_PARTY",
        fee_rate: Decimal::from_parts(5, 0, 0, false, 2),
    },
];

/// One tool of the seed catalog. Enum fields hold the stored UPPER_SNAKE values (see
/// [`crate::enums`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedTool {
    /// The tool's number in the original inventory, 1..=54.
    pub number: u8,
    pub name: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    pub tags: &'static [&'static str],
    pub price_model: &'static str,
    /// 2 dp; 0 for FREE and CUSTOM ("contact sales") tools.
    pub price: Decimal,
    pub currency: &'static str,
    pub required_tier: &'static str,
    pub integration_type: &'static str,
    pub status: &'static str,
    /// The name of one of [`sellers`].
    pub seller: &'static str,
    pub is_featured: bool,
}

impl SeedTool {
    /// The tool's deterministic id.
    #[must_use]
    pub fn id(&self) -> Uuid {
        seed_id("tool", self.name)
    }

    /// The id of the tool's seller.
    #[must_use]
    pub fn seller_id(&self) -> Uuid {
        seed_id("seller", self.seller)
    }

    /// Whether the cart accepts it: ACTIVE or BETA (R-C3) and not CUSTOM (R-C2).
    #[must_use]
    pub fn is_purchasable(&self) -> bool {
        matches!(self.status, "ACTIVE" | "BETA") && self.price_model != "CUSTOM"
    }

    /// Whether it may be part of a bundle: purchasable and priced (not FREE).
    #[must_use]
    pub fn is_bundleable(&self) -> bool {
        self.is_purchasable() && self.price_model != "FREE"
    }
}

/// The fields most tools share; each entry below overrides what differs.
const BASE: SeedTool = SeedTool {
    number: 0,
    name: "",
    description: "",
    category: "",
    tags: &[],
    price_model: "ONE_TIME",
    price: Decimal::ZERO,
    currency: SEED_CURRENCY,
    required_tier: "GROWTH",
    integration_type: "NATIVE",
    status: "ACTIVE",
    seller: INTERNAL_SELLER,
    is_featured: false,
};

const TOOLS: [SeedTool; 54] = [
    // --- Lead management (1-8) ---
    SeedTool {
        number: 1,
        name: "Lead Generation Agent",
        description: "Captures and qualifies inbound leads around the clock from web chat, \
                      forms and SMS.",
        category: "LEAD_GENERATION",
        tags: &["lead-capture", "chatbot", "24-7"],
        price_model: "MONTHLY",
        price: usd(99),
        integration_type: "N8N_WORKFLOW",
        is_featured: true,
        ..BASE
    },
    SeedTool {
        number: 2,
        name: "Lead Scoring Engine",
        description: "Scores and enriches prospects so agents call the likeliest buyers first.",
        category: "LEAD_GENERATION",
        tags: &["lead-scoring", "enrichment", "ai"],
        price_model: "MONTHLY",
        price: usd(79),
        integration_type: "API",
        ..BASE
    },
    SeedTool {
        number: 3,
        name: "Lead Source Analysis",
        description: "Tracks where each lead came from and what each channel costs per deal.",
        category: "LEAD_GENERATION",
        tags: &["attribution", "analytics"],
        price: usd(149),
        required_tier: "STARTER",
        ..BASE
    },
    SeedTool {
        number: 4,
        name: "Lead Capture Summary Generator",
        description: "Turns every captured conversation into a one-paragraph lead summary.",
        category: "LEAD_GENERATION",
        tags: &["summaries", "ai"],
        price: usd(49),
        required_tier: "STARTER",
        ..BASE
    },
    SeedTool {
        number: 5,
        name: "Multi-Touch Campaign Engine",
        description: "Runs nurturing sequences across email, SMS and calls until a lead is \
                      ready.",
        category: "LEAD_NURTURING",
        tags: &["nurturing", "email", "sms"],
        price_model: "MONTHLY",
        price: usd(129),
        integration_type: "N8N_WORKFLOW",
        ..BASE
    },
    SeedTool {
        number: 6,
        name: "Client Communication Preferences Tracker",
        description: "Records how and when each client wants to be contacted.",
        category: "LEAD_NURTURING",
        tags: &["preferences", "crm"],
        price: usd(39),
        required_tier: "STARTER",
        ..BASE
    },
    SeedTool {
        number: 7,
        name: "Budget Range Prediction Tool",
        description: "Estimates a buyer's realistic budget from income and debt-to-income.",
        category: "LEAD_NURTURING",
        tags: &["dti", "financing"],
        price: usd(89),
        integration_type: "API",
        ..BASE
    },
    SeedTool {
        number: 8,
        name: "Client Pre-Qualification System",
        description: "Pre-qualifies buyers before the first showing with a guided \
                      questionnaire.",
        category: "LEAD_NURTURING",
        tags: &["pre-qualification", "mortgage"],
        price_model: "MONTHLY",
        price: usd(59),
        integration_type: "API",
        ..BASE
    },
    // --- Property and listings (9-15) ---
    SeedTool {
        number: 9,
        name: "Listing Description Generator",
        description: "Writes SEO-friendly listing copy from the property's facts and photos.",
        category: "LISTING_OPTIMIZATION",
        tags: &["seo", "copywriting", "ai"],
        price: usd(79),
        required_tier: "STARTER",
        integration_type: "API",
        is_featured: true,
        ..BASE
    },
    SeedTool {
        number: 10,
        name: "Property Photo Enhancement",
        description: "Corrects light, colour and perspective of listing photos in bulk.",
        category: "LISTING_OPTIMIZATION",
        tags: &["photos", "image-ai"],
        price_model: "MONTHLY",
        price: usd(49),
        integration_type: "API",
        seller: BRIGHTLANE,
        ..BASE
    },
    SeedTool {
        number: 11,
        name: "Virtual Staging AI",
        description: "Furnishes empty rooms in listing photos in a chosen style.",
        category: "LISTING_OPTIMIZATION",
        tags: &["virtual-staging", "image-ai"],
        price_model: "MONTHLY",
        price: usd(69),
        integration_type: "EMBED",
        seller: BRIGHTLANE,
        ..BASE
    },
    SeedTool {
        number: 12,
        name: "Property Alert System",
        description: "Notifies buyers the minute a listing matching their search appears.",
        category: "PROPERTY_SHOPPING",
        tags: &["alerts", "notifications"],
        price_model: "MONTHLY",
        price: usd(29),
        required_tier: "STARTER",
        integration_type: "WEBHOOK",
        ..BASE
    },
    SeedTool {
        number: 13,
        name: "Property Comparison Engine",
        description: "Compares shortlisted homes side by side on price, size, costs and \
                      commute.",
        category: "PROPERTY_SHOPPING",
        tags: &["comparison", "buyers"],
        price: usd(99),
        integration_type: "EMBED",
        ..BASE
    },
    SeedTool {
        number: 14,
        name: "Virtual Tour Coordination",
        description: "Schedules and hosts live virtual tours with buyers and sellers.",
        category: "PROPERTY_SHOPPING",
        tags: &["virtual-tours", "scheduling"],
        price_model: "MONTHLY",
        price: usd(39),
        integration_type: "API",
        seller: BRIGHTLANE,
        ..BASE
    },
    SeedTool {
        number: 15,
        name: "Property Matching Algorithm",
        description: "Matches buyers to listings on stated and learned preferences.",
        category: "PROPERTY_SHOPPING",
        tags: &["matching", "ai", "buyers"],
        price_model: "ANNUAL",
        price: usd(499),
        integration_type: "API",
        ..BASE
    },
    // --- Market analysis (16-23) ---
    SeedTool {
        number: 16,
        name: "Automated CMA Generator",
        description: "Builds a comparative market analysis report from recent comparable \
                      sales.",
        category: "MARKET_INTELLIGENCE",
        tags: &["cma", "valuation", "reports"],
        price: usd(199),
        is_featured: true,
        ..BASE
    },
    SeedTool {
        number: 17,
        name: "Predictive Analytics Engine",
        description: "Forecasts neighbourhood prices and days on market a year ahead.",
        category: "MARKET_INTELLIGENCE",
        tags: &["forecasting", "ai"],
        price_model: "ANNUAL",
        price: usd(1199),
        required_tier: "ELITE",
        integration_type: "API",
        seller: PARCELWISE,
        ..BASE
    },
    SeedTool {
        number: 18,
        name: "Risk Assessment AI",
        description: "Scores a property's depreciation, flood and market risk.",
        category: "MARKET_INTELLIGENCE",
        tags: &["risk", "depreciation"],
        price_model: "MONTHLY",
        price: usd(89),
        required_tier: "ELITE",
        integration_type: "API",
        seller: PARCELWISE,
        ..BASE
    },
    SeedTool {
        number: 19,
        name: "Market Data Integration",
        description: "Streams real-time market trends and listing activity into the platform.",
        category: "MARKET_INTELLIGENCE",
        tags: &["market-data", "trends", "real-time"],
        price_model: "MONTHLY",
        price: usd(149),
        integration_type: "API",
        seller: PARCELWISE,
        ..BASE
    },
    SeedTool {
        number: 20,
        name: "Investment Property Analyzer",
        description: "Computes ROI, cap rate and cash flow for an investment property.",
        category: "INVESTMENT_ANALYSIS",
        tags: &["roi", "cap-rate", "investors"],
        price: usd(149),
        ..BASE
    },
    SeedTool {
        number: 21,
        name: "Portfolio Performance Tracker",
        description: "Follows the value, rent and returns of a client's property portfolio.",
        category: "INVESTMENT_ANALYSIS",
        tags: &["portfolio", "investors"],
        price_model: "MONTHLY",
        price: usd(59),
        ..BASE
    },
    SeedTool {
        number: 22,
        name: "Competitive Analysis Tool",
        description: "Shows competing agents' listings, prices and market share in an area.",
        category: "MARKET_INTELLIGENCE",
        tags: &["competitors", "market-share"],
        price: usd(129),
        ..BASE
    },
    SeedTool {
        number: 23,
        name: "Territory Management System",
        description: "Plans farming territories and tracks coverage on a map.",
        category: "MARKET_INTELLIGENCE",
        tags: &["territory", "farming", "maps"],
        price_model: "ANNUAL",
        price: usd(599),
        required_tier: "ELITE",
        ..BASE
    },
    // --- Transactions and documents (24-27), financial (28-29) ---
    SeedTool {
        number: 24,
        name: "Contract Generation System",
        description: "Fills purchase agreements and addenda from the transaction's data.",
        category: "DOCUMENT_PROCESSING",
        tags: &["contracts", "templates"],
        price_model: "MONTHLY",
        price: usd(99),
        ..BASE
    },
    SeedTool {
        number: 25,
        name: "Document Processing Automation",
        description: "Extracts data from disclosures, inspections and IDs into the file.",
        category: "DOCUMENT_PROCESSING",
        tags: &["ocr", "extraction"],
        price_model: "MONTHLY",
        price: usd(119),
        integration_type: "N8N_WORKFLOW",
        ..BASE
    },
    SeedTool {
        number: 26,
        name: "Transaction Milestone Tracker",
        description: "Tracks every deadline from accepted offer to closing and nudges the \
                      parties.",
        category: "DOCUMENT_PROCESSING",
        tags: &["milestones", "closing"],
        price: usd(69),
        required_tier: "STARTER",
        ..BASE
    },
    SeedTool {
        number: 27,
        name: "Compliance Monitor",
        description: "Flags fair-housing and disclosure risks in listings and messages.",
        category: "DOCUMENT_PROCESSING",
        tags: &["compliance", "fair-housing"],
        price_model: "ANNUAL",
        price: usd(399),
        integration_type: "WEBHOOK",
        ..BASE
    },
    SeedTool {
        number: 28,
        name: "Commission Calculator",
        description: "Computes commission splits, referral fees and brokerage caps per deal.",
        category: "COMMISSION_FINANCIAL",
        tags: &["commission", "splits"],
        price: usd(49),
        required_tier: "STARTER",
        seller: LEDGERLINE,
        ..BASE
    },
    SeedTool {
        number: 29,
        name: "Automated Financial Reporting",
        description: "Produces monthly income, expense and pipeline reports for the team.",
        category: "COMMISSION_FINANCIAL",
        tags: &["reporting", "accounting"],
        price_model: "MONTHLY",
        price: usd(79),
        integration_type: "API",
        seller: LEDGERLINE,
        ..BASE
    },
    // --- Customer service (30-35) ---
    SeedTool {
        number: 30,
        name: "Booking Agent",
        description: "Books showings and consultations by chat, checking everyone's \
                      calendars.",
        category: "BOOKING_SCHEDULING",
        tags: &["booking", "appointments", "ai"],
        price_model: "MONTHLY",
        price: usd(59),
        integration_type: "N8N_WORKFLOW",
        ..BASE
    },
    SeedTool {
        number: 31,
        name: "Calendar Integration",
        description: "Syncs appointments with Google and Outlook calendars, with reminders.",
        category: "BOOKING_SCHEDULING",
        tags: &["calendar", "reminders"],
        price: usd(29),
        required_tier: "STARTER",
        integration_type: "API",
        ..BASE
    },
    SeedTool {
        number: 32,
        name: "No-Show Prevention System",
        description: "Confirms appointments by SMS and rebooks the ones at risk.",
        category: "BOOKING_SCHEDULING",
        tags: &["reminders", "sms"],
        price_model: "MONTHLY",
        price: usd(39),
        integration_type: "WEBHOOK",
        ..BASE
    },
    SeedTool {
        number: 33,
        name: "Script Generator",
        description: "Writes call and follow-up scripts tailored to the lead and situation.",
        category: "COMMUNICATION",
        tags: &["scripts", "calls", "ai"],
        price: usd(39),
        required_tier: "STARTER",
        ..BASE
    },
    SeedTool {
        number: 34,
        name: "Email Template Engine",
        description: "A library of editable email templates with merge fields.",
        category: "COMMUNICATION",
        tags: &["email", "templates"],
        price: usd(29),
        required_tier: "STARTER",
        ..BASE
    },
    SeedTool {
        number: 35,
        name: "Review Management System",
        description: "Requests, collects and answers client reviews across review sites.",
        category: "COMMUNICATION",
        tags: &["reputation", "reviews"],
        price_model: "MONTHLY",
        price: usd(49),
        integration_type: "API",
        ..BASE
    },
    // --- CRM (36-39) ---
    SeedTool {
        number: 36,
        name: "Contact Activity Feed AI",
        description: "Summarises each contact's recent activity and suggests the next step.",
        category: "CRM_TOOLS",
        tags: &["crm", "activity"],
        price_model: "MONTHLY",
        price: usd(39),
        ..BASE
    },
    SeedTool {
        number: 37,
        name: "Referral Network Manager",
        description: "Tracks referral partners, agreements and the fees they earn.",
        category: "CRM_TOOLS",
        tags: &["referrals", "network"],
        price_model: "ANNUAL",
        price: usd(299),
        ..BASE
    },
    SeedTool {
        number: 38,
        name: "Client Lifecycle Tracker",
        description: "Follows clients from first contact through closing to the next move.",
        category: "CRM_TOOLS",
        tags: &["lifecycle", "crm"],
        price: usd(99),
        ..BASE
    },
    // Superseded by the No-Show Prevention System (32): usable by holders, not for sale.
    SeedTool {
        number: 39,
        name: "Appointment Reminder System",
        description: "Sends appointment reminders by email and SMS (replaced by No-Show \
                      Prevention).",
        category: "CRM_TOOLS",
        tags: &["reminders"],
        price_model: "MONTHLY",
        price: usd(19),
        required_tier: "STARTER",
        integration_type: "WEBHOOK",
        status: "DEPRECATED",
        ..BASE
    },
    // --- Other modules (40-54) ---
    SeedTool {
        number: 40,
        name: "Transaction Analytics Dashboard",
        description: "Dashboards of volume, conversion and cycle time across transactions.",
        category: "ANALYTICS_TOOLS",
        tags: &["dashboards", "transactions"],
        price_model: "MONTHLY",
        price: usd(69),
        integration_type: "EMBED",
        ..BASE
    },
    SeedTool {
        number: 41,
        name: "Agent Performance Tracker",
        description: "Compares agents' activity, pipeline and closed volume against goals.",
        category: "ANALYTICS_TOOLS",
        tags: &["performance", "teams"],
        price_model: "MONTHLY",
        price: usd(49),
        ..BASE
    },
    // Priced per lender integration: contact sales.
    SeedTool {
        number: 42,
        name: "Mortgage Lender Integration",
        description: "Connects the platform to a brokerage's preferred lenders for \
                      pre-approvals.",
        category: "INTEGRATION_TOOLS",
        tags: &["mortgage", "lenders"],
        price_model: "CUSTOM",
        required_tier: "ENTERPRISE",
        integration_type: "API",
        ..BASE
    },
    // In early access.
    SeedTool {
        number: 43,
        name: "AI Property Valuation (AVM)",
        description: "An automated valuation model with a confidence range for any address.",
        category: "MARKET_INTELLIGENCE",
        tags: &["avm", "valuation", "ai"],
        price_model: "MONTHLY",
        price: usd(129),
        required_tier: "ELITE",
        integration_type: "API",
        status: "BETA",
        seller: PARCELWISE,
        ..BASE
    },
    SeedTool {
        number: 44,
        name: "Neighborhood Intelligence",
        description: "Schools, amenities, demographics and trends for any neighbourhood.",
        category: "MARKET_INTELLIGENCE",
        tags: &["neighborhoods", "schools", "demographics"],
        price_model: "ANNUAL",
        price: usd(349),
        integration_type: "EMBED",
        seller: PARCELWISE,
        ..BASE
    },
    SeedTool {
        number: 45,
        name: "Expense Tracker AI",
        description: "Captures receipts and categorises business expenses automatically.",
        category: "COMMISSION_FINANCIAL",
        tags: &["expenses", "receipts"],
        price_model: "MONTHLY",
        price: usd(19),
        required_tier: "STARTER",
        seller: LEDGERLINE,
        ..BASE
    },
    // Tailored to each brokerage's tax situation: contact sales.
    SeedTool {
        number: 46,
        name: "Tax Optimization Planner",
        description: "Plans quarterly estimates and deductions with a tax professional.",
        category: "COMMISSION_FINANCIAL",
        tags: &["taxes", "planning"],
        price_model: "CUSTOM",
        required_tier: "ENTERPRISE",
        integration_type: "STANDALONE",
        seller: LEDGERLINE,
        ..BASE
    },
    SeedTool {
        number: 47,
        name: "QuickBooks Integration",
        description: "Syncs commissions and expenses to QuickBooks Online.",
        category: "INTEGRATION_TOOLS",
        tags: &["quickbooks", "accounting", "sync"],
        price_model: "ANNUAL",
        price: usd(199),
        integration_type: "API",
        seller: LEDGERLINE,
        ..BASE
    },
    SeedTool {
        number: 48,
        name: "Social Media Auto-Posting",
        description: "Posts new listings and open houses to social networks on a schedule.",
        category: "AUTOMATION_TOOLS",
        tags: &["social-media", "scheduling"],
        price_model: "MONTHLY",
        price: usd(39),
        integration_type: "N8N_WORKFLOW",
        ..BASE
    },
    SeedTool {
        number: 49,
        name: "Marketing Automation Engine",
        description: "Builds and runs multi-channel marketing programmes from one brief.",
        category: "AUTOMATION_TOOLS",
        tags: &["marketing", "automation"],
        price_model: "MONTHLY",
        price: usd(149),
        required_tier: "ELITE",
        integration_type: "N8N_WORKFLOW",
        is_featured: true,
        ..BASE
    },
    SeedTool {
        number: 50,
        name: "Campaign ROI Tracker",
        description: "Attributes closed deals to campaigns and reports their return.",
        category: "ANALYTICS_TOOLS",
        tags: &["roi", "campaigns"],
        price: usd(79),
        ..BASE
    },
    SeedTool {
        number: 51,
        name: "Listing Engagement Monitor",
        description: "Tracks views, saves and shares of each listing across portals.",
        category: "ANALYTICS_TOOLS",
        tags: &["engagement", "listings"],
        price_model: "MONTHLY",
        price: usd(29),
        integration_type: "WEBHOOK",
        ..BASE
    },
    // Included in every tier.
    SeedTool {
        number: 52,
        name: "Sai Universal Assistant",
        description: "The platform's assistant: answers questions and runs tasks across \
                      modules.",
        category: "AUTOMATION_TOOLS",
        tags: &["assistant", "ai"],
        price_model: "FREE",
        required_tier: "FREE",
        is_featured: true,
        ..BASE
    },
    // Included from GROWTH up.
    SeedTool {
        number: 53,
        name: "RAG System",
        description: "Answers questions grounded in the brokerage's own documents.",
        category: "AUTOMATION_TOOLS",
        tags: &["rag", "knowledge-base", "ai"],
        price_model: "FREE",
        ..BASE
    },
    SeedTool {
        number: 54,
        name: "AI Hub Management",
        description: "Manages the organization's AI tools, usage and access in one place.",
        category: "AUTOMATION_TOOLS",
        tags: &["ai-hub", "administration"],
        price_model: "FREE",
        ..BASE
    },
];

/// One bundle of the seed catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedBundle {
    pub name: &'static str,
    pub description: &'static str,
    /// The inventory numbers ([`SeedTool::number`]) of its tools, in display order.
    pub tools: &'static [u8],
    /// The discount on the list price the original inventory asks for; only used to compute
    /// [`SeedBundle::price`]. It is not stored: the catalog derives it (R-C4).
    pub discount_percent: u32,
    pub currency: &'static str,
    pub required_tier: &'static str,
    pub status: &'static str,
    pub is_featured: bool,
}

impl SeedBundle {
    /// The bundle's deterministic id.
    #[must_use]
    pub fn id(&self) -> Uuid {
        seed_id("bundle", self.name)
    }

    /// Its tools, in display order.
    pub fn tool_entries(&self) -> impl Iterator<Item = &'static SeedTool> + use<> {
        self.tools.iter().filter_map(|&n| tool(n))
    }

    /// The sum of its tools' prices (R-C4).
    #[must_use]
    pub fn list_price(&self) -> Decimal {
        self.tool_entries().map(|t| t.price).sum()
    }

    /// The list price less the discount, rounded half-up to the cent.
    #[must_use]
    pub fn price(&self) -> Decimal {
        let factor = Decimal::from(100 - self.discount_percent) / Decimal::ONE_HUNDRED;
        (self.list_price() * factor)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }
}

/// Every bundleable tool: purchasable and priced. The Complete Real Estate Suite holds these
/// (a unit test keeps the list in step with the catalog).
const SUITE: &[u8] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 40, 41, 43, 44, 45, 47, 48, 49, 50, 51,
];

const BUNDLES: [SeedBundle; 5] = [
    SeedBundle {
        name: "Lead Generation Pro",
        description: "Capture, score and nurture leads from first touch to pre-qualified \
                      buyer.",
        tools: &[1, 2, 3, 4, 5, 6, 7, 8],
        discount_percent: 20,
        currency: SEED_CURRENCY,
        required_tier: "GROWTH",
        status: "ACTIVE",
        is_featured: true,
    },
    SeedBundle {
        name: "Listing Domination",
        description: "Better copy, photos, staging and tours, and buyers matched to every \
                      listing.",
        tools: &[9, 10, 11, 12, 13, 14, 15],
        discount_percent: 25,
        currency: SEED_CURRENCY,
        required_tier: "GROWTH",
        status: "ACTIVE",
        is_featured: false,
    },
    SeedBundle {
        name: "Market Intelligence",
        description: "CMAs, forecasts, risk and investment analysis, competitors and \
                      territories.",
        tools: &[16, 17, 18, 19, 20, 21, 22, 23],
        discount_percent: 25,
        currency: SEED_CURRENCY,
        // Holds ELITE tools (17, 18, 23), so it asks for ELITE too.
        required_tier: "ELITE",
        status: "ACTIVE",
        is_featured: false,
    },
    SeedBundle {
        name: "Transaction Management",
        description: "Contracts, documents, milestones, compliance and the money side of \
                      every deal.",
        tools: &[24, 25, 26, 27, 28, 29],
        discount_percent: 15,
        currency: SEED_CURRENCY,
        required_tier: "GROWTH",
        status: "ACTIVE",
        is_featured: false,
    },
    // The original list says "all 54 tools", but a bundle may not contain FREE tools (52-54 are
    // included in tiers), CUSTOM ones (42, 46: contact sales) or tools no longer sold (39,
    // DEPRECATED): the suite holds the other 48.
    SeedBundle {
        name: "Complete Real Estate Suite",
        description: "Every purchasable tool of the marketplace in one package.",
        tools: SUITE,
        discount_percent: 35,
        currency: SEED_CURRENCY,
        required_tier: "ELITE",
        status: "ACTIVE",
        is_featured: true,
    },
];

/// The 54 seed tools, in inventory order (`catalog()[n - 1].number == n`).
#[must_use]
pub fn catalog() -> &'static [SeedTool] {
    &TOOLS
}

/// The 5 seed bundles.
#[must_use]
pub fn bundles() -> &'static [SeedBundle] {
    &BUNDLES
}

/// The 4 seed sellers: "Internal" (the platform) and three third parties.
#[must_use]
pub fn sellers() -> &'static [SeedSeller] {
    &SELLERS
}

/// The tool with inventory number `number` (1..=54).
#[must_use]
pub fn tool(number: u8) -> Option<&'static SeedTool> {
    TOOLS.iter().find(|t| t.number == number)
}

/// Rows inserted by one [`seed_catalog`] run; all zero when the catalog was already there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub sellers: u64,
    pub tools: u64,
    pub tool_tags: u64,
    pub bundles: u64,
    pub bundle_items: u64,
    /// The plans of seeded items that had none (R-B2).
    pub plans: u64,
}

impl SeedReport {
    /// Whether this run inserted nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn insert(table: &'static str, columns: &[&'static str]) -> InsertStatement {
    let mut stmt = Query::insert();
    stmt.into_table(table)
        .columns(columns.iter().copied())
        .on_conflict(OnConflict::new().do_nothing().to_owned());
    stmt
}

fn add_row(stmt: &mut InsertStatement, values: Vec<Expr>) -> Result<(), DbErr> {
    stmt.values(values)
        .map(|_| ())
        .map_err(|e| DbErr::Custom(format!("seed statement: {e}")))
}

/// Inserts the seed sellers, tools (with tags) and bundles (with items), in one
/// transaction, skipping every row whose key is already there. Running it again changes
/// nothing. Works on PostgreSQL and SQLite once [`crate::Migrator`] has run.
///
/// # Errors
/// Any database error; the transaction is then rolled back.
pub async fn seed_catalog(db: &DatabaseConnection) -> Result<SeedReport, DbErr> {
    let txn = db.begin().await?;
    let mut report = SeedReport::default();

    let mut stmt = insert(
        "sellers",
        &["id", "name", "kind", "fee_rate", "payouts_enabled"],
    );
    for s in &SELLERS {
        add_row(
            &mut stmt,
            vec![
                Expr::val(s.id()),
                Expr::val(s.name),
                Expr::val(s.kind),
                Expr::val(s.fee_rate),
                Expr::val(false),
            ],
        )?;
    }
    report.sellers = txn.execute(&stmt).await?.rows_affected();

    let mut stmt = insert(
        "tools",
        &[
            "id",
            "name",
            "description",
            "category",
            "price_model",
            "price_amount",
            "currency",
            "required_tier",
            "integration_type",
            "status",
            "seller_id",
            "is_featured",
        ],
    );
    let mut tags = insert("tool_tags", &["tool_id", "tag"]);
    for t in &TOOLS {
        add_row(
            &mut stmt,
            vec![
                Expr::val(t.id()),
                Expr::val(t.name),
                Expr::val(t.description),
                Expr::val(t.category),
                Expr::val(t.price_model),
                Expr::val(t.price),
                Expr::val(t.currency),
                Expr::val(t.required_tier),
                Expr::val(t.integration_type),
                Expr::val(t.status),
                Expr::val(t.seller_id()),
                Expr::val(t.is_featured),
            ],
        )?;
        for &tag in t.tags {
            add_row(&mut tags, vec![Expr::val(t.id()), Expr::val(tag)])?;
        }
    }
    report.tools = txn.execute(&stmt).await?.rows_affected();
    report.tool_tags = txn.execute(&tags).await?.rows_affected();

    let mut stmt = insert(
        "bundles",
        &[
            "id",
            "name",
            "description",
            "price_amount",
            "currency",
            "required_tier",
            "status",
            "is_featured",
        ],
    );
    let mut items = insert("bundle_items", &["bundle_id", "tool_id", "position"]);
    for b in &BUNDLES {
        add_row(
            &mut stmt,
            vec![
                Expr::val(b.id()),
                Expr::val(b.name),
                Expr::val(b.description),
                Expr::val(b.price()),
                Expr::val(b.currency),
                Expr::val(b.required_tier),
                Expr::val(b.status),
                Expr::val(b.is_featured),
            ],
        )?;
        for (position, t) in (0_i32..).zip(b.tool_entries()) {
            add_row(
                &mut items,
                vec![Expr::val(b.id()), Expr::val(t.id()), Expr::val(position)],
            )?;
        }
    }
    report.bundles = txn.execute(&stmt).await?.rows_affected();
    report.bundle_items = txn.execute(&items).await?.rows_affected();
    report.plans = crate::fill_plans_from_price_models(&txn).await?;

    txn.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rust_decimal::dec;

    use super::*;
    use crate::enums;

    #[test]
    fn the_catalog_has_54_tools_numbered_in_order_with_unique_names_and_ids() {
        assert_eq!(catalog().len(), 54);
        for (i, t) in catalog().iter().enumerate() {
            assert_eq!(usize::from(t.number), i + 1, "{}", t.name);
        }
        let names: HashSet<_> = catalog().iter().map(|t| t.name).collect();
        let ids: HashSet<_> = catalog().iter().map(SeedTool::id).collect();
        assert_eq!(names.len(), 54);
        assert_eq!(ids.len(), 54);
    }

    #[test]
    fn ids_are_stable_across_runs() {
        let t = tool(52).unwrap();
        assert_eq!(t.id(), seed_id("tool", "Sai Universal Assistant"));
        assert_eq!(t.id().get_version_num(), 5);
        assert_ne!(t.id(), bundles()[0].id());
    }

    #[test]
    fn every_value_is_one_the_schema_accepts() {
        for t in catalog() {
            assert!(enums::TOOL_CATEGORIES.contains(&t.category), "{}", t.name);
            assert!(enums::PRICE_MODELS.contains(&t.price_model), "{}", t.name);
            assert!(
                enums::SUBSCRIPTION_TIERS.contains(&t.required_tier),
                "{}",
                t.name
            );
            assert!(
                enums::INTEGRATION_TYPES.contains(&t.integration_type),
                "{}",
                t.name
            );
            assert!(enums::TOOL_STATUSES.contains(&t.status), "{}", t.name);
            assert!(sellers().iter().any(|s| s.name == t.seller), "{}", t.name);
            assert!(!t.tags.is_empty() && t.tags.iter().all(|g| (1..=50).contains(&g.len())));
            assert!(t.name.len() <= 100 && !t.description.is_empty());
            // R-C2: FREE is 0; CUSTOM is "contact sales"; everything else is priced.
            match t.price_model {
                "FREE" | "CUSTOM" => assert_eq!(t.price, Decimal::ZERO, "{}", t.name),
                _ => assert!(t.price > Decimal::ZERO, "{}", t.name),
            }
            assert_eq!(t.price.scale(), if t.price.is_zero() { 0 } else { 2 });
        }
        for b in bundles() {
            assert!(enums::BUNDLE_STATUSES.contains(&b.status));
            assert!(enums::SUBSCRIPTION_TIERS.contains(&b.required_tier));
        }
        for s in sellers() {
            assert!(enums::SELLER_KINDS.contains(&s.kind));
            assert!(s.fee_rate >= Decimal::ZERO && s.fee_rate <= Decimal::ONE);
        }
    }

    #[test]
    fn the_seed_has_the_asked_for_mix() {
        let count = |f: &dyn Fn(&SeedTool) -> bool| catalog().iter().filter(|t| f(t)).count();
        for model in ["ONE_TIME", "MONTHLY", "ANNUAL", "FREE", "CUSTOM"] {
            assert!(count(&|t| t.price_model == model) > 0, "{model}");
        }
        assert_eq!(count(&|t| t.status == "BETA"), 1);
        assert_eq!(count(&|t| t.status == "DEPRECATED"), 1);
        let sai = tool(52).unwrap();
        assert_eq!((sai.price_model, sai.required_tier), ("FREE", "FREE"));
        for n in [53, 54] {
            let t = tool(n).unwrap();
            assert_eq!((t.price_model, t.required_tier), ("FREE", "GROWTH"));
        }
        assert!(count(&|t| t.seller == INTERNAL_SELLER) > 40);
        assert_eq!(sellers()[0].fee_rate, Decimal::ONE);
        assert_eq!(
            sellers()[1..]
                .iter()
                .map(|s| s.fee_rate)
                .collect::<Vec<_>>(),
            [dec!(0.05), dec!(0.10), dec!(0.05)]
        );
        for s in &sellers()[1..] {
            assert!(count(&|t| t.seller == s.name) >= 3, "{}", s.name);
        }
    }

    #[test]
    fn bundles_hold_the_seed_ranges_and_are_priced_from_their_list_price() {
        let ranges: Vec<Vec<u8>> = bundles()[..4].iter().map(|b| b.tools.to_vec()).collect();
        assert_eq!(
            ranges,
            [
                (1..=8).collect::<Vec<u8>>(),
                (9..=15).collect(),
                (16..=23).collect(),
                (24..=29).collect()
            ]
        );
        assert_eq!(bundles()[0].list_price(), dec!(692.00));
        assert_eq!(bundles()[0].price(), dec!(553.60));
        assert_eq!(bundles()[1].price(), dec!(647.25));
        assert_eq!(bundles()[2].price(), dec!(1929.00));
        assert_eq!(bundles()[3].price(), dec!(691.90));
        for b in bundles() {
            assert!(b.tools.len() >= 2, "R-C4: {}", b.name);
            assert_eq!(b.tool_entries().count(), b.tools.len(), "{}", b.name);
            assert!(b.price() < b.list_price(), "{}", b.name);
            assert_eq!(b.price().round_dp(2), b.price());
            let rank = |tier: &str| enums::SUBSCRIPTION_TIERS.iter().position(|t| *t == tier);
            for t in b.tool_entries() {
                assert!(t.is_bundleable(), "{} in {}", t.name, b.name);
                assert_eq!(t.currency, b.currency);
                assert!(rank(b.required_tier) >= rank(t.required_tier), "{}", t.name);
            }
        }
    }

    #[test]
    fn the_suite_holds_every_bundleable_tool() {
        let bundleable: Vec<u8> = catalog()
            .iter()
            .filter(|t| t.is_bundleable())
            .map(|t| t.number)
            .collect();
        assert_eq!(SUITE, bundleable.as_slice());
        assert_eq!(SUITE.len(), 48);
    }
}
