//! Personal data at rest: AES-256-GCM for the value, and a keyed HMAC-SHA256 "blind
//! index" so an exact ID number or phone can be found without decrypting every row.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{DomainError, Result};

#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(..)")
    }
}

const PREFIX: &str = "v1:";

impl Cipher {
    /// From a 32-byte master key in hex (64 characters). Two keys are derived from
    /// it: one to encrypt, one for the blind index.
    pub fn from_hex(key_hex: &str) -> Result<Cipher> {
        let raw = hex::decode(key_hex.trim())
            .map_err(|_| DomainError::internal("data key must be 64 hex characters (32 bytes)"))?;
        if raw.len() != 32 {
            return Err(DomainError::internal(
                "data key must be 64 hex characters (32 bytes)",
            ));
        }
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut h = Sha256::new();
            h.update(label);
            h.update(&raw);
            h.finalize().into()
        };
        let enc = derive(b"jiceng/enc/v1");
        let aead = Aes256Gcm::new_from_slice(&enc).map_err(DomainError::internal)?;
        Ok(Cipher {
            aead,
            index_key: derive(b"jiceng/index/v1"),
        })
    }

    pub fn generate_key_hex() -> String {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        hex::encode(k)
    }

    pub fn encrypt(&self, plain: &str) -> Result<String> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| DomainError::internal("encryption failed"))?;
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(format!("{PREFIX}{}", B64.encode(out)))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String> {
        let body = stored
            .strip_prefix(PREFIX)
            .ok_or_else(|| DomainError::internal("unknown ciphertext version"))?;
        let raw = B64
            .decode(body)
            .map_err(|_| DomainError::internal("ciphertext is not base64"))?;
        if raw.len() < 12 {
            return Err(DomainError::internal("ciphertext too short"));
        }
        let (nonce, ct) = raw.split_at(12);
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| DomainError::internal("decryption failed (wrong key?)"))?;
        String::from_utf8(plain).map_err(DomainError::internal)
    }

    /// Deterministic keyed digest used to look a value up by equality.
    pub fn blind_index(&self, value: &str) -> String {
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(value.trim().to_ascii_uppercase().as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> Cipher {
        Cipher::from_hex(&"11".repeat(32)).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn round_trip_and_no_plaintext_at_rest() {
        let c = cipher();
        let stored = c.encrypt("15030219900101123X").unwrap_or_default();
        assert!(!stored.contains("150302"));
        assert_eq!(c.decrypt(&stored).unwrap_or_default(), "15030219900101123X");
        // Random nonce: the same value encrypts differently each time.
        assert_ne!(stored, c.encrypt("15030219900101123X").unwrap_or_default());
    }

    #[test]
    fn wrong_key_cannot_read() {
        let stored = cipher().encrypt("13912345678").unwrap_or_default();
        let other = Cipher::from_hex(&"22".repeat(32)).unwrap_or_else(|_| unreachable!());
        assert!(other.decrypt(&stored).is_err());
    }

    #[test]
    fn blind_index_is_stable_and_case_insensitive() {
        let c = cipher();
        assert_eq!(
            c.blind_index("15030219900101123x"),
            c.blind_index(" 15030219900101123X")
        );
        assert_ne!(c.blind_index("1"), c.blind_index("2"));
    }

    #[test]
    fn bad_key_is_refused() {
        assert!(Cipher::from_hex("abcd").is_err());
        assert!(Cipher::from_hex("zz").is_err());
    }
}
