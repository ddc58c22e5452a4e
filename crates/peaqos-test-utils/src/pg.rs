//! The throwaway PostgreSQL server of the tests (`scripts/pg-test-server.sh` starts it and the
//! test script exports its URL as `PEAQOS_TEST_PG_URL`), and a database of its own per test.

use sqlx::Connection as _;

/// The variable with the server's URL.
pub const PG_URL_VAR: &str = "PEAQOS_TEST_PG_URL";

/// The server's URL; panics when it is not set (tests that call this are
/// `#[ignore = "needs PostgreSQL"]` and run by the test script, which starts the server).
pub fn server_url() -> String {
    crate::required_env(
        PG_URL_VAR,
        "start a server with `scripts/pg-test-server.sh` and export its URL (scripts/test.sh does)",
    )
}

/// A database of its own on the test server, dropped by [`PgDatabase::drop_db`].
#[derive(Debug)]
pub struct PgDatabase {
    /// The URL of the new database.
    pub url: String,
    server: String,
    name: String,
}

impl PgDatabase {
    /// Creates `<tag>_<random>` on the server of [`server_url`].
    pub async fn create(tag: &str) -> Self {
        Self::create_on(&server_url(), tag).await
    }

    /// Creates `<tag>_<random>` on `server`.
    pub async fn create_on(server: &str, tag: &str) -> Self {
        sqlx::any::install_default_drivers();
        let name = format!("{tag}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::AnyConnection::connect(server)
            .await
            .expect("PostgreSQL server reachable (scripts/pg-test-server.sh)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create database");
        let _ = conn.close().await;
        Self {
            url: database_url(server, &name),
            server: server.to_owned(),
            name,
        }
    }

    /// Drops the database (connections still open are closed by force).
    pub async fn drop_db(self) {
        if let Ok(mut conn) = sqlx::AnyConnection::connect(&self.server).await {
            let _ = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn)
            .await;
            let _ = conn.close().await;
        }
    }
}

/// `server`'s URL with its database replaced by `name` (the query string kept).
fn database_url(server: &str, name: &str) -> String {
    let (plain, query) = match server.split_once('?') {
        Some((p, q)) => (p, format!("?{q}")),
        None => (server, String::new()),
    };
    let after = plain.find("://").map_or(0, |i| i + 3);
    let base = match plain[after..].find('/') {
        Some(j) => &plain[..after + j],
        None => plain,
    };
    format!("{base}/{name}{query}")
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_replaced_query_kept() {
        assert_eq!(
            database_url(
                "postgres://u:p@127.0.0.1:55432/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://u:p@127.0.0.1:55432/t1?sslmode=disable"
        );
        assert_eq!(database_url("postgres://h", "t2"), "postgres://h/t2");
    }
}
