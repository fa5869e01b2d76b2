//! Statements written once for both backends, and reading their rows.

use marketplace_domain::ports::RepoError;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TryGetable, Value};

use crate::error::{corrupt, map_db};

/// `sql` with `?` placeholders, numbered `$1, $2, …` for PostgreSQL.
pub(super) fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => numbered(sql),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// `?, ?, …` for `n` values of an `IN (…)` list.
pub(super) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

pub(super) async fn query_all(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, RepoError> {
    conn.query_all_raw(statement(conn.get_database_backend(), sql, values))
        .await
        .map_err(map_db)
}

pub(super) async fn query_one(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Option<QueryResult>, RepoError> {
    conn.query_one_raw(statement(conn.get_database_backend(), sql, values))
        .await
        .map_err(map_db)
}

/// Runs `sql`; the number of rows it changed.
pub(super) async fn execute(
    conn: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<u64, RepoError> {
    conn.execute_raw(statement(conn.get_database_backend(), sql, values))
        .await
        .map(|done| done.rows_affected())
        .map_err(map_db)
}

/// A column of `row`, or a corrupt-row error naming `table`.
pub(super) fn get<T: TryGetable>(
    row: &QueryResult,
    table: &'static str,
    column: &str,
) -> Result<T, RepoError> {
    row.try_get::<T>("", column)
        .map_err(|e| corrupt(table, format!("{column}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let pg = statement(DbBackend::Postgres, "a = ? AND b IN (?, ?)", vec![]);
        assert_eq!(pg.sql, "a = $1 AND b IN ($2, $3)");
        let lite = statement(DbBackend::Sqlite, "a = ?", vec![]);
        assert_eq!(lite.sql, "a = ?");
    }
}
