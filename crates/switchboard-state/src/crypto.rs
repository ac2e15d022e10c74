//! Secrets at rest: the [`MasterKey`], the [`Keyring`] of current and old keys, and the
//! sealed text format.
//!
//! A sealed value is `v1:<key version>:<base64(nonce || ciphertext || tag)>`, AES-256-GCM
//! (ring) with a random 96-bit nonce. The `v1:<key version>` header is the AEAD's
//! associated data, so a ciphertext cannot be passed off as sealed under another key
//! version. Opening with the wrong key, or text that was altered, is a
//! [`CryptoError::Decrypt`], never a panic.
//!
//! The master key's text is the base64 of 32 random bytes, optionally preceded by its
//! version and a colon (`2:q83v...`); without one the version is 1. `openssl rand -base64
//! 32` makes one; [`MasterKey::generate`] does too.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use switchboard_core::Secret;

/// The environment variable the gateway reads the master key from.
pub const MASTER_KEY_ENV: &str = "SWITCHBOARD_MASTER_KEY";

/// The format tag every sealed value starts with.
const FORMAT: &str = "v1";

/// Bytes in a master key (AES-256).
const KEY_LEN: usize = 32;

/// Why a key could not be loaded or a value could not be sealed or opened. No variant
/// carries key material or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The master key text is not valid (the message says why, never what it was).
    #[error("invalid master key: {0}")]
    InvalidKey(String),
    /// The master key file could not be read.
    #[error("could not read the master key file `{path}`: {reason}")]
    KeyFile {
        /// The file's path.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// A sealed value names a key version the keyring does not hold.
    #[error(
        "a stored secret was sealed with master key version {0}, which is not configured \
         (add that key to the keyring, or rotate to the current key)"
    )]
    UnknownKeyVersion(u32),
    /// The text is not a sealed value (`v1:<version>:<base64>`).
    #[error("a stored secret is not in the sealed format: {0}")]
    Malformed(&'static str),
    /// Authentication failed: the key is wrong for this value, or the value was altered.
    #[error("a stored secret could not be decrypted: wrong master key, or the value was altered")]
    Decrypt,
    /// The value is too long for one AES-GCM message (about 64 GB).
    #[error("the secret is too long to seal")]
    TooLong,
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

/// A 32-byte AES-256-GCM key with its version number. `Debug` shows the version only.
#[derive(Clone)]
pub struct MasterKey {
    version: u32,
    bytes: [u8; KEY_LEN],
    key: LessSafeKey,
}

impl MasterKey {
    /// A key from raw bytes, numbered `version`.
    pub fn from_bytes(version: u32, bytes: [u8; KEY_LEN]) -> Result<Self, CryptoError> {
        let unbound = UnboundKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| CryptoError::InvalidKey("AES-256-GCM refused the key".into()))?;
        Ok(Self {
            version,
            bytes,
            key: LessSafeKey::new(unbound),
        })
    }

    /// Parses the key text: base64 of 32 bytes, optionally `<version>:` before it
    /// (version 1 when absent). Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        let (version, encoded) = match text.split_once(':') {
            Some((v, rest)) => {
                let version = v.parse::<u32>().map_err(|_| {
                    CryptoError::InvalidKey(
                        "the part before `:` must be a key version number".into(),
                    )
                })?;
                (version, rest)
            }
            None => (1, text),
        };
        let decoded = STANDARD
            .decode(encoded.trim())
            .map_err(|_| CryptoError::InvalidKey("not valid base64".into()))?;
        let bytes: [u8; KEY_LEN] = decoded.try_into().map_err(|v: Vec<u8>| {
            CryptoError::InvalidKey(format!("decodes to {} bytes, not {KEY_LEN}", v.len()))
        })?;
        Self::from_bytes(version, bytes)
    }

    /// Reads the key from the environment variable `var` (the gateway passes
    /// [`MASTER_KEY_ENV`]). `Ok(None)` when it is unset or empty. This is the one place
    /// the crate reads the process environment.
    pub fn from_env_var(var: &str) -> Result<Option<Self>, CryptoError> {
        match std::env::var(var) {
            Ok(text) if !text.trim().is_empty() => Self::parse(&text).map(Some),
            _ => Ok(None),
        }
    }

    /// Reads the key from a file holding its text (as for [`MasterKey::parse`]) or exactly
    /// 32 raw bytes (version 1).
    pub fn from_file(path: &Path) -> Result<Self, CryptoError> {
        let content = std::fs::read(path).map_err(|e| CryptoError::KeyFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if let Ok(raw) = <[u8; KEY_LEN]>::try_from(content.as_slice()) {
            // 32 bytes cannot be the text form, which is at least 44 characters.
            return Self::from_bytes(1, raw);
        }
        let text = std::str::from_utf8(&content).map_err(|_| {
            CryptoError::InvalidKey("the key file is neither text nor 32 bytes".into())
        })?;
        Self::parse(text)
    }

    /// A new random key numbered `version`, for `rotate-master-key` and tests.
    pub fn generate(version: u32) -> Result<Self, CryptoError> {
        let mut bytes = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| CryptoError::Random)?;
        Self::from_bytes(version, bytes)
    }

    /// The key's text form (`<version>:<base64>`), to show an operator once after
    /// [`MasterKey::generate`]. A [`Secret`], so it does not print by accident.
    pub fn export(&self) -> Secret {
        Secret::new(format!("{}:{}", self.version, STANDARD.encode(self.bytes)))
    }

    /// The key's version number, written into every value it seals.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Seals `plaintext`: `v1:<version>:<base64(nonce || ciphertext || tag)>`. Each call
    /// uses a fresh random nonce, so sealing the same text twice gives different output.
    pub fn seal(&self, plaintext: &str) -> Result<String, CryptoError> {
        let header = format!("{FORMAT}:{}", self.version);
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| CryptoError::Random)?;
        let mut buf = Vec::with_capacity(NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
        buf.extend_from_slice(&nonce);
        let mut body = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(header.as_bytes()),
                &mut body,
            )
            .map_err(|_| CryptoError::TooLong)?;
        buf.extend_from_slice(&body);
        Ok(format!("{header}:{}", STANDARD.encode(buf)))
    }

    /// Opens a value sealed by this key. Another key version is
    /// [`CryptoError::UnknownKeyVersion`]; a wrong key or altered text is
    /// [`CryptoError::Decrypt`].
    pub fn open(&self, sealed: &str) -> Result<Secret, CryptoError> {
        let parsed = Sealed::parse(sealed)?;
        if parsed.version != self.version {
            return Err(CryptoError::UnknownKeyVersion(parsed.version));
        }
        self.open_parsed(&parsed)
    }

    fn open_parsed(&self, sealed: &Sealed<'_>) -> Result<Secret, CryptoError> {
        let mut data = STANDARD
            .decode(sealed.body)
            .map_err(|_| CryptoError::Malformed("the body is not base64"))?;
        if data.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(CryptoError::Malformed("the body is too short"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&data[..NONCE_LEN]);
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(sealed.header.as_bytes()),
                &mut data[NONCE_LEN..],
            )
            .map_err(|_| CryptoError::Decrypt)?;
        let text = String::from_utf8(plain.to_vec()).map_err(|_| CryptoError::Decrypt)?;
        Ok(Secret::new(text))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("version", &self.version)
            .field("key", &switchboard_core::secret::REDACTED)
            .finish()
    }
}

