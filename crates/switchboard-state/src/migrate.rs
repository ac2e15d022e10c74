//! The embedded, versioned migrations.
//!
//! Each file in `migrations/` is compiled in with `include_str!` and listed here with its
//! version. sqlx records every applied version with a checksum of its text in
//! `_sqlx_migrations`, applies the missing ones at open, and refuses to start if an applied
//! migration's text changed, so a released migration is never edited: a change is a new
//! file with the next number, added to [`MIGRATIONS`].
//!
//! `sqlx::migrate!()` would build the same list, but it needs sqlx's `macros` feature,
//! which compiles a second copy of sqlx (for the proc macro) for no other use here. The
//! checksums are the same either way (SHA-384 of the text), so either can take over a
//! database the other created.

use std::borrow::Cow;

use sqlx::SqlSafeStr as _;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// `(version, description, SQL)` of every migration, in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../migrations/0001_initial.sql")),
    (
        2,
        "usage request id index",
        include_str!("../migrations/0002_usage_request_id_index.sql"),
    ),
    (
        3,
        "usage model and provider indexes",
        include_str!("../migrations/0003_usage_model_provider_indexes.sql"),
    ),
    (
        4,
        "usage key index for keyed records only",
        include_str!("../migrations/0004_usage_key_index_keyed_only.sql"),
    ),
];

/// The schema version this build brings a database to: the highest migration version.
pub const SCHEMA_VERSION: i64 = 4;

/// The migrator over [`MIGRATIONS`].
pub(crate) fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_and_the_last_is_the_schema_version() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.0).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        assert_eq!(versions.last(), Some(&SCHEMA_VERSION));
        assert_eq!(migrator().iter().count(), MIGRATIONS.len());
    }
}
