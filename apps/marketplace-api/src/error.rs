//! One error type for every handler, and the one place where errors become HTTP answers:
//! each domain error, each malformed request ([`BadRequest`]) and each authentication
//! failure ([`AuthError`]) maps here to the v1 API's error shape and status. A 500 is
//! logged with its cause chain and answered without internals.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use marketplace_domain::access::{Forbidden, Permission};
use marketplace_domain::analytics::AnalyticsError;
use marketplace_domain::audit::AuditTrailError;
use marketplace_domain::cart::CartError;
use marketplace_domain::catalog::{CatalogError, FieldError, ItemRef, NotPurchasableReason};
use marketplace_domain::checkout::{CheckoutError, PaymentError};
use marketplace_domain::entitlement::HoldingsError;
use marketplace_domain::lifecycle::{PlanChangeError, PurchaseError};
use marketplace_domain::org::OrgError;
use marketplace_domain::payment_events::PaymentEventError;
use marketplace_domain::personal_data::PersonalDataError;
use marketplace_domain::plan::{PlanError, PlanServiceError};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::PurchaseRuleError;
use marketplace_domain::renewal::RenewalError;
use marketplace_domain::review::ReviewError;
use marketplace_domain::seller::SellerError;
use marketplace_domain::stats::StatsError;
use marketplace_licensing::access::Denied;
use marketplace_licensing::api_key::{
    AuthenticateError, CreateApiKeyError, ListApiKeysError, MissingScope, RevokeApiKeyError,
};
use marketplace_licensing::license::{
    ActivateError, DeactivateError, GetLicenseError, InvalidLicenseRequest, ListLicensesError,
};
use marketplace_modules::installation::{InstallError, Missing, Named, PublishingError};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::auth::AuthError;
use crate::extract::BadRequest;
use crate::rate_limit::RateLimited;
use crate::wire::MoneyDto;

/// `{"error": {...}}`: the body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for a program (`code`, `reason`) and for a person (`message`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// One of: unauthorized, forbidden, not_found, invalid_request, conflict,
    /// quota_exceeded, payment_required, rate_limited, unavailable, internal_error.
    pub code: &'static str,
    pub message: String,
    /// A more precise reason, e.g. `already_owned`, `tier_too_low`, `idempotency_conflict`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// Field errors (`{"field": "...", "message": "..."}`) or facts about the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub details: Vec<Value>,
}

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{message}")]
    Forbidden {
        reason: Option<&'static str>,
        message: String,
        details: Vec<Value>,
    },
    #[error("not found")]
    NotFound,
    /// No route matches the path (or the method).
    #[error("no such route")]
    NoRoute,
    /// A malformed request (400) or a well-formed one that breaks a rule (422).
    #[error("{message}")]
    Invalid {
        status: StatusCode,
        reason: Option<&'static str>,
        message: String,
        details: Vec<Value>,
    },
    #[error("{message}")]
    Conflict {
        reason: &'static str,
        message: String,
        details: Vec<Value>,
    },
    #[error("{message}")]
    QuotaExceeded {
        message: String,
        details: Vec<Value>,
    },
    #[error("{message}")]
    PaymentRequired {
        reason: &'static str,
        message: String,
        details: Vec<Value>,
    },
    /// The caller is over their request rate (R-T7): 429 with the `RateLimit-*` headers.
    #[error("{0}")]
    RateLimited(RateLimited),
    #[error("a dependency is unavailable; retry later")]
    Unavailable(#[source] anyhow::Error),
    /// The service cannot serve: its database does not answer (GET /readyz).
    #[error("the database is not reachable")]
    NotReady(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// 400 for a malformed request, with field details. Handlers and extractors answer
    /// with a [`BadRequest`] instead, which converts to this.
    #[must_use]
    pub fn bad_request(message: impl Into<String>, details: Vec<Value>) -> Self {
        Self::Invalid {
            status: StatusCode::BAD_REQUEST,
            reason: None,
            message: message.into(),
            details,
        }
    }

    /// 422 for a well-formed request that breaks a rule.
    fn unprocessable(
        reason: &'static str,
        message: impl Into<String>,
        details: Vec<Value>,
    ) -> Self {
        Self::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            reason: Some(reason),
            message: message.into(),
            details,
        }
    }

    fn forbidden(
        reason: Option<&'static str>,
        message: impl Into<String>,
        details: Vec<Value>,
    ) -> Self {
        Self::Forbidden {
            reason,
            message: message.into(),
            details,
        }
    }

    fn conflict(reason: &'static str, message: impl Into<String>, details: Vec<Value>) -> Self {
        Self::Conflict {
            reason,
            message: message.into(),
            details,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound | Self::NoRoute => "not_found",
            Self::Invalid { .. } => "invalid_request",
            Self::Conflict { .. } => "conflict",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::PaymentRequired { .. } => "payment_required",
            Self::RateLimited(_) => "rate_limited",
            Self::Unavailable(_) | Self::NotReady(_) => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::QuotaExceeded { .. } => StatusCode::FORBIDDEN,
            Self::NotFound | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::Invalid { status, .. } => *status,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PaymentRequired { .. } => StatusCode::PAYMENT_REQUIRED,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (reason, details) = match self {
            Self::Forbidden {
                reason, details, ..
            }
            | Self::Invalid {
                reason, details, ..
            } => (*reason, details.clone()),
            Self::Conflict {
                reason, details, ..
            }
            | Self::PaymentRequired {
                reason, details, ..
            } => (Some(*reason), details.clone()),
            Self::QuotaExceeded { details, .. } => (None, details.clone()),
            Self::RateLimited(refused) => (None, vec![json!({"bucket": refused.kind})]),
            _ => (None, Vec::new()),
        };
        match self {
            Self::Internal(cause) | Self::Unavailable(cause) => {
                tracing::error!(error = ?cause, "request failed");
            }
            Self::NotReady(cause) => tracing::warn!(error = ?cause, "not ready"),
            _ => {}
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                reason,
                details,
            },
        };
        let mut res = HttpResponse::build(self.status_code()).json(body);
        if let Self::RateLimited(refused) = self {
            refused.headers.write(res.headers_mut());
        }
        res
    }
}

