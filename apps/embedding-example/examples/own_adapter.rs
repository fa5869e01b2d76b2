//! The same storefront with one port of the team's own: the audit log goes to the team's
//! logging (here, standard output) instead of the marketplace's audit table. Any port can be
//! replaced this way: implement the domain's trait and hand it to the use cases.
//!
//! ```sh
//! cargo run -p embedding-example --example own_adapter
//! ```

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;

use async_trait::async_trait;
use embedding_example::Storefront;
use marketplace_domain::audit::{AuditEvent, AuditLog};

/// The team's adapter for the domain's `AuditLog` port.
struct TeamLog;

#[async_trait]
impl AuditLog for TeamLog {
    async fn record(&self, event: AuditEvent) {
        println!(
            "[team audit] {} {} {} {}",
            event.at.to_rfc3339(),
            event.action,
            event.subject_type,
            event.subject_id
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (store, _db) = support::open_store().await?;
    let storefront = Storefront::new(support::ports(&store, Arc::new(TeamLog)));
    support::walk_through(&store, &storefront).await
}
