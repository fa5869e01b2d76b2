//! The monthly payout run: every onboarded third-party seller is paid what it is owed for
//! the month, exactly once, however often the run is repeated or wherever it stopped.
//!
//! For each seller the run moves through the payout record of (seller, month):
//! 1. none: plan from the ledger; carry when below the minimum; else record the `Pending`
//!    payout with its posting (`SellerPayable` → `PayoutsInTransit`) in one transaction;
//! 2. `Pending`: transfer with the key `payout-{seller}-{YYYY-MM}` (a rerun sends the same
//!    key, so the provider moves the money once), then on success mark it `Paid` with its
//!    posting (`PayoutsInTransit` → `PaidOut`); when the provider refuses (`Declined`,
//!    `Invalid`) mark it `Failed` with the reversal (`PayoutsInTransit` →
//!    `SellerPayable`), so the money is paid with a later month; when the outcome is
//!    unknown (`Unavailable`) or the service is misconfigured, leave it `Pending` for the
//!    next run to finish with the same key;
//! 3. `Paid` or `Failed`: nothing to do.
//!
//! The provider keeps idempotency keys for at least 24 hours: run the job at least daily
//! (the periodic task runs hourly) so that a `Pending` payout is finished within that time.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::audit::{AuditEvent, AuditLog};
use crate::ids::SellerId;
use crate::money::Money;
use crate::payment::PaymentError;
use crate::ports::{Conflict, IdGenerator, IdGeneratorExt, RepoError};
use crate::revenue::{SellerKind, YearMonth};
use crate::seller::{
    ConnectAccount, Payout, PayoutDecision, PayoutGateway, PayoutStatus, Seller, SellerRepository,
    month_start, payout_due, plan_payout,
};

/// Why a payout run did not start.
#[derive(Debug, thiserror::Error)]
pub enum PayoutRunError {
    /// A month is paid out from the 5th of the following month.
    #[error("{month} cannot be paid out before {due}")]
    TooEarly {
        month: YearMonth,
        due: DateTime<Utc>,
    },
    /// No payout provider is configured (offline/demo mode).
    #[error("Stripe Connect is not configured on this service")]
    NotConfigured,
    #[error("infrastructure failure")]
    Infrastructure(#[from] RepoError),
}

/// What the run did for one seller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayoutOutcome {
    /// Transferred by this run.
    Paid { amount: Money, transfer_id: String },
    /// Paid by an earlier run: nothing sent.
    AlreadyPaid { amount: Money },
    /// Owed less than the minimum (or nothing, or less than nothing after a refund):
    /// carried to the next month.
    Carried { payable: Money },
    /// A third party without a connected account that may receive payouts.
    NotOnboarded,
    /// The provider refused the transfer; the payout was reversed and the money is paid
    /// with a later month.
    Failed { amount: Money, reason: String },
    /// Refused in an earlier run (and reversed): nothing sent.
    PreviouslyFailed { amount: Money },
    /// The transfer's outcome is unknown (the provider could not be reached) or the
    /// service is misconfigured: the payout stays `Pending` and the next run finishes it
    /// with the same idempotency key.
    Pending { amount: Money, reason: String },
    /// The store failed for this seller; the next run picks it up where it stopped.
    Error { reason: String },
}

/// One seller's line of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutResult {
    pub seller_id: SellerId,
    pub seller_name: String,
    /// The run's month, or an earlier one whose payout was left `Pending`.
    pub month: YearMonth,
    pub outcome: PayoutOutcome,
}

/// What a run did, seller by seller (third parties only, by seller id; a seller's
/// earlier months left `Pending` come first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutReport {
    pub month: YearMonth,
    pub results: Vec<PayoutResult>,
}

impl PayoutReport {
    /// Whether some payout was refused, left pending or hit an error.
    #[must_use]
    pub fn has_problems(&self) -> bool {
        self.results.iter().any(|r| {
            matches!(
                r.outcome,
                PayoutOutcome::Failed { .. }
                    | PayoutOutcome::Pending { .. }
                    | PayoutOutcome::Error { .. }
            )
        })
    }
}

/// Runs payouts (a job: no actor, platform scope).
#[derive(Clone)]
pub struct PayoutService {
    sellers: Arc<dyn SellerRepository>,
    gateway: Option<Arc<dyn PayoutGateway>>,
    audit: Arc<dyn AuditLog>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for PayoutService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayoutService")
            .field("connect", &self.gateway.is_some())
            .finish_non_exhaustive()
    }
}

