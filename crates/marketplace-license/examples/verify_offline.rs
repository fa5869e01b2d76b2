//! What a vendor's product does at start: verify the buyer's license key offline.
//!
//! ```text
//! cargo run -p marketplace-license --example verify_offline -- <key> <kid>=<base64url public key> [...]
//! cargo run -p marketplace-license --example verify_offline      # a demonstration
//! ```
//!
//! The public keys are those listed by `GET /v1/licenses/keys`. Prints the decision; exits
//! 0 for a license in force, 1 for a refusal, 2 for a usage error.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use marketplace_license::{
    Claims, Keyring, Kid, PublicKey, SigningKey, VerifiedLicense, Verifier, VerifyError,
};
use uuid::Uuid;

/// The demonstration's signing key: a fixed seed, never a real key.
const DEMO_SEED: [u8; 32] = [7; 32];
const DEMO_KID: &str = "demo-2025";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let now = machine_time();
    let (key, verifier) = match args.split_first() {
        None => match demo(now) {
            Ok(demo) => demo,
            Err(e) => return usage(&e),
        },
        Some((key, keys)) => match keyring(keys) {
            Ok(ring) => (key.clone(), Verifier::new(ring)),
            Err(e) => return usage(&e),
        },
    };
    match verifier.verify(&key, now) {
        Ok(license) => {
            print_license(&license, now);
            ExitCode::SUCCESS
        }
        Err(refusal) => {
            println!("REFUSED: {refusal}");
            println!("{}", advice(&refusal));
            ExitCode::from(1)
        }
    }
}

/// The machine's clock, read here, in the product: the crate itself never reads one.
fn machine_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// A key issued a minute ago for a year, and a verifier holding its public key.
fn demo(now: u64) -> Result<(String, Verifier), String> {
    let kid = Kid::parse(DEMO_KID).map_err(|e| e.to_string())?;
    let signer = SigningKey::from_seed(kid, &DEMO_SEED);
    let claims = Claims::builder(
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001).into(),
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002).into(),
        Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0003).into(),
    )
    .plan("PRO")
    .features(["export", "sso"])
    .max_activations(5)
    .issued_at(now.saturating_sub(60))
    .expires_at(now.saturating_add(365 * 86_400))
    .build()
    .map_err(|e| e.to_string())?;
    let key = signer.sign_license(&claims).into_string();
    let public = signer.public_key();
    println!("demonstration (fixed seed, not a real key)");
    println!("  key:        {key}");
    println!("  public key: {}={}", public.kid(), public.to_base64url());
    println!(
        "  try: verify_offline <key> {}={}",
        public.kid(),
        public.to_base64url()
    );
    println!();
    let ring = Keyring::from_keys([public]).map_err(|e| e.to_string())?;
    Ok((key, Verifier::new(ring)))
}

/// `kid=base64url` arguments into a keyring.
fn keyring(args: &[String]) -> Result<Keyring, String> {
    if args.is_empty() {
        return Err("give at least one <kid>=<base64url public key>".to_owned());
    }
    let keys = args
        .iter()
        .map(|arg| {
            let (kid, key) = arg
                .split_once('=')
                .ok_or_else(|| format!("`{arg}` is not <kid>=<base64url public key>"))?;
            let kid = Kid::parse(kid).map_err(|e| format!("`{kid}`: {e}"))?;
            PublicKey::from_base64url(kid, key).map_err(|e| format!("`{arg}`: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Keyring::from_keys(keys).map_err(|e| e.to_string())
}

fn print_license(license: &VerifiedLicense, now: u64) {
    let claims = license.claims();
    let features: Vec<&str> = claims.features().map(|f| f.as_str()).collect();
    println!("VALID license {}", claims.license_id());
    println!("  organization: {}", claims.org());
    println!("  tool:         {}", claims.tool());
    println!("  plan:         {}", claims.plan());
    println!("  features:     {}", features.join(", "));
    println!("  machines:     up to {}", claims.max_activations());
    match claims.expires_at() {
        Some(exp) => println!(
            "  expires:      at {exp} (Unix seconds), in {} days",
            exp.saturating_sub(now) / 86_400
        ),
        None => println!("  expires:      never (perpetual)"),
    }
    println!("  signed by:    {}", license.kid());
}

fn advice(refusal: &VerifyError) -> &'static str {
    match refusal {
        VerifyError::Expired { .. } => "The license has expired: renew it.",
        VerifyError::Backdated { .. } => "This machine's clock is behind: set it right.",
        VerifyError::UnknownKid(_) => {
            "Signed by a key this product does not know: update the public keys, or validate online."
        }
        VerifyError::UnsupportedVersion(_) => "A newer key format: update the product.",
        refusal if refusal.is_not_a_license() => {
            "This is not a license key: check it was copied whole."
        }
        _ => "The key cannot be used here.",
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("{problem}");
    eprintln!("usage: verify_offline <key> <kid>=<base64url public key> [...]");
    eprintln!("       verify_offline            (a demonstration with a fixed-seed key)");
    ExitCode::from(2)
}
