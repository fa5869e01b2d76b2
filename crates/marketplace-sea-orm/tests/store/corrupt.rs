//! A stored row that breaks a domain invariant is reported as corrupt, naming its table:
//! not as an outage, and not worth a retry.

use marketplace_domain::catalog::CatalogRepository;
use marketplace_domain::ports::RepoError;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::fixtures::{seller, tool};
use crate::support::TestDb;

#[tokio::test]
async fn a_row_the_domain_refuses_is_corrupt_not_unavailable() {
    let db = TestDb::sqlite().await;
    let store = db.store();
    let t = tool(&store, seller(&store).await, "10.00").await;
    // The schema does not check versions; the domain wants semver.
    db.app
        .connection()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE tools SET version = ? WHERE id = ?",
            ["not a version".into(), t.id.as_uuid().into()],
        ))
        .await
        .unwrap();
    match store.tool(t.id).await {
        Err(RepoError::Corrupt { table, detail }) => {
            assert_eq!(table, "tools");
            assert!(!detail.is_empty(), "the detail says what is wrong");
        }
        other => panic!("a corrupt row must be RepoError::Corrupt, got {other:?}"),
    }
    db.finish().await;
}
