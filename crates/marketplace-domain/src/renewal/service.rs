//! The renewal use cases: the job that renews credits and invoice payers (R-B6), card
//! renewals the provider collected, renewal refunds, and renewal invoices marked paid.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::access::{AccessPolicy, Actor, Forbidden, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::catalog::CatalogRepository;
use crate::checkout::PaymentGateway;
use crate::claims::{SoleProcess, UnitClaims};
use crate::ids::PurchaseId;
use crate::item::ItemRef;
use crate::money::Money;
use crate::payment::{PaymentError, PaymentMethod};
use crate::plan::PlanRepository;
use crate::ports::{Clock, IdGenerator, IdGeneratorExt, RepoError};
use crate::purchase::{Billing, Period, Purchase, PurchaseRepository, PurchaseRuleError};
use crate::revenue::{
    Posting, PostingKind, RevenueError, SellerTerms, refund_posting_after, sale_posting,
};
use crate::subscription::{GracePeriod, InvoiceNumber, SaleParts, sale_lines};

use super::{
    CollectedRenewal, OpenRenewal, RenewalCharge, RenewalRefund, RenewalRepository, RenewalState,
    RenewalStatus, UsageCharges,
};

/// What renewal actions can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RenewalError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Rule(#[from] PurchaseRuleError),
    /// The purchase's access ended before the renewal was paid: nothing renews it now.
    #[error("the purchase's access ended before this renewal was paid")]
    Lapsed,
    #[error("payment gateway failure")]
    Payment(#[source] PaymentError),
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for RenewalError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            other => Self::Infrastructure(other),
        }
    }
}

impl From<RevenueError> for RenewalError {
    fn from(e: RevenueError) -> Self {
        Self::Infrastructure(RepoError::unavailable(e))
    }
}

/// What one run of the renewal job did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Renewals paid with credits now.
    pub collected: usize,
    /// Renewals the credits did not cover (newly or still past due).
    pub past_due: usize,
    /// Renewal invoices issued.
    pub invoiced: usize,
    /// Due purchases another run (or an earlier one) already took care of.
    pub skipped: usize,
    /// Purchases left for the next run after an error (logged).
    pub failed: usize,
}

/// What a card renewal the provider collected did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardRenewal {
    /// The next period is paid and its sale posted.
    Collected(Purchase),
    /// The provider's period was already covered (a redelivery, or a free invoice): the
    /// period moved to the provider's end when it was behind, nothing was posted.
    Covered(Purchase),
    /// The purchase had ended (or its grace had): the payment was refunded in full at once.
    RefundedAfterEnd(Purchase),
}

/// The renewal use cases.
#[derive(Clone)]
pub struct RenewalService {
    renewals: Arc<dyn RenewalRepository>,
    purchases: Arc<dyn PurchaseRepository>,
    catalog: Arc<dyn CatalogRepository>,
    payments: Arc<dyn PaymentGateway>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    grace: GracePeriod,
    policy: AccessPolicy,
    usage: Option<Arc<dyn UsageCharges>>,
    /// The plans renewals charge (R-B3); without them a renewal charges what was paid.
    plans: Option<Arc<dyn PlanRepository>>,
    /// Who renews which purchase when replicas run the job together (R-T10).
    claims: Arc<dyn UnitClaims>,
}

impl std::fmt::Debug for RenewalService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenewalService")
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}