/// The current master key, which seals, and old ones kept only to open values sealed
/// before a rotation.
#[derive(Debug, Clone)]
pub struct Keyring {
    current: MasterKey,
    old: Vec<MasterKey>,
}

impl Keyring {
    /// A keyring of one key.
    pub fn new(current: MasterKey) -> Self {
        Self {
            current,
            old: Vec::new(),
        }
    }

    /// Adds an old key, used only to open values sealed with its version.
    pub fn with_old(mut self, key: MasterKey) -> Self {
        self.old.push(key);
        self
    }

    /// The key that seals.
    pub fn current(&self) -> &MasterKey {
        &self.current
    }

    /// The versions this keyring can open, current first.
    pub fn versions(&self) -> Vec<u32> {
        std::iter::once(&self.current)
            .chain(&self.old)
            .map(MasterKey::version)
            .collect()
    }

    /// Seals with the current key.
    pub fn seal(&self, plaintext: &str) -> Result<String, CryptoError> {
        self.current.seal(plaintext)
    }

    /// Opens a value sealed with any key of the ring, chosen by the value's version.
    pub fn open(&self, sealed: &str) -> Result<Secret, CryptoError> {
        let parsed = Sealed::parse(sealed)?;
        std::iter::once(&self.current)
            .chain(&self.old)
            .find(|k| k.version == parsed.version)
            .ok_or(CryptoError::UnknownKeyVersion(parsed.version))?
            .open_parsed(&parsed)
    }
}

/// The parts of a sealed value.
struct Sealed<'a> {
    /// `v1:<version>`: the associated data.
    header: &'a str,
    version: u32,
    body: &'a str,
}

impl<'a> Sealed<'a> {
    fn parse(text: &'a str) -> Result<Self, CryptoError> {
        let rest = text
            .strip_prefix(FORMAT)
            .and_then(|r| r.strip_prefix(':'))
            .ok_or(CryptoError::Malformed("it does not start with `v1:`"))?;
        let (version, body) = rest
            .split_once(':')
            .ok_or(CryptoError::Malformed("no key version"))?;
        let version = version
            .parse::<u32>()
            .map_err(|_| CryptoError::Malformed("the key version is not a number"))?;
        // Everything before the `:` that precedes the body.
        let header = &text[..text.len() - body.len() - 1];
        Ok(Self {
            header,
            version,
            body,
        })
    }
}

/// True when `text` looks like a sealed value (`v1:<digits>:...`). Used to tell sealed
/// values from clear ones when walking stored configs.
pub fn is_sealed(text: &str) -> bool {
    Sealed::parse(text).is_ok()
}

#[cfg(test)]
mod tests;