fn field_details(faults: &[FieldError]) -> Vec<Value> {
    faults
        .iter()
        .map(|f| json!({"field": f.field, "message": f.message}))
        .collect()
}

fn item_detail(item: &ItemRef) -> Value {
    json!({"item_type": item.kind().as_str().to_lowercase(), "item_id": item.uuid()})
}

fn infrastructure(e: RepoError) -> ApiError {
    ApiError::Internal(anyhow::Error::new(e))
}

impl From<BadRequest> for ApiError {
    fn from(e: BadRequest) -> Self {
        let details = e
            .faults()
            .iter()
            .map(|f| json!({"field": f.field, "message": f.message}))
            .collect();
        Self::bad_request(e.message(), details)
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::NotConfigured => Self::Internal(anyhow::Error::new(e)),
            AuthError::ApiKey(AuthenticateError::Store(store)) => infrastructure(store),
            other => Self::Unauthorized(other.to_string()),
        }
    }
}

impl From<MissingScope> for ApiError {
    fn from(e: MissingScope) -> Self {
        Self::forbidden(
            Some("missing_scope"),
            e.to_string(),
            vec![json!({"scope": e.0.as_str()})],
        )
    }
}

impl From<Denied> for ApiError {
    fn from(e: Denied) -> Self {
        match e {
            Denied::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            Denied::MissingScope(m) => m.into(),
        }
    }
}

impl From<CreateApiKeyError> for ApiError {
    fn from(e: CreateApiKeyError) -> Self {
        match e {
            CreateApiKeyError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            CreateApiKeyError::Invalid(faults) => Self::unprocessable(
                "invalid_fields",
                "some fields are invalid",
                field_details(&faults),
            ),
            CreateApiKeyError::Store(e) => infrastructure(e),
        }
    }
}

impl From<ListApiKeysError> for ApiError {
    fn from(e: ListApiKeysError) -> Self {
        match e {
            ListApiKeysError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            ListApiKeysError::Store(e) => infrastructure(e),
        }
    }
}