impl PayoutService {
    pub fn new(
        sellers: Arc<dyn SellerRepository>,
        gateway: Option<Arc<dyn PayoutGateway>>,
        audit: Arc<dyn AuditLog>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            sellers,
            gateway,
            audit,
            ids,
        }
    }

    /// Whether a payout provider is configured.
    #[must_use]
    pub fn is_configured(&self) -> bool {
        self.gateway.is_some()
    }

    /// The month a run at `now` pays: the one before `now`'s, in UTC. It may be paid from
    /// the 5th of `now`'s month; a run before then is `TooEarly`, and a later run of a
    /// month already paid pays nobody twice.
    #[must_use]
    pub fn due_month(now: DateTime<Utc>) -> YearMonth {
        let this_month = month_start(YearMonth::of(now));
        this_month
            .checked_sub_signed(TimeDelta::seconds(1))
            .map_or_else(|| YearMonth::of(now), YearMonth::of)
    }

    /// Pays out the month due at `now` ([`PayoutService::due_month`]).
    ///
    /// # Errors
    /// As [`PayoutService::run`].
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<PayoutReport, PayoutRunError> {
        self.run(Self::due_month(now), now).await
    }

    /// Pays out `month` as of `now` (see the module documentation). One seller's failure
    /// does not stop the others; each is reported.
    ///
    /// # Errors
    /// `TooEarly` before the 5th of the following month, `NotConfigured` without a
    /// provider, `Infrastructure` when the sellers cannot be listed.
    #[tracing::instrument(skip(self), fields(month = %month))]
    pub async fn run(
        &self,
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<PayoutReport, PayoutRunError> {
        let due = payout_due(month);
        if now < due {
            return Err(PayoutRunError::TooEarly { month, due });
        }
        let gateway = self.gateway.as_ref().ok_or(PayoutRunError::NotConfigured)?;
        let mut results = Vec::new();
        for seller in self.sellers.list().await? {
            if seller.kind() == SellerKind::Platform {
                continue;
            }
            let mut push = |month: YearMonth, outcome: Result<PayoutOutcome, RepoError>| {
                let outcome = outcome.unwrap_or_else(|e| {
                    tracing::warn!(seller = %seller.id(), error = ?e, "payout interrupted");
                    PayoutOutcome::Error {
                        reason: e.to_string(),
                    }
                });
                tracing::info!(seller = %seller.id(), %month, ?outcome, "payout");
                results.push(PayoutResult {
                    seller_id: seller.id(),
                    seller_name: seller.name().to_owned(),
                    month,
                    outcome,
                });
            };
            let Some(account) = seller.payout_account() else {
                push(month, Ok(PayoutOutcome::NotOnboarded));
                continue;
            };
            // Earlier months left pending (the provider was down for that whole month's
            // runs) are finished first, under their own keys.
            match self.sellers.payouts_of(seller.id()).await {
                Ok(payouts) => {
                    let mut stuck: Vec<Payout> = payouts
                        .into_iter()
                        .filter(|p| p.status == PayoutStatus::Pending && p.month < month)
                        .collect();
                    stuck.sort_by_key(|p| p.month);
                    for payout in stuck {
                        let outcome = self
                            .finish(gateway.as_ref(), &seller, account, payout.clone(), now)
                            .await;
                        push(payout.month, outcome);
                    }
                }
                Err(e) => push(month, Err(e)),
            }
            let outcome = self
                .pay(gateway.as_ref(), &seller, account, month, now)
                .await;
            push(month, outcome);
        }
        Ok(PayoutReport { month, results })
    }

    async fn pay(
        &self,
        gateway: &dyn PayoutGateway,
        seller: &Seller,
        account: &ConnectAccount,
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<PayoutOutcome, RepoError> {
        let payout = match self.sellers.payout_for(seller.id(), month).await? {
            Some(existing) => existing,
            None => match self.record(seller, month, now).await? {
                Ok(payout) => payout,
                Err(carried) => return Ok(carried),
            },
        };
        self.finish(gateway, seller, account, payout, now).await
    }

    /// Transfers a `Pending` payout under its key and settles it; a `Paid` or `Failed`
    /// one is left as it is.
    async fn finish(
        &self,
        gateway: &dyn PayoutGateway,
        seller: &Seller,
        account: &ConnectAccount,
        payout: Payout,
        now: DateTime<Utc>,
    ) -> Result<PayoutOutcome, RepoError> {
        match payout.status {
            PayoutStatus::Paid => {
                return Ok(PayoutOutcome::AlreadyPaid {
                    amount: payout.amount,
                });
            }
            PayoutStatus::Failed => {
                return Ok(PayoutOutcome::PreviouslyFailed {
                    amount: payout.amount,
                });
            }
            PayoutStatus::Pending => {}
        }
        let key = payout.idempotency_key();
        match gateway
            .transfer(&account.account_id, payout.amount, &key)
            .await
        {
            Ok(transfer) => {
                let plan = payout
                    .complete(transfer.id.clone(), self.ids.new_id(), now)
                    .map_err(RepoError::unavailable)?;
                match self.sellers.complete_payout(&plan).await {
                    Ok(()) => {}
                    // Another run finished it first, with the same transfer.
                    Err(RepoError::Stale(_)) => {
                        return Ok(PayoutOutcome::AlreadyPaid {
                            amount: payout.amount,
                        });
                    }
                    Err(e) => return Err(e),
                }
                self.audit_payout(seller, &payout, "payout.paid", now).await;
                Ok(PayoutOutcome::Paid {
                    amount: payout.amount,
                    transfer_id: transfer.id,
                })
            }
            Err(e @ (PaymentError::Declined { .. } | PaymentError::Invalid(_))) => {
                let reason = match &e {
                    PaymentError::Declined { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                let plan = payout
                    .fail(reason.clone(), self.ids.new_id(), now)
                    .map_err(RepoError::unavailable)?;
                match self.sellers.reverse_payout(&plan).await {
                    Ok(()) | Err(RepoError::Stale(_)) => {}
                    Err(e) => return Err(e),
                }
                self.audit_payout(seller, &payout, "payout.failed", now)
                    .await;
                Ok(PayoutOutcome::Failed {
                    amount: payout.amount,
                    reason,
                })
            }
            Err(e @ (PaymentError::Unavailable(_) | PaymentError::Configuration(_))) => {
                Ok(PayoutOutcome::Pending {
                    amount: payout.amount,
                    reason: error_chain(&e),
                })
            }
        }
    }

    /// Plans the month from the ledger and records the payout with its first posting.
    /// `Ok(Err(Carried))` when nothing is paid this month.
    async fn record(
        &self,
        seller: &Seller,
        month: YearMonth,
        now: DateTime<Utc>,
    ) -> Result<Result<Payout, PayoutOutcome>, RepoError> {
        let postings = self.sellers.postings_for(seller.id(), None, None).await?;
        let decision = plan_payout(
            (self.ids.new_id(), self.ids.new_id()),
            seller.id(),
            month,
            seller.payout().minimum(),
            &postings,
            now,
        )
        .map_err(RepoError::unavailable)?;
        let plan = match decision {
            PayoutDecision::Carry { payable } => {
                return Ok(Err(PayoutOutcome::Carried { payable }));
            }
            PayoutDecision::Pay(plan) => *plan,
        };
        match self.sellers.record_payout(&plan).await {
            Ok(()) => Ok(Ok(plan.payout)),
            // A concurrent run recorded the month first and is transferring it: leave it
            // to that run (or the next one), never transfer the same payout side by side.
            Err(RepoError::Conflict(Conflict::PayoutMonth)) => Ok(Err(PayoutOutcome::Pending {
                amount: plan.payout.amount,
                reason: "another run is paying this month".to_owned(),
            })),
            Err(e) => Err(e),
        }
    }

    async fn audit_payout(
        &self,
        seller: &Seller,
        payout: &Payout,
        action: &'static str,
        now: DateTime<Utc>,
    ) {
        self.audit
            .record(AuditEvent::system(
                seller.org_id(),
                action,
                "payout",
                payout.id.as_uuid(),
                now,
            ))
            .await;
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn a_run_pays_the_previous_month_from_the_fifth() {
        let march = YearMonth::new(2025, 3).unwrap();
        assert_eq!(PayoutService::due_month(at(2025, 4, 5, 0)), march);
        assert_eq!(PayoutService::due_month(at(2025, 4, 30, 23)), march);
        // Before the 5th the due month is the same, and not payable yet.
        assert_eq!(PayoutService::due_month(at(2025, 4, 1, 0)), march);
        assert!(at(2025, 4, 4, 23) < payout_due(march));
        assert!(at(2025, 4, 5, 0) >= payout_due(march));
        // January pays the previous year's December.
        assert_eq!(
            PayoutService::due_month(at(2026, 1, 7, 12)),
            YearMonth::new(2025, 12).unwrap()
        );
    }
}
