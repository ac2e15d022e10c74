//! `switchboard rotate-master-key`: re-seals every provider secret stored in the state
//! database under a new master key, in one transaction, and records it in the audit log.
//!
//! The current key comes from `SWITCHBOARD_MASTER_KEY` (or `--old-key-file`); the new one
//! from `--new-key-file`, which `--generate` first fills with a fresh random key numbered
//! one above the current (the file is created, never overwritten, readable by its owner
//! only). Afterwards, point `SWITCHBOARD_MASTER_KEY` at the new key and restart.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use switchboard_state::{Database, Keyring, MASTER_KEY_ENV, MasterKey};

/// The command's options.
#[derive(Debug, Clone, clap::Args)]
pub struct RotateArgs {
    /// The new key: a file holding its text (`[VERSION:]BASE64`) or 32 raw bytes.
    #[arg(long, value_name = "PATH")]
    pub new_key_file: PathBuf,
    /// Write a fresh random key to `--new-key-file` first (the file must not exist).
    #[arg(long)]
    pub generate: bool,
    /// The current key from a file instead of `SWITCHBOARD_MASTER_KEY`.
    #[arg(long, value_name = "PATH")]
    pub old_key_file: Option<PathBuf>,
}

/// Runs the rotation on the database at `db_path`.
pub fn run(db_path: &str, args: &RotateArgs) -> ExitCode {
    match rotate(db_path, args) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("switchboard: rotate-master-key: {e}");
            ExitCode::FAILURE
        }
    }
}

fn rotate(db_path: &str, args: &RotateArgs) -> Result<String, String> {
    let old = match &args.old_key_file {
        Some(path) => MasterKey::from_file(path).map_err(|e| e.to_string())?,
        None => MasterKey::from_env_var(MASTER_KEY_ENV)
            .map_err(|e| format!("{MASTER_KEY_ENV}: {e}"))?
            .ok_or_else(|| {
                format!("the current key is needed: set {MASTER_KEY_ENV} or pass --old-key-file")
            })?,
    };
    let new = if args.generate {
        let key = MasterKey::generate(old.version() + 1).map_err(|e| e.to_string())?;
        write_new_key(&args.new_key_file, &key)?;
        key
    } else {
        MasterKey::from_file(&args.new_key_file).map_err(|e| e.to_string())?
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let report = runtime.block_on(async {
        let db = Database::open(db_path).await.map_err(|e| e.to_string())?;
        let keyring = Keyring::new(old);
        db.providers(None)
            .rotate_master_key(&keyring, &new, "rotate-master-key")
            .await
            .map_err(|e| e.to_string())
    })?;
    Ok(format!(
        "re-sealed {} secret(s) of {} provider(s) under key version {}; set {MASTER_KEY_ENV} to the new key and restart",
        report.secrets, report.providers, report.to_version
    ))
}

/// Writes a new key's text to `path`, which must not exist, readable by its owner only.
fn write_new_key(path: &Path, key: &MasterKey) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let text = format!("{}\n", key.export().expose());
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
