//! Offline verification speed: the target is at least 20 000 license keys a second on one
//! core, so a product can check its key on every licensed action.
//!
//! `cargo bench -p marketplace-license --bench verify -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used)] // fixed inputs: a fixture that fails should fail loudly

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use marketplace_license::{
    AnsweredLicense, Claims, Keyring, Kid, Nonce, PublicKey, SigningKey, ValidationAnswer,
    ValidationCode, Verifier,
};
use uuid::Uuid;

const NOW: u64 = 1_700_000_000;

fn signer(kid: &str, seed: u8) -> SigningKey {
    SigningKey::from_seed(Kid::parse(kid).unwrap(), &[seed; 32])
}

/// A license as the marketplace issues them: a yearly plan with a few features.
fn typical_claims() -> Claims {
    Claims::builder(
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001).into(),
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002).into(),
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0003).into(),
    )
    .plan("PRO")
    .features(["export", "sso", "audit-log", "api:write"])
    .max_activations(5)
    .issued_at(NOW)
    .expires_at(NOW + 365 * 86_400)
    .build()
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let (old, current) = (signer("2024-01", 1), signer("2025-01", 2));
    let verifier =
        Verifier::new(Keyring::from_keys([old.public_key(), current.public_key()]).unwrap());
    let claims = typical_claims();
    let key = current.sign_license(&claims);
    let nonce = Nonce::parse("3f1c9a7e-2b4d-4e8a-9c61-5d0f7b2e8a14").unwrap();
    let answer = current.sign_answer(&ValidationAnswer::new(
        ValidationCode::Valid,
        Some(AnsweredLicense {
            lid: claims.license_id(),
            exp: claims.expires_at(),
        }),
        Some(nonce.clone()),
        NOW,
    ));

    let mut group = c.benchmark_group("license");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify_key", |b| {
        b.iter(|| verifier.verify(black_box(key.as_str()), black_box(NOW)))
    });
    // The floor: the bare strict signature check on the same payload, without the envelope,
    // the schema, the keyring or the clock.
    let (payload, signature) = raw_parts(key.as_str());
    let public = current.public_key();
    let raw = ed25519_dalek::VerifyingKey::from_bytes(&public_bytes(&public)).unwrap();
    group.bench_function("ed25519_verify_strict_only", |b| {
        b.iter(|| raw.verify_strict(black_box(&payload), black_box(&signature)))
    });
    group.bench_function("verify_answer", |b| {
        b.iter(|| verifier.verify_answer(black_box(answer.as_str()), black_box(&nonce)))
    });
    group.bench_function("sign_key", |b| {
        b.iter(|| current.sign_license(black_box(&claims)))
    });
    group.bench_function("refuse_garbage", |b| {
        let garbage = "ML1.".to_owned() + &"A".repeat(4_000);
        b.iter(|| verifier.verify(black_box(&garbage), black_box(NOW)))
    });
    group.finish();
}

/// The payload bytes and signature of a token.
fn raw_parts(token: &str) -> (Vec<u8>, ed25519_dalek::Signature) {
    let mut parts = token.split('.').skip(1);
    let mut next = || URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    let payload = next();
    let signature: [u8; 64] = next().try_into().unwrap();
    (payload, ed25519_dalek::Signature::from_bytes(&signature))
}

fn public_bytes(key: &PublicKey) -> [u8; 32] {
    URL_SAFE_NO_PAD
        .decode(key.to_base64url())
        .unwrap()
        .try_into()
        .unwrap()
}

criterion_group!(benches, bench);
criterion_main!(benches);
