//! Password hashing with argon2id, off the async runtime (it is deliberately slow).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    })
    .await?
}

/// True when the password matches. A malformed stored hash never matches.
pub async fn verify(password: String, stored: String) -> Result<bool, HashError> {
    Ok(tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await?)
}

/// A valid argon2id hash of a random password: verified against when the username does not exist,
/// so a wrong username takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4Hb1dN6oMkUZpK/9dWDUM8ek2G5uszZzBQ/+2Us2lDg"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_per_salt() -> Result<(), HashError> {
        let a = hash("correct horse battery".into()).await?;
        let b = hash("correct horse battery".into()).await?;
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse battery".into(), a.clone()).await?);
        assert!(!verify("wrong horse battery".into(), a).await?);
        assert!(!verify("x".into(), "not a hash".into()).await?);
        assert!(!verify("x".into(), dummy_hash().into()).await?);
        Ok(())
    }
}
