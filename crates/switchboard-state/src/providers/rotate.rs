//! [`ProviderStore::rotate_master_key`]: every sealed secret re-sealed under a new master
//! key, in one transaction.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row as _;

use super::ProviderStore;
use crate::audit::append_in;
use crate::crypto::{Keyring, MasterKey};
use crate::error::StateError;
use crate::secrets::reseal_config;
use crate::time::now_ms;

/// What a rotation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RotationReport {
    /// Providers whose config held a sealed secret.
    pub providers: usize,
    /// Secrets re-sealed.
    pub secrets: usize,
    /// The new key's version, now in every sealed value.
    pub to_version: u32,
}

impl ProviderStore {
    /// Opens every sealed secret with `old` (any of its versions) and seals it again with
    /// `new`, all in one transaction: either every value moves to `new` or none does.
    /// `new` must have a version `old` does not hold, so values sealed before and after
    /// can be told apart. Afterwards, open the store with a keyring whose current key is
    /// `new`; `old` no longer opens anything.
    pub async fn rotate_master_key(
        &self,
        old: &Keyring,
        new: &MasterKey,
        actor: &str,
    ) -> Result<RotationReport, StateError> {
        if old.versions().contains(&new.version()) {
            return Err(StateError::Invalid(format!(
                "the new master key must have a version other than {:?}; give it one (`{}:<base64>`)",
                old.versions(),
                old.versions().iter().max().map_or(1, |v| v + 1)
            )));
        }
        let result = async {
            let mut tx = self.db.begin_write().await?;
            let rows = sqlx::query("SELECT name, config FROM providers ORDER BY name")
                .fetch_all(&mut *tx)
                .await?;
            let mut report = RotationReport {
                providers: 0,
                secrets: 0,
                to_version: new.version(),
            };
            let now = now_ms();
            for row in rows {
                let name: String = row.try_get("name")?;
                let config: String = row.try_get("config")?;
                let mut config: Value = serde_json::from_str(&config)?;
                let count = reseal_config(&mut config, &self.secret_fields, old, new)?;
                if count == 0 {
                    continue;
                }
                sqlx::query("UPDATE providers SET config = $1, updated_at = $2 WHERE name = $3")
                    .bind(serde_json::to_string(&config)?)
                    .bind(now)
                    .bind(&name)
                    .execute(&mut *tx)
                    .await?;
                report.providers += 1;
                report.secrets += count;
            }
            let detail = json!({
                "from_versions": old.versions(),
                "to_version": report.to_version,
                "providers": report.providers,
                "secrets": report.secrets,
            });
            append_in(&mut tx, actor, "master_key.rotate", "providers", &detail).await?;
            tx.commit().await?;
            Ok(report)
        }
        .await;
        self.db.track("providers.rotate_master_key", result)
    }
}
