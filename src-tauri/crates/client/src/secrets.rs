//! Where the token lives: the OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager
//! on Windows), or `COUNTERSIGN_TOKEN` for headless use. Never a file, never a log line.

use crate::remote::Token;

/// The environment variable that, when set, is the token; it is never stored anywhere.
pub const TOKEN_ENV: &str = "COUNTERSIGN_TOKEN";
/// The keyring service name; the entry's user is the server URL, so each server has its own token.
const KEYRING_SERVICE: &str = "countersign";
/// The keyring service of sealed signing keys; the entry's user is the server URL.
const SIGNING_KEY_SERVICE: &str = "countersign-signing-key";

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(
        "no OS keyring is available to hold the token ({0}). On Linux install and start a Secret \
         Service provider (e.g. `apt install gnome-keyring` and unlock it in your session), or set \
         COUNTERSIGN_TOKEN for headless use; the token is never written to a file"
    )]
    KeyringUnavailable(String),
    #[error("no token is stored for {0}: sign in, or set COUNTERSIGN_TOKEN")]
    NotLoggedIn(String),
    #[error("the keyring failed: {0}")]
    Keyring(String),
}

/// The credential store as the core needs it; the desktop shell and tests may bring their own.
pub trait Secrets: Send + Sync {
    fn token(&self, server_url: &str) -> Result<Option<Token>, CredentialError>;
    fn store_token(&self, server_url: &str, token: &Token) -> Result<(), CredentialError>;
    /// Deletes the server's token; no token stored is not an error (signing out twice is fine).
    fn forget_token(&self, server_url: &str) -> Result<(), CredentialError>;
    /// The server's sealed signing key (crate::signing), if any.
    fn signing_key(&self, server_url: &str) -> Result<Option<String>, CredentialError>;
    fn store_signing_key(&self, server_url: &str, sealed: &str) -> Result<(), CredentialError>;
    /// Deletes the server's sealed signing key; none stored is not an error.
    fn forget_signing_key(&self, server_url: &str) -> Result<(), CredentialError>;
}

/// The OS keyring through the keyring crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

fn keyring_error(error: keyring::Error) -> CredentialError {
    match error {
        keyring::Error::NoStorageAccess(cause) | keyring::Error::PlatformFailure(cause) => {
            CredentialError::KeyringUnavailable(cause.to_string())
        }
        other => CredentialError::Keyring(other.to_string()),
    }
}

fn read_entry(service: &str, user: &str) -> Result<Option<String>, CredentialError> {
    let entry = keyring::Entry::new(service, user).map_err(keyring_error)?;
    match entry.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(keyring_error(error)),
    }
}

fn write_entry(service: &str, user: &str, secret: &str) -> Result<(), CredentialError> {
    let entry = keyring::Entry::new(service, user).map_err(keyring_error)?;
    entry.set_password(secret).map_err(keyring_error)
}

fn delete_entry(service: &str, user: &str) -> Result<(), CredentialError> {
    let entry = keyring::Entry::new(service, user).map_err(keyring_error)?;
    match entry.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(keyring_error(error)),
    }
}

impl Secrets for OsKeyring {
    fn token(&self, server_url: &str) -> Result<Option<Token>, CredentialError> {
        Ok(read_entry(KEYRING_SERVICE, server_url)?.map(Token::new))
    }

    fn store_token(&self, server_url: &str, token: &Token) -> Result<(), CredentialError> {
        write_entry(KEYRING_SERVICE, server_url, token.expose())
    }

    fn forget_token(&self, server_url: &str) -> Result<(), CredentialError> {
        delete_entry(KEYRING_SERVICE, server_url)
    }

    fn signing_key(&self, server_url: &str) -> Result<Option<String>, CredentialError> {
        read_entry(SIGNING_KEY_SERVICE, server_url)
    }

    fn store_signing_key(&self, server_url: &str, sealed: &str) -> Result<(), CredentialError> {
        write_entry(SIGNING_KEY_SERVICE, server_url, sealed)
    }

    fn forget_signing_key(&self, server_url: &str) -> Result<(), CredentialError> {
        delete_entry(SIGNING_KEY_SERVICE, server_url)
    }
}

/// The token to use: `env_token` (the value of COUNTERSIGN_TOKEN) wins and the keyring is not touched;
/// otherwise the keyring's entry for the server.
pub fn resolve_token(
    env_token: Option<String>,
    secrets: &dyn Secrets,
    server_url: &str,
) -> Result<Token, CredentialError> {
    if let Some(token) = env_token.filter(|t| !t.trim().is_empty()) {
        return Ok(Token::new(token.trim()));
    }
    secrets
        .token(server_url)?
        .ok_or_else(|| CredentialError::NotLoggedIn(server_url.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records every call, so a test can prove the keyring was not touched.
    #[derive(Default)]
    struct RecordingSecrets {
        stored: Mutex<Option<String>>,
        calls: Mutex<u32>,
    }

    impl Secrets for RecordingSecrets {
        fn token(&self, _: &str) -> Result<Option<Token>, CredentialError> {
            *self
                .calls
                .lock()
                .map_err(|e| CredentialError::Keyring(e.to_string()))? += 1;
            let stored = self
                .stored
                .lock()
                .map_err(|e| CredentialError::Keyring(e.to_string()))?;
            Ok(stored.clone().map(Token::new))
        }
        fn store_token(&self, _: &str, token: &Token) -> Result<(), CredentialError> {
            *self
                .stored
                .lock()
                .map_err(|e| CredentialError::Keyring(e.to_string()))? =
                Some(token.expose().to_owned());
            Ok(())
        }
        fn forget_token(&self, _: &str) -> Result<(), CredentialError> {
            *self
                .stored
                .lock()
                .map_err(|e| CredentialError::Keyring(e.to_string()))? = None;
            Ok(())
        }
        fn signing_key(&self, _: &str) -> Result<Option<String>, CredentialError> {
            Ok(None)
        }
        fn store_signing_key(&self, _: &str, _: &str) -> Result<(), CredentialError> {
            Ok(())
        }
        fn forget_signing_key(&self, _: &str) -> Result<(), CredentialError> {
            Ok(())
        }
    }

    #[test]
    fn the_environment_wins_and_the_keyring_is_not_touched() {
        let secrets = RecordingSecrets::default();
        let token = resolve_token(Some("env-token".into()), &secrets, "http://s").expect("token");
        assert_eq!(token.expose(), "env-token");
        assert_eq!(*secrets.calls.lock().expect("lock"), 0);
    }

    #[test]
    fn without_the_environment_the_keyring_answers() {
        let secrets = RecordingSecrets::default();
        assert!(matches!(
            resolve_token(None, &secrets, "http://s"),
            Err(CredentialError::NotLoggedIn(_))
        ));
        secrets
            .store_token("http://s", &Token::new("kept"))
            .expect("store");
        let token = resolve_token(Some("  ".into()), &secrets, "http://s").expect("token");
        assert_eq!(token.expose(), "kept");
    }
}