impl RenewalService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        renewals: Arc<dyn RenewalRepository>,
        purchases: Arc<dyn PurchaseRepository>,
        catalog: Arc<dyn CatalogRepository>,
        payments: Arc<dyn PaymentGateway>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        grace: GracePeriod,
    ) -> Self {
        Self {
            renewals,
            purchases,
            catalog,
            payments,
            audit,
            clock,
            ids,
            grace,
            policy: AccessPolicy,
            usage: None,
            plans: None,
            claims: Arc::new(SoleProcess),
        }
    }

    /// R-B3, R-B9, R-B10: renewals charge the price of the plan the purchase renews at.
    #[must_use]
    pub fn with_plans(mut self, plans: Arc<dyn PlanRepository>) -> Self {
        self.plans = Some(plans);
        self
    }

    /// R-B3: what a renewal of `purchase` charges before overage: the price of the plan
    /// it renews at (a scheduled downgrade's, R-B9; the plan a trial ends into, R-B10);
    /// what was paid for it when it names no plan (bought before plans at a price no plan
    /// carries). A plan's price never changes once sold (R-B1), so a holder pays at each
    /// renewal what they paid at first.
    pub async fn renewal_price(&self, purchase: &Purchase) -> Result<Money, RenewalError> {
        let (Some(plans), Some(plan)) = (&self.plans, purchase.renewal_plan()) else {
            return Ok(purchase.amount());
        };
        let lineup = plans.item_plans(purchase.item()).await?;
        Ok(lineup
            .plans()
            .iter()
            .find(|p| p.id() == plan)
            .map_or(purchase.amount(), crate::plan::Plan::price))
    }

    /// R-T10: each due purchase is renewed under a claim from `claims`, so replicas
    /// running the job together renew each purchase once.
    #[must_use]
    pub fn with_claims(mut self, claims: Arc<dyn UnitClaims>) -> Self {
        self.claims = claims;
        self
    }

    /// R-U5: renewals the engine charges (credits, invoices) also charge the period's
    /// overage from `usage`.
    #[must_use]
    pub fn with_usage_charges(mut self, usage: Arc<dyn UsageCharges>) -> Self {
        self.usage = Some(usage);
        self
    }

    /// R-U5: what renewing `purchase` after `period` charges: its price, plus the
    /// period's overage lines when its plan is metered.
    async fn renewal_amount(
        &self,
        purchase: &Purchase,
        period: Period,
    ) -> Result<Money, RenewalError> {
        let price = self.renewal_price(purchase).await?;
        let Some(usage) = &self.usage else {
            return Ok(price);
        };
        usage
            .overage(purchase, period)
            .await?
            .iter()
            .try_fold(price, |sum, line| sum.checked_add(line.amount))
            .map_err(|e| RenewalError::Infrastructure(RepoError::unavailable(e)))
    }

    /// R-B6: renews every credits or invoice purchase whose period has ended: credits are
    /// debited (not enough: PAST_DUE until the grace ends, retried on every run), invoice
    /// payers get a numbered renewal invoice. Safe to run concurrently and repeatedly:
    /// each purchase is renewed once per period.
    ///
    /// # Errors
    /// `Infrastructure` when the due purchases cannot be read; a failure on one purchase
    /// is logged and left for the next run.
    pub async fn run_due(&self) -> Result<RunReport, RenewalError> {
        let now = self.clock.now();
        let mut report = RunReport::default();
        for purchase in self.renewals.due_for_renewal(now).await? {
            let id = purchase.id();
            // Another replica renewing it now: it is theirs this run (R-T10).
            let Some(claim) = self.claims.try_claim("renewal", id.as_uuid()).await? else {
                report.skipped += 1;
                continue;
            };
            let step = self.renew_one(purchase, now).await;
            claim.release().await;
            match step {
                Ok(Step::Collected) => report.collected += 1,
                Ok(Step::PastDue) => report.past_due += 1,
                Ok(Step::Invoiced) => report.invoiced += 1,
                Ok(Step::Skipped) => report.skipped += 1,
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(purchase_id = %id, error = %e, "renewal left for the next run");
                }
            }
        }
        Ok(report)
    }

    async fn renew_one(
        &self,
        purchase: Purchase,
        now: DateTime<Utc>,
    ) -> Result<Step, RenewalError> {
        let Some((period, next)) = periods(&purchase) else {
            return Ok(Step::Skipped);
        };
        if now >= self.grace.ends(period.end()) {
            // Unpaid through its grace: the expiry job ends it.
            return Ok(Step::Skipped);
        }
        let existing = self
            .renewals
            .renewal_for(purchase.id(), next.start())
            .await?;
        match (purchase.payment_method(), existing) {
            (_, Some(r)) if r.is_collected() => Ok(Step::Skipped),
            (PaymentMethod::PlatformCredits, existing) => {
                let from = existing.as_ref().map(|r| r.state.status());
                if from.is_some_and(|s| s != RenewalStatus::PastDue) {
                    return Ok(Step::Skipped);
                }
                let id = existing.map_or_else(|| self.ids.new_id(), |r| r.id);
                let amount = self.renewal_amount(&purchase, period).await?;
                let collected = self
                    .collected(purchase.clone(), id, next, amount, from, None, None, now)
                    .await?;
                match self.renewals.collect(&collected).await {
                    Ok(()) => {
                        self.record(&collected.purchase, "purchase.renewed", now)
                            .await;
                        Ok(Step::Collected)
                    }
                    Err(RepoError::Stale(_)) => Ok(Step::Skipped),
                    Err(RepoError::InsufficientCredits) if from.is_some() => Ok(Step::PastDue),
                    Err(RepoError::InsufficientCredits) => {
                        let state = RenewalState::PastDue {
                            grace_ends: self.grace.ends(period.end()),
                        };
                        self.open(&purchase, id, next, amount, state, now).await
                    }
                    Err(e) => Err(e.into()),
                }
            }
            (PaymentMethod::Invoice, None) => {
                let state = RenewalState::Invoiced {
                    // The store numbers it with the org's next sequence number.
                    number: InvoiceNumber::new(1).map_err(RepoError::unavailable)?,
                    due: self.grace.ends(period.end()),
                };
                let amount = self.renewal_amount(&purchase, period).await?;
                self.open(&purchase, self.ids.new_id(), next, amount, state, now)
                    .await
            }
            (PaymentMethod::Invoice | PaymentMethod::CreditCard, _) => Ok(Step::Skipped),
        }
    }

    async fn open(
        &self,
        purchase: &Purchase,
        id: super::RenewalId,
        period: Period,
        amount: Money,
        state: RenewalState,
        now: DateTime<Utc>,
    ) -> Result<Step, RenewalError> {
        let step = match state.status() {
            RenewalStatus::Invoiced => Step::Invoiced,
            _ => Step::PastDue,
        };
        let open = OpenRenewal {
            renewal: RenewalCharge {
                id,
                purchase_id: purchase.id(),
                org_id: purchase.org_id(),
                period,
                amount,
                method: purchase.payment_method(),
                state,
                refunded: Money::zero(purchase.amount().currency()),
                opened_at: now,
            },
        };
        match self.renewals.open(&open).await {
            Ok(stored) => {
                let action = match step {
                    Step::Invoiced => "renewal.invoiced",
                    _ => "renewal.past_due",
                };
                self.audit
                    .record(AuditEvent::system(
                        Some(stored.org_id),
                        action,
                        "purchase",
                        stored.purchase_id.as_uuid(),
                        now,
                    ))
                    .await;
                Ok(step)
            }
            Err(RepoError::Stale(_)) => Ok(Step::Skipped),
            Err(e) => Err(e.into()),
        }
    }

    /// R-B6, R-B7: the provider collected a card renewal of `purchase`, paying `paid`
    /// (the purchase's price when the provider does not say) up to `paid_until` with its
    /// payment `payment`. The next period is paid and its sale posted, once: a redelivery,
    /// or the provider's free first invoice, posts nothing. A payment for a purchase that
    /// has ended, or whose grace is over, is refunded in full at once (R-B5): no charge
    /// without access.
    ///
    /// # Errors
    /// `Rule`, `Payment` when the automatic refund fails (the provider redelivers and it is
    /// retried under the same idempotency key), `Infrastructure`.
    pub async fn card_renewal_paid(
        &self,
        purchase: Purchase,
        paid_until: Option<DateTime<Utc>>,
        paid: Option<Money>,
        payment: Option<String>,
    ) -> Result<CardRenewal, RenewalError> {
        let now = self.clock.now();
        let amount = match paid {
            Some(paid) => paid,
            None => self.renewal_price(&purchase).await?,
        };
        let Some((period, next)) = periods(&purchase) else {
            return Err(PurchaseRuleError::NotRecurring.into());
        };
        if let Some(reference) = payment.as_deref()
            && self.renewals.find_by_payment(reference).await?.is_some()
        {
            return Ok(CardRenewal::Covered(purchase));
        }
        let ended = purchase.status() != crate::purchase::PurchaseStatus::Active;
        let lapsed = purchase.expiry_due(now, self.grace);
        if ended || lapsed {
            return self.refund_after_end(purchase, amount, payment).await;
        }
        let already_covered = paid_until.is_some_and(|until| until <= period.end());
        if amount.is_zero() || already_covered {
            return self.cover_without_charge(purchase, paid_until).await;
        }
        let existing = self
            .renewals
            .renewal_for(purchase.id(), next.start())
            .await?;
        if existing.as_ref().is_some_and(RenewalCharge::is_collected) {
            return Ok(CardRenewal::Covered(purchase));
        }
        // Paid late out of PAST_DUE (R-B5): the refused renewal is the one collected.
        let (id, from) = existing.map_or_else(
            || (self.ids.new_id(), None),
            |r| (r.id, Some(r.state.status())),
        );
        let collected = self
            .collected(purchase, id, next, amount, from, payment, None, now)
            .await?;
        match self.renewals.collect(&collected).await {
            Ok(()) => {
                self.record(&collected.purchase, "purchase.renewed", now)
                    .await;
                Ok(CardRenewal::Collected(collected.purchase))
            }
            Err(RepoError::Stale(_)) => {
                let current = self
                    .purchases
                    .find(collected.purchase.id())
                    .await?
                    .ok_or(RenewalError::NotFound)?;
                Ok(CardRenewal::Covered(current))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// R-B5, R-B6: the provider could not collect a card renewal of `purchase`: the
    /// period after its own is PAST_DUE, with access until the grace after its end, and
    /// its licenses are suspended meanwhile (R-L6). The provider retries; a payment within
    /// the grace collects this renewal ([`Self::card_renewal_paid`]), none by its end lets
    /// the expiry job end the purchase. Recorded once: a repeat, or a failure reported for
    /// a period already paid or a purchase that no longer renews, changes nothing.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn card_renewal_failed(&self, purchase: &Purchase) -> Result<bool, RenewalError> {
        let now = self.clock.now();
        let Some((period, next)) = periods(purchase) else {
            return Err(PurchaseRuleError::NotRecurring.into());
        };
        let renews = matches!(
            purchase.billing(),
            Billing::Recurring {
                auto_renew: true,
                ..
            }
        );
        if purchase.status() != crate::purchase::PurchaseStatus::Active
            || !renews
            || purchase.expiry_due(now, self.grace)
        {
            return Ok(false);
        }
        if self
            .renewals
            .renewal_for(purchase.id(), next.start())
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let state = RenewalState::PastDue {
            grace_ends: self.grace.ends(period.end()),
        };
        // The provider bills a card renewal at the plan's price; overage is not added to
        // card renewals (ADR 0015).
        let price = self.renewal_price(purchase).await?;
        let step = self
            .open(purchase, self.ids.new_id(), next, price, state, now)
            .await?;
        Ok(matches!(step, Step::PastDue))
    }

    async fn refund_after_end(
        &self,
        purchase: Purchase,
        amount: Money,
        payment: Option<String>,
    ) -> Result<CardRenewal, RenewalError> {
        if let Some(reference) = payment.as_deref()
            && !amount.is_zero()
        {
            let key = format!("renewal-{reference}-after-end");
            self.payments
                .refund(reference, amount, &key)
                .await
                .map_err(RenewalError::Payment)?;
            self.record(&purchase, "renewal.refunded_after_end", self.clock.now())
                .await;
        }
        Ok(CardRenewal::RefundedAfterEnd(purchase))
    }

    async fn cover_without_charge(
        &self,
        mut purchase: Purchase,
        paid_until: Option<DateTime<Utc>>,
    ) -> Result<CardRenewal, RenewalError> {
        let moved = match paid_until {
            Some(until) => purchase.renew_until(until)?,
            None => {
                purchase.renew()?;
                true
            }
        };
        if moved {
            self.purchases.renew(&purchase).await?;
            self.record(&purchase, "purchase.renewed", self.clock.now())
                .await;
        }
        Ok(CardRenewal::Covered(purchase))
    }

    /// R-B6: a platform admin marks renewal invoice `number` of `purchase` paid: the
    /// renewal is collected and its sale posted. Marking it paid again changes nothing.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Lapsed` when the purchase's access ended first,
    /// `Infrastructure`.
    pub async fn invoice_paid(
        &self,
        actor: &Actor,
        purchase: PurchaseId,
        number: u32,
    ) -> Result<RenewalCharge, RenewalError> {
        self.policy.require(actor, Permission::ManageBilling)?;
        let renewal = self
            .renewals
            .find_by_invoice(purchase, number)
            .await?
            .ok_or(RenewalError::NotFound)?;
        let RenewalState::Invoiced { number, .. } = renewal.state else {
            return Ok(renewal);
        };
        let purchase = self
            .purchases
            .find(renewal.purchase_id)
            .await?
            .ok_or(RenewalError::NotFound)?;
        let now = self.clock.now();
        let on_time = periods(&purchase).is_some_and(|(_, next)| next == renewal.period);
        if purchase.status() != crate::purchase::PurchaseStatus::Active || !on_time {
            return Err(RenewalError::Lapsed);
        }
        let collected = self
            .collected(
                purchase,
                renewal.id,
                renewal.period,
                renewal.amount,
                Some(RenewalStatus::Invoiced),
                None,
                Some(number),
                now,
            )
            .await?;
        match self.renewals.collect(&collected).await {
            Ok(()) | Err(RepoError::Stale(_)) => {}
            Err(e) => return Err(e.into()),
        }
        self.audit
            .record(AuditEvent::by(
                actor,
                "renewal.invoice_paid",
                "purchase",
                collected.purchase.id().as_uuid(),
                now,
            ))
            .await;
        Ok(collected.renewal)
    }

    /// The provider has refunded `total_refunded` of the renewal payment `reference` so
    /// far (cumulative): the part not yet booked reverses that renewal's sale in
    /// proportion (R-M5), nothing else. `None` when no renewal was paid by it.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn renewal_refunded(
        &self,
        reference: &str,
        total_refunded: Money,
    ) -> Result<Option<RenewalCharge>, RenewalError> {
        let Some(renewal) = self.renewals.find_by_payment(reference).await? else {
            return Ok(None);
        };
        let Ok(outstanding) = total_refunded.checked_sub(renewal.refunded) else {
            return Ok(Some(renewal));
        };
        if outstanding.is_negative() || outstanding.is_zero() {
            return Ok(Some(renewal));
        }
        let refundable = renewal.refundable();
        let part = if refundable.amount() < outstanding.amount() {
            refundable
        } else {
            outstanding
        };
        if part.is_zero() {
            return Ok(Some(renewal));
        }
        self.refund(renewal, part).await.map(Some)
    }

    async fn refund(
        &self,
        mut renewal: RenewalCharge,
        amount: Money,
    ) -> Result<RenewalCharge, RenewalError> {
        let now = self.clock.now();
        let postings = self.renewals.postings(renewal.id).await?;
        let (sales, earlier): (Vec<Posting>, Vec<Posting>) = postings
            .into_iter()
            .partition(|p| p.kind() == PostingKind::Sale);
        let sale = sales.into_iter().next().ok_or(RenewalError::NotFound)?;
        let posting = refund_posting_after(self.ids.new_id(), &sale, &earlier, amount, now)?;
        renewal.refunded = renewal
            .refunded
            .checked_add(amount)
            .map_err(RepoError::unavailable)?;
        let credit_back = (renewal.method == PaymentMethod::PlatformCredits).then_some(amount);
        let refund = RenewalRefund {
            renewal,
            amount,
            posting,
            credit_back,
        };
        match self.renewals.refund(&refund).await {
            Ok(()) => {
                self.audit
                    .record(AuditEvent::system(
                        Some(refund.renewal.org_id),
                        "renewal.refunded",
                        "purchase",
                        refund.renewal.purchase_id.as_uuid(),
                        now,
                    ))
                    .await;
                Ok(refund.renewal)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The collection of `purchase`'s renewal `id` for `next`, with its sale.
    #[allow(clippy::too_many_arguments)]
    async fn collected(
        &self,
        purchase: Purchase,
        id: super::RenewalId,
        next: Period,
        amount: Money,
        from: Option<RenewalStatus>,
        payment: Option<String>,
        invoice: Option<InvoiceNumber>,
        now: DateTime<Utc>,
    ) -> Result<CollectedRenewal, RenewalError> {
        let posting = if amount.is_zero() {
            None
        } else {
            let parts = self.sale_parts(purchase.item()).await?;
            let lines = sale_lines(amount, &parts)?;
            Some(sale_posting(
                self.ids.new_id(),
                purchase.order_id(),
                Some(purchase.id()),
                purchase.org_id(),
                now,
                &lines,
            )?)
        };
        let mut renewed = purchase;
        renewed.renew()?;
        let credit_debit = (renewed.payment_method() == PaymentMethod::PlatformCredits
            && !amount.is_zero())
        .then_some(amount);
        Ok(CollectedRenewal {
            renewal: RenewalCharge {
                id,
                purchase_id: renewed.id(),
                org_id: renewed.org_id(),
                period: next,
                amount,
                method: renewed.payment_method(),
                state: RenewalState::Collected {
                    at: now,
                    payment,
                    invoice,
                    sale: posting.as_ref().map(Posting::id),
                },
                refunded: Money::zero(amount.currency()),
                opened_at: now,
            },
            from,
            purchase: renewed,
            posting,
            credit_debit,
        })
    }

    /// Who shares in a sale of `item` now: split like a first sale (R-M3, R-M4).
    async fn sale_parts(&self, item: ItemRef) -> Result<SaleParts, RenewalError> {
        Ok(sale_parts(self.catalog.as_ref(), item).await?)
    }

    async fn record(&self, purchase: &Purchase, action: &'static str, at: DateTime<Utc>) {
        self.audit
            .record(AuditEvent::system(
                Some(purchase.org_id()),
                action,
                "purchase",
                purchase.id().as_uuid(),
                at,
            ))
            .await;
    }
}

/// What the job did with one purchase.
enum Step {
    Collected,
    PastDue,
    Invoiced,
    Skipped,
}

/// A recurring purchase's current period and the one after it.
fn periods(purchase: &Purchase) -> Option<(Period, Period)> {
    match *purchase.billing() {
        Billing::Recurring {
            interval, period, ..
        } => Some((period, period.next(interval))),
        Billing::OneTime => None,
    }
}

/// Who shares in a sale of `item` now, a renewal's or an upgrade's: split like a first
/// sale (R-M3, R-M4), a bundle's tools weighted by their prices.
///
/// # Errors
/// `RepoError::NotFound` when the item or one of its sellers is gone.
pub(crate) async fn sale_parts(
    catalog: &dyn CatalogRepository,
    item: ItemRef,
) -> Result<SaleParts, RepoError> {
    match item {
        ItemRef::Tool(id) => {
            let tool = catalog.tool(id).await?.ok_or(RepoError::NotFound)?;
            let seller = terms_of(catalog, &[tool.seller_id]).await?;
            let seller = seller.into_iter().next().ok_or(RepoError::NotFound)?;
            Ok(SaleParts::Tool {
                tool_id: tool.id,
                seller,
            })
        }
        ItemRef::Bundle(id) => {
            let bundle = catalog.bundle(id).await?.ok_or(RepoError::NotFound)?;
            let sellers: Vec<_> = bundle.tools().iter().map(|t| t.seller_id).collect();
            let terms = terms_of(catalog, &sellers).await?;
            let tools = bundle
                .tools()
                .iter()
                .zip(terms)
                .map(|(t, terms)| (t.tool_id, t.price, terms))
                .collect();
            Ok(SaleParts::Bundle { tools })
        }
    }
}

/// The terms of each of `sellers`, in the same order.
async fn terms_of(
    catalog: &dyn CatalogRepository,
    sellers: &[crate::ids::SellerId],
) -> Result<Vec<SellerTerms>, RepoError> {
    let mut unique = sellers.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let known = catalog.seller_terms(&unique).await?;
    sellers
        .iter()
        .map(|s| {
            known
                .iter()
                .find(|t| t.seller_id == *s)
                .copied()
                .ok_or(RepoError::NotFound)
        })
        .collect()
}