impl From<RevokeApiKeyError> for ApiError {
    fn from(e: RevokeApiKeyError) -> Self {
        match e {
            RevokeApiKeyError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            RevokeApiKeyError::NotFound => Self::NotFound,
            RevokeApiKeyError::Store(e) => infrastructure(e),
        }
    }
}

impl From<ListLicensesError> for ApiError {
    fn from(e: ListLicensesError) -> Self {
        match e {
            ListLicensesError::Denied(d) => d.into(),
            ListLicensesError::Store(e) => infrastructure(e),
        }
    }
}

impl From<GetLicenseError> for ApiError {
    fn from(e: GetLicenseError) -> Self {
        match e {
            GetLicenseError::Denied(d) => d.into(),
            GetLicenseError::NotFound => Self::NotFound,
            GetLicenseError::Store(e) => infrastructure(e),
        }
    }
}

impl From<InvalidLicenseRequest> for ApiError {
    fn from(e: InvalidLicenseRequest) -> Self {
        Self::bad_request("the request body is invalid", field_details(&e.0))
    }
}

impl From<ActivateError> for ApiError {
    fn from(e: ActivateError) -> Self {
        let message = e.to_string();
        match e {
            // Why a key names no license is for logs, never for the caller (R-L4).
            ActivateError::NotFound(_) => Self::NotFound,
            ActivateError::NotInForce(code) => Self::conflict(
                "license_not_in_force",
                message,
                vec![json!({"code": code.as_str()})],
            ),
            ActivateError::TooManyActivations { limit } => Self::conflict(
                "too_many_activations",
                message,
                vec![json!({"max_activations": limit})],
            ),
            ActivateError::Store(e) => infrastructure(e),
        }
    }
}

