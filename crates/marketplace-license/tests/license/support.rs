//! Fixed keys, standard claims and a way to sign payloads the crate would never write.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer as _;
use marketplace_license::{Claims, ClaimsBuilder, Keyring, Kid, SigningKey, Verifier};
use uuid::Uuid;

/// The caller's clock in most tests, Unix seconds.
pub const NOW: u64 = 1_700_000_000;

pub const SEED_1: [u8; 32] = [11; 32];
pub const SEED_2: [u8; 32] = [22; 32];

pub fn kid(raw: &str) -> Kid {
    Kid::parse(raw).unwrap()
}

pub fn signer(raw_kid: &str, seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_seed(kid(raw_kid), seed)
}

pub fn verifier_for(signers: &[&SigningKey]) -> Verifier {
    Verifier::new(Keyring::from_keys(signers.iter().map(|s| s.public_key())).unwrap())
}

/// A year-long PRO license issued at [`NOW`].
pub fn claims() -> ClaimsBuilder {
    Claims::builder(
        Uuid::from_u128(0x1111).into(),
        Uuid::from_u128(0x2222).into(),
        Uuid::from_u128(0x3333).into(),
    )
    .plan("PRO")
    .features(["export", "sso"])
    .max_activations(5)
    .issued_at(NOW)
    .expires_at(NOW + 365 * 86_400)
}

/// The decoded payload of a token.
pub fn payload_of(token: &str) -> Vec<u8> {
    let body = token.split('.').nth(1).unwrap();
    URL_SAFE_NO_PAD.decode(body).unwrap()
}

/// The decoded signature of a token.
pub fn signature_of(token: &str) -> [u8; 64] {
    let body = token.split('.').nth(2).unwrap();
    URL_SAFE_NO_PAD.decode(body).unwrap().try_into().unwrap()
}

/// `<prefix><payload>.<signature>` from raw parts.
pub fn assemble(prefix: &str, payload: &[u8], signature: &[u8; 64]) -> String {
    format!(
        "{prefix}{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Any payload, genuinely signed with `seed`: what a signer with the key could produce
/// outside this crate's rules.
pub fn signed_raw(prefix: &str, payload: &str, seed: &[u8; 32]) -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(seed);
    let signature = key.sign(payload.as_bytes()).to_bytes();
    assemble(prefix, payload.as_bytes(), &signature)
}
