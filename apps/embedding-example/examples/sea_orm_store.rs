//! The team's storefront over the marketplace's sea-orm store, on the team's own database.
//!
//! ```sh
//! cargo run -p embedding-example --example sea_orm_store
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/mydb cargo run -p embedding-example --example sea_orm_store
//! ```
//! The default is an SQLite file in the system's temporary folder. The schema comes from the
//! marketplace's migrations, the catalog from its seed; the org is the team's own.

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;

use embedding_example::Storefront;
use marketplace_domain::audit::AuditLog;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (store, _db) = support::open_store().await?;
    let audit: Arc<dyn AuditLog> = Arc::new(store.clone());
    let storefront = Storefront::new(support::ports(&store, audit));
    support::walk_through(&store, &storefront).await
}