impl From<DeactivateError> for ApiError {
    fn from(e: DeactivateError) -> Self {
        match e {
            DeactivateError::NotFound(_) => Self::NotFound,
            DeactivateError::Store(e) => infrastructure(e),
        }
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            CatalogError::NotFound => Self::NotFound,
            CatalogError::InvalidFields(faults) => Self::unprocessable(
                "invalid_fields",
                "some fields are invalid",
                field_details(&faults),
            ),
            CatalogError::UnknownTool(id) => Self::unprocessable(
                "unknown_tool",
                format!("tool {id} does not exist"),
                vec![json!({"field": "tool_ids", "message": format!("unknown tool {id}")})],
            ),
            CatalogError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> Self {
        let message = e.to_string();
        let details = e
            .field()
            .map(|field| vec![json!({"field": field, "message": message})])
            .unwrap_or_default();
        match e {
            PlanError::DuplicateCode { .. } => Self::conflict("duplicate_plan", message, details),
            PlanError::PriceFixedOnceSold
            | PlanError::IntervalFixedOnceSold
            | PlanError::ProviderPriceFixedOnceSold => {
                Self::conflict("plan_sold", message, details)
            }
            PlanError::MixedBundleIntervals { .. } => {
                Self::unprocessable("mixed_intervals", message, details)
            }
            PlanError::UnknownPlan { .. } => Self::unprocessable("unknown_plan", message, details),
            PlanError::NotOnSale { .. } => {
                Self::unprocessable("plan_not_on_sale", message, details)
            }
            PlanError::NothingOnSale => Self::unprocessable("contact_sales", message, details),
            _ => Self::unprocessable("invalid_plan", message, details),
        }
    }
}

impl From<PlanServiceError> for ApiError {
    fn from(e: PlanServiceError) -> Self {
        match e {
            PlanServiceError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            PlanServiceError::NotFound => Self::NotFound,
            PlanServiceError::Rejected(e) => e.into(),
            PlanServiceError::Bundle(e) => {
                Self::unprocessable("bundle_plan", e.to_string(), vec![])
            }
            PlanServiceError::Catalog(e) => e.into(),
            PlanServiceError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<CartError> for ApiError {
    fn from(e: CartError) -> Self {
        let message = e.to_string();
        match e {
            CartError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            CartError::NotFound => Self::NotFound,
            CartError::NotPurchasable(reason) => Self::unprocessable(
                match reason {
                    NotPurchasableReason::ContactSales => "contact_sales",
                    NotPurchasableReason::Status => "not_purchasable",
                },
                message,
                vec![],
            ),
            CartError::TierTooLow { required } => Self::forbidden(
                Some("tier_too_low"),
                message,
                vec![json!({"required_tier": required.as_str()})],
            ),
            CartError::AlreadyOwned { item } => {
                Self::conflict("already_owned", message, vec![item_detail(&item)])
            }
            CartError::CurrencyMismatch { cart, item } => Self::unprocessable(
                "currency_mismatch",
                message,
                vec![json!({"cart_currency": cart.code(), "item_currency": item.code()})],
            ),
            CartError::CoveredByBundle { bundle } => {
                Self::conflict("covered_by_bundle", message, vec![item_detail(&bundle)])
            }
            CartError::QuotaExceeded { limit } => Self::QuotaExceeded {
                message,
                details: vec![json!({"limit": format!("{limit:?}")})],
            },
            CartError::CartFull => Self::unprocessable("cart_full", message, vec![]),
            CartError::Plan(e) => e.into(),
            CartError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<PaymentError> for ApiError {
    fn from(e: PaymentError) -> Self {
        match e {
            PaymentError::Declined { code, message } => Self::PaymentRequired {
                reason: "card_declined",
                message,
                details: code
                    .map(|c| vec![json!({"decline_code": c})])
                    .unwrap_or_default(),
            },
            PaymentError::Unavailable(source) => Self::Unavailable(anyhow::anyhow!(source)),
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<CheckoutError> for ApiError {
    fn from(e: CheckoutError) -> Self {
        let message = e.to_string();
        match e {
            CheckoutError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            CheckoutError::NotFound => Self::NotFound,
            CheckoutError::EmptyCart => Self::unprocessable("empty_cart", message, vec![]),
            CheckoutError::LineRefused { item, reason } => {
                let mut inner = Self::from(reason);
                if let Self::Forbidden { details, .. }
                | Self::Invalid { details, .. }
                | Self::Conflict { details, .. }
                | Self::QuotaExceeded { details, .. } = &mut inner
                {
                    details.push(item_detail(&item));
                }
                inner
            }
            CheckoutError::ItemUnavailable(item) => {
                Self::unprocessable("item_unavailable", message, vec![item_detail(&item)])
            }
            CheckoutError::IdempotencyConflict => {
                Self::conflict("idempotency_conflict", message, vec![])
            }
            CheckoutError::InsufficientCredits { needed } => Self::PaymentRequired {
                reason: "insufficient_credits",
                message,
                details: vec![json!({"needed": MoneyDto::from(needed)})],
            },
            CheckoutError::AlreadyOwned { item } => {
                Self::conflict("already_owned", message, vec![item_detail(&item)])
            }
            CheckoutError::IllegalTransition(t) => Self::conflict(
                "illegal_state",
                message,
                vec![json!({"from": t.from.as_str(), "to": t.to.as_str()})],
            ),
            CheckoutError::PaymentDeclined { code } => Self::PaymentRequired {
                reason: "card_declined",
                message,
                details: code
                    .map(|c| vec![json!({"decline_code": c})])
                    .unwrap_or_default(),
            },
            CheckoutError::WrongPaymentMethod { expected } => Self::conflict(
                "wrong_payment_method",
                message,
                vec![json!({"expected": expected.as_str().to_lowercase()})],
            ),
            CheckoutError::Payment(p) => p.into(),
            CheckoutError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<PurchaseError> for ApiError {
    fn from(e: PurchaseError) -> Self {
        let message = e.to_string();
        match e {
            PurchaseError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            PurchaseError::NotFound => Self::NotFound,
            PurchaseError::Rule(PurchaseRuleError::RefundTooLarge { remaining }) => {
                Self::unprocessable(
                    "refund_too_large",
                    message,
                    vec![json!({"refundable": MoneyDto::from(remaining)})],
                )
            }
            PurchaseError::Rule(PurchaseRuleError::InvalidRefund) => {
                Self::unprocessable("invalid_refund", message, vec![])
            }
            PurchaseError::Rule(_) | PurchaseError::NothingToReverse => {
                Self::conflict("illegal_state", message, vec![])
            }
            PurchaseError::Payment(p) => p.into(),
            PurchaseError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<PlanChangeError> for ApiError {
    fn from(e: PlanChangeError) -> Self {
        use marketplace_domain::subscription::SubscriptionError as S;
        let message = e.to_string();
        let plan_field = vec![json!({"field": "plan", "message": message.clone()})];
        match e {
            PlanChangeError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            PlanChangeError::NotFound => Self::NotFound,
            PlanChangeError::Plan(p) => p.into(),
            PlanChangeError::NoPlan => Self::conflict("no_plan", message, vec![]),
            PlanChangeError::Refused(S::SamePlan) => {
                Self::conflict("same_plan", message, plan_field)
            }
            PlanChangeError::Refused(
                S::IntervalChange { .. } | S::OtherItem { .. } | S::CurrencyMismatch { .. },
            ) => Self::unprocessable("interval_change", message, plan_field),
            PlanChangeError::Refused(S::NotRecurring { .. }) => {
                Self::unprocessable("not_recurring", message, plan_field)
            }
            PlanChangeError::Refused(_) => {
                Self::conflict("subscription_not_changeable", message, vec![])
            }
            PlanChangeError::NotCollectable { .. } => {
                Self::unprocessable("plan_change_not_available", message, vec![])
            }
            PlanChangeError::InsufficientCredits { needed } => Self::PaymentRequired {
                reason: "insufficient_credits",
                message,
                details: vec![json!({"needed": MoneyDto::from(needed)})],
            },
            PlanChangeError::Conflict => Self::conflict("concurrent_change", message, vec![]),
            PlanChangeError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<RenewalError> for ApiError {
    fn from(e: RenewalError) -> Self {
        let message = e.to_string();
        match e {
            RenewalError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            RenewalError::NotFound => Self::NotFound,
            RenewalError::Rule(_) | RenewalError::Lapsed => {
                Self::conflict("illegal_state", message, vec![])
            }
            RenewalError::Payment(p) => p.into(),
            RenewalError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<ReviewError> for ApiError {
    fn from(e: ReviewError) -> Self {
        let message = e.to_string();
        match e {
            ReviewError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            ReviewError::NotFound => Self::NotFound,
            ReviewError::Invalid(faults) => Self::unprocessable(
                "invalid_fields",
                "some fields are invalid",
                field_details(&faults),
            ),
            ReviewError::NotEntitled => Self::forbidden(Some("not_entitled"), message, vec![]),
            ReviewError::OwnReview => Self::forbidden(Some("own_review"), message, vec![]),
            ReviewError::AlreadyVoted => Self::conflict("already_voted", message, vec![]),
            ReviewError::AlreadyFlagged => Self::conflict("already_flagged", message, vec![]),
            ReviewError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<OrgError> for ApiError {
    fn from(e: OrgError) -> Self {
        let message = e.to_string();
        match e {
            OrgError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            OrgError::NotFound => Self::NotFound,
            OrgError::Invalid(_) => Self::unprocessable("invalid_fields", message, vec![]),
            OrgError::CurrencyMismatch { .. } => {
                Self::unprocessable("currency_mismatch", message, vec![])
            }
            OrgError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<HoldingsError> for ApiError {
    fn from(e: HoldingsError) -> Self {
        match e {
            HoldingsError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            HoldingsError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<StatsError> for ApiError {
    fn from(e: StatsError) -> Self {
        match e {
            StatsError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            StatsError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<AnalyticsError> for ApiError {
    fn from(e: AnalyticsError) -> Self {
        match e {
            AnalyticsError::Forbidden => {
                Self::forbidden(None, "not allowed to read these analytics", vec![])
            }
            AnalyticsError::NoSeller => Self::NotFound,
            AnalyticsError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<AuditTrailError> for ApiError {
    fn from(e: AuditTrailError) -> Self {
        match e {
            AuditTrailError::Forbidden(p) => {
                Self::forbidden(None, Forbidden(p).to_string(), vec![])
            }
            AuditTrailError::EmptyRange => BadRequest::field("from", "must be before `to`").into(),
            AuditTrailError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<PersonalDataError> for ApiError {
    fn from(e: PersonalDataError) -> Self {
        match e {
            PersonalDataError::Forbidden(p) => {
                Self::forbidden(None, Forbidden(p).to_string(), vec![])
            }
            PersonalDataError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<SellerError> for ApiError {
    fn from(e: SellerError) -> Self {
        let message = e.to_string();
        match e {
            // Onboarding refused to a member or viewer keeps its own reason code.
            SellerError::Forbidden(Forbidden(Permission::ManageSellerAccount)) => Self::forbidden(
                Some("org_admin_required"),
                "only the organization's owners and admins may do this",
                vec![],
            ),
            SellerError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            SellerError::NotFound => Self::NotFound,
            SellerError::Invalid(faults) => Self::unprocessable(
                "invalid_fields",
                "some fields are invalid",
                field_details(&faults),
            ),
            SellerError::OrgTaken => Self::conflict("org_manages_a_seller", message, vec![]),
            SellerError::AccountTaken => Self::conflict("connect_account_taken", message, vec![]),
            SellerError::PlatformSeller => Self::conflict("platform_seller", message, vec![]),
            SellerError::ConnectNotConfigured => {
                Self::conflict("connect_not_configured", message, vec![])
            }
            // A refused Connect key is the operator's to fix; the caller may retry later.
            SellerError::Payment(PaymentError::Configuration(m)) => {
                Self::Unavailable(anyhow::anyhow!("Stripe Connect misconfigured: {m}"))
            }
            SellerError::Payment(p) => p.into(),
            SellerError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<PaymentEventError> for ApiError {
    fn from(e: PaymentEventError) -> Self {
        match e {
            // Stripe delivers the event again on a 503.
            PaymentEventError::NotReady(why) => Self::Unavailable(anyhow::anyhow!(why)),
            PaymentEventError::Checkout(c) => c.into(),
            PaymentEventError::Purchase(p) => p.into(),
            PaymentEventError::Renewal(r) => r.into(),
            PaymentEventError::Infrastructure(i) => infrastructure(i),
        }
    }
}

fn named_detail(tool: &Named) -> Value {
    json!({"tool_id": tool.tool.as_uuid(), "name": tool.name})
}

/// Installing, planning, rolling back and reading installations (R-I2..R-I6). A request
/// that no set of versions satisfies is a 422 `unsatisfiable` whose message explains why
/// in plain words (R-I3); what the org's current state refuses is a 409.
impl From<InstallError> for ApiError {
    fn from(e: InstallError) -> Self {
        let message = e.to_string();
        match e {
            InstallError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            InstallError::NotFound(Missing::Org) => {
                Self::conflict("no_platform_version", message, vec![])
            }
            InstallError::NotFound(Missing::Tool(tool)) => Self::unprocessable(
                "unknown_tool",
                message,
                vec![json!({"tool_id": tool.as_uuid()})],
            ),
            InstallError::NotFound(Missing::Installation(tool)) => Self::unprocessable(
                "not_installed",
                message,
                vec![json!({"tool_id": tool.as_uuid()})],
            ),
            InstallError::NotFound(
                Missing::UnknownOrg | Missing::Version { .. } | Missing::Notice { .. },
            ) => Self::NotFound,
            InstallError::Conflict { tools, .. } => Self::unprocessable(
                "unsatisfiable",
                message,
                tools
                    .iter()
                    .map(|tool| json!({"tool_id": tool.as_uuid()}))
                    .collect(),
            ),
            InstallError::RequiredBy { dependents, .. } => Self::conflict(
                "required_by",
                message,
                dependents.iter().map(named_detail).collect(),
            ),
            InstallError::NotEntitled(tool) => {
                Self::forbidden(Some("not_entitled"), message, vec![named_detail(&tool)])
            }
            InstallError::TooComplex { .. } => Self::unprocessable("too_complex", message, vec![]),
            InstallError::StaleGeneration { current, .. } => Self::conflict(
                "stale_generation",
                message,
                vec![json!({"current_generation": current.get()})],
            ),
            InstallError::NoPreviousGeneration => {
                Self::conflict("no_previous_generation", message, vec![])
            }
            InstallError::CatalogGap { .. } => Self::Internal(anyhow::Error::new(e)),
            InstallError::Infrastructure(e) => infrastructure(e),
        }
    }
}

/// Publishing and yanking versions, update notices and success rates (R-I1, R-I6, R-I7).
impl From<PublishingError> for ApiError {
    fn from(e: PublishingError) -> Self {
        let message = e.to_string();
        match e {
            PublishingError::Forbidden(_) => Self::forbidden(None, message, vec![]),
            PublishingError::NotFound(_) => Self::NotFound,
            PublishingError::VersionExists { version, .. } => Self::conflict(
                "version_exists",
                message,
                vec![json!({"version": version.to_string()})],
            ),
            PublishingError::Invalid(fault) => Self::unprocessable(
                "invalid_fields",
                "some fields are invalid",
                field_details(&[fault]),
            ),
            // The version stands; POST .../notify sends the notices again.
            PublishingError::NoticesNotSent { .. } => Self::Unavailable(anyhow::Error::new(e)),
            PublishingError::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<marketplace_listings::ListingsError> for ApiError {
    fn from(e: marketplace_listings::ListingsError) -> Self {
        use marketplace_listings::ListingsError as E;
        use marketplace_listings::listing::ListingError as L;
        let message = e.to_string();
        match e {
            E::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            E::NotFound | E::NotASeller => Self::NotFound,
            E::AlreadyRegistered => Self::conflict("already_a_seller", message, vec![]),
            E::Invalid(faults) => Self::unprocessable(
                "invalid_fields",
                "some fields are invalid",
                field_details(&faults),
            ),
            E::State(L::ChecksFailed(failures)) => Self::unprocessable(
                "checks_failed",
                "the automated checks failed; fix each field named",
                failures
                    .iter()
                    .map(|f| {
                        json!({
                            "field": f.fault.field,
                            "message": f.fault.message,
                            "check": f.check.as_str().to_lowercase(),
                        })
                    })
                    .collect(),
            ),
            E::State(L::IllegalMove { .. }) => Self::conflict("illegal_state", message, vec![]),
            E::State(L::KindFixed(_)) => Self::conflict("kind_fixed", message, vec![]),
            E::State(L::NotesRequired) => Self::unprocessable(
                "notes_required",
                message,
                vec![json!({"field": "notes", "message": "a rejection says why"})],
            ),
            E::State(L::NotesTooLong) => Self::bad_request(
                message,
                vec![json!({"field": "notes", "message": "at most 2000 characters"})],
            ),
            E::PublishRefused(faults) => Self::unprocessable(
                "publish_refused",
                "the catalog refused the approved listing; it stays submitted",
                field_details(&faults),
            ),
            E::Infrastructure(e) => infrastructure(e),
        }
    }
}

impl From<marketplace_metering::service::UsageError> for ApiError {
    fn from(e: marketplace_metering::service::UsageError) -> Self {
        use marketplace_metering::service::UsageError;
        match e {
            UsageError::Forbidden(permission) => Self::forbidden(
                Some("missing_scope"),
                format!(
                    "forbidden: this needs an API key with the `{}` scope",
                    permission.scope()
                ),
                vec![json!({"scope": permission.scope()})],
            ),
            UsageError::Batch(batch) => Self::bad_request(
                batch.to_string(),
                vec![json!({"field": "events", "message": batch.to_string()})],
            ),
            UsageError::UnknownMeter { tool, meter } => Self::unprocessable(
                "unknown_meter",
                format!("tool {tool} has no meter {meter}"),
                vec![json!({"tool_id": tool.as_uuid(), "meter": meter.as_str()})],
            ),
            UsageError::Calendar(window) => Self::bad_request(window.to_string(), vec![]),
            UsageError::Infrastructure(e) => infrastructure(e),
            other @ (UsageError::Total(_)
            | UsageError::Overage(_)
            | UsageError::StoreContract(_)) => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<marketplace_metering::service::DefineMeterError> for ApiError {
    fn from(e: marketplace_metering::service::DefineMeterError) -> Self {
        use marketplace_metering::service::DefineMeterError;
        match e {
            DefineMeterError::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            DefineMeterError::ToolNotFound => Self::NotFound,
            DefineMeterError::Taken { ref existing } => Self::conflict(
                "meter_taken",
                e.to_string(),
                vec![json!({
                    "key": existing.key().as_str(),
                    "aggregation": existing.aggregation().as_str(),
                    "unit": existing.unit().as_str(),
                })],
            ),
            DefineMeterError::Infrastructure(e) => infrastructure(e),
        }
    }
}

/// The services context (R-X1..R-X5): another org's transaction, thread or draft is a 404;
/// a move its status does not allow is a 409 `illegal_state` naming both, and changes
/// nothing; a request that breaks a rule of the transaction is a 422.
impl From<marketplace_services::service::ServicesError> for ApiError {
    fn from(e: marketplace_services::service::ServicesError) -> Self {
        use marketplace_services::rating::RatingError;
        use marketplace_services::service::ServicesError as E;
        use marketplace_services::transaction::TransactionError as T;
        let message = e.to_string();
        match e {
            E::Forbidden(f) => Self::forbidden(None, f.to_string(), vec![]),
            E::NotFound | E::NotAProvider => Self::NotFound,
            E::Field(fault) => Self::unprocessable(
                "invalid_fields",
                "some fields are invalid",
                field_details(&[fault]),
            ),
            E::NotASeller => Self::conflict("not_a_seller", message, vec![]),
            E::Provider(_) => Self::conflict("platform_seller", message, vec![]),
            E::Listing(m) => Self::conflict(
                "illegal_state",
                message,
                vec![json!({"from": m.from.as_str(), "to": m.to.as_str()})],
            ),
            E::Transaction(T::IllegalMove { from, action }) => Self::conflict(
                "illegal_state",
                message,
                vec![json!({"from": from.as_str(), "action": action.as_str()})],
            ),
            E::Transaction(T::ListingNotOffered) => {
                Self::unprocessable("not_offered", message, vec![])
            }
            E::Transaction(T::OwnService) => Self::unprocessable("own_service", message, vec![]),
            E::Transaction(T::QuotesNotAllowed) => Self::unprocessable(
                "quotes_not_allowed",
                message,
                vec![json!({"field": "amount", "message": "this listing takes no quotes"})],
            ),
            E::Transaction(T::InvalidQuote { .. }) => Self::unprocessable(
                "invalid_quote",
                message.clone(),
                vec![json!({"field": "amount", "message": message})],
            ),
            E::Transaction(T::CardsNotAccepted) => {
                Self::unprocessable("cards_not_accepted", message, vec![])
            }
            E::Transaction(T::UnsupportedMethod(_)) => {
                Self::unprocessable("unsupported_payment_method", message, vec![])
            }
            E::Transaction(T::InvalidRefund { refundable, .. }) => Self::unprocessable(
                "invalid_refund",
                message,
                vec![json!({"refundable": MoneyDto::from(refundable)})],
            ),
            E::Transaction(T::Revenue(_)) => Self::unprocessable("invalid_refund", message, vec![]),
            E::ThreadReadOnly => Self::forbidden(Some("read_only"), message, vec![]),
            E::Rating(RatingError::NotTheBuyer) => {
                Self::forbidden(Some("not_the_buyer"), message, vec![])
            }
            E::Rating(RatingError::NotCompleted) => {
                Self::conflict("not_completed", message, vec![])
            }
            E::AlreadyRated => Self::conflict("already_rated", message, vec![]),
            E::InsufficientCredits => Self::PaymentRequired {
                reason: "insufficient_credits",
                message,
                details: vec![],
            },
            E::PaymentFailed { code } => Self::PaymentRequired {
                reason: "card_declined",
                message,
                details: code
                    .map(|c| vec![json!({"decline_code": c})])
                    .unwrap_or_default(),
            },
            E::Concurrent => Self::conflict("concurrent_change", message, vec![]),
            E::Payment(p) => p.into(),
            E::Store(e) => infrastructure(e),
        }
    }
}
