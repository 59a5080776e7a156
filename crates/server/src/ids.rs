//! Random identifiers and secrets, and the one-way hash under which tokens and codes are stored
//! (the database never holds a usable token).

use rand::RngCore;
use sha2::{Digest, Sha256};

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// An object id: 96 random bits, hex.
pub fn new_id() -> String {
    random_hex(12)
}

/// A bearer secret (access or refresh token): 256 random bits, hex.
pub fn new_token() -> String {
    random_hex(32)
}

/// A six-digit one-time code.
pub fn new_code() -> String {
    format!("{:06}", rand::rng().next_u32() % 1_000_000)
}

/// What the database stores in place of a token or code.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
