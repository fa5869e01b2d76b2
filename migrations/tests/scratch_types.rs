use sea_orm_migration::sea_orm::{ConnectionTrait, Database, Statement, Value, DbBackend};
use rust_decimal::Decimal;
use std::str::FromStr;

#[tokio::test]
async fn scratch() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    db.execute_unprepared("CREATE TABLE t (a TEXT, b NUMERIC(12,2), c REAL, d BLOB, e TEXT)").await.unwrap();
    for s in ["20.00", "19.99", "0.10", "9999999999.99", "1234567890.12", "0.07", "-5.55", "33.33", "8765432109.87", "0.01", "12345678.91"] {
        let d = Decimal::from_str(s).unwrap();
        db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, "DELETE FROM t", [])).await.unwrap();
        db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", [Value::from(d), Value::from(d), Value::from(d), Value::from(uuid::Uuid::nil()), Value::from(chrono::Utc::now())])).await.unwrap();
        let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT a, b, c, typeof(a) ta, typeof(b) tb, typeof(c) tc, d, e, typeof(d) td FROM t")).await.unwrap().unwrap();
        let a: Result<Decimal, _> = row.try_get("", "a");
        let b: Result<Decimal, _> = row.try_get("", "b");
        let c: Result<Decimal, _> = row.try_get("", "c");
        let ta: String = row.try_get("", "ta").unwrap();
        let tb: String = row.try_get("", "tb").unwrap();
        let tc: String = row.try_get("", "tc").unwrap();
        let td: String = row.try_get("", "td").unwrap();
        let u: Result<uuid::Uuid, _> = row.try_get("", "d");
        let e: Result<chrono::DateTime<chrono::Utc>, _> = row.try_get("", "e");
        let es: String = row.try_get("", "e").unwrap();
        println!("{s}: text={a:?}/{ta} numeric={b:?}/{tb} real={c:?}/{tc} eq={} uuid={u:?}/{td} ts={es} {e:?}", c.as_ref().map(|c| *c == d).unwrap_or(false));
    }
}
