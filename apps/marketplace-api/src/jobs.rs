//! The periodic jobs a server runs: renewing recurring purchases paid by credits or
//! invoice, expiring those whose access is over and reconciling card payments every
//! minute, issuing the licenses of new entitlements every half minute, storing the tool
//! page views counted in memory every ten seconds, paying sellers every hour. What each job does (which orders,
//! which month) is the use cases' to decide; this module only keeps the clock.

use std::time::Duration;

use marketplace_domain::seller::PayoutRunError;

use crate::state::Services;

/// How often purchases are expired and card payments reconciled.
const MINUTELY: Duration = Duration::from_secs(60);
/// How often a payout run is tried: a month already paid is a no-op, and a payout left
/// pending is finished under the same key.
const HOURLY: Duration = Duration::from_secs(3600);

/// How often licenses are issued for entitlements that have none yet (R-L1); a read of
/// the org's licenses issues them at once too.
const LICENSES_EVERY: Duration = Duration::from_secs(30);
/// Licenses issued per run at most; the next run takes the rest.
const LICENSES_PER_RUN: u32 = 1_000;

/// How often the tool page views counted in memory are stored (R-C6): the most views a
/// crash can lose, and how late the analytics reports are.
pub const VIEWS_FLUSH_EVERY: Duration = Duration::from_secs(10);

/// Starts the jobs on the current tokio runtime. `reconcile_after` is how long a card
/// order may wait for its webhook before it is reconciled.
pub fn spawn(services: Services, reconcile_after: chrono::Duration) {
    if services.payouts.is_configured() {
        let payouts = services.payouts.clone();
        let clock = services.clock.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(HOURLY);
            loop {
                tick.tick().await;
                match payouts.run_due(clock.now()).await {
                    Ok(report) if report.has_problems() => {
                        tracing::warn!(?report, "payout run left problems; retrying next hour");
                    }
                    Ok(_) | Err(PayoutRunError::TooEarly { .. }) => {}
                    Err(e) => tracing::warn!(error = ?e, "payout job failed; retrying next hour"),
                }
            }
        });
    }
    let analytics = services.analytics.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(VIEWS_FLUSH_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = analytics.flush().await {
                tracing::warn!(error = ?e, "storing tool views failed; kept for the next flush");
            }
        }
    });
    let licenses = services.licenses.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LICENSES_EVERY);
        loop {
            tick.tick().await;
            match licenses.issue_pending(None, LICENSES_PER_RUN).await {
                Ok(0) => {}
                Ok(issued) => tracing::info!(issued, "licenses issued for new entitlements"),
                Err(e) => tracing::warn!(error = ?e, "license job failed; retrying soon"),
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(MINUTELY);
        loop {
            tick.tick().await;
            // Renew before expiring: a purchase whose credits cover it renews, not ends.
            match services.renewals.run_due().await {
                Ok(report) if report.failed > 0 => {
                    tracing::warn!(?report, "renewal job left purchases for the next minute");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "renewal job failed; retrying next minute"),
            }
            if let Err(e) = services.purchases.expire_due().await {
                tracing::warn!(error = ?e, "expiry job failed; retrying next minute");
            }
            let cutoff = services.clock.now() - reconcile_after;
            if let Err(e) = services.checkout.reconcile(cutoff).await {
                tracing::warn!(error = ?e, "reconciliation job failed; retrying next minute");
            }
        }
    });
}
