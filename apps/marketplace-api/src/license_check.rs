//! `marketplace-api license verify`: what a vendor's product would decide about a license
//! key, offline, for support staff. The same crate and checks as the product's (R-L3):
//! the public keys by kid, the expiry with its leeway, the backdated-clock floor.

use std::fmt::Write as _;

use anyhow::Context;
use marketplace_license::{Keyring, Kid, PublicKey, Verifier, VerifyError};

/// The decision, as text to print, and whether the product would run.
#[derive(Debug)]
pub struct Decision {
    pub report: String,
    pub valid: bool,
}

/// Public keys from `kid:base64url` entries (as `MARKETPLACE_LICENSE_PUBLIC_KEYS` holds
/// them) or from the JSON body of `GET /v1/licenses/keys`.
///
/// # Errors
/// An entry or a body that does not read as public keys, or a kid given twice.
pub fn keyring(entries: &[String], listing: Option<&str>) -> anyhow::Result<Keyring> {
    let mut ring = match listing {
        Some(json) => serde_json::from_str::<Keyring>(json)
            .context("the keys file is not the body of GET /v1/licenses/keys")?,
        None => Keyring::new(),
    };
    for entry in entries {
        let (kid, key) = entry
            .split_once(':')
            .with_context(|| format!("`{entry}` is not kid:<base64url public key>"))?;
        let key = PublicKey::from_base64url(Kid::parse(kid)?, key)
            .with_context(|| format!("public key `{kid}`"))?;
        ring.insert(key)?;
    }
    Ok(ring)
}

/// What a product holding `keyring` decides about `key` when its clock reads `now` (Unix
/// seconds).
#[must_use]
pub fn decide(keyring: Keyring, key: &str, now: u64) -> Decision {
    let mut report = String::new();
    let valid = match Verifier::new(keyring).verify(key.trim(), now) {
        Ok(license) => {
            let c = license.claims();
            let features: Vec<&str> = c.features().map(|f| f.as_str()).collect();
            let _ = writeln!(report, "VALID license {}", c.license_id());
            let _ = writeln!(report, "  organization: {}", c.org());
            let _ = writeln!(report, "  tool:         {}", c.tool());
            let _ = writeln!(report, "  plan:         {}", c.plan());
            let _ = writeln!(report, "  features:     {}", features.join(", "));
            let _ = writeln!(report, "  machines:     up to {}", c.max_activations());
            let _ = writeln!(report, "  issued:       {}", time(c.issued_at()));
            let _ = match c.expires_at() {
                Some(exp) => writeln!(report, "  expires:      {}", time(exp)),
                None => writeln!(report, "  expires:      never (perpetual)"),
            };
            let _ = writeln!(report, "  signed by:    {}", license.kid());
            true
        }
        Err(refusal) => {
            let _ = writeln!(report, "REFUSED: {refusal}");
            let _ = writeln!(report, "  {}", advice(&refusal));
            false
        }
    };
    Decision { report, valid }
}

fn time(unix: u64) -> String {
    i64::try_from(unix)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(|| format!("{unix} (Unix seconds)"), |t| t.to_rfc3339())
}

fn advice(refusal: &VerifyError) -> &'static str {
    match refusal {
        VerifyError::Expired { .. } => "The license has expired: the buyer renews it.",
        VerifyError::Backdated { .. } => "The machine's clock is behind: set it right.",
        VerifyError::UnknownKid(_) => {
            "Signed by a key the product does not list: ship the current public keys, or validate online."
        }
        VerifyError::UnsupportedVersion(_) => "A newer key format: update the product.",
        refusal if refusal.is_not_a_license() => {
            "Not a license key: check that it was copied whole."
        }
        _ => "The product refuses this key.",
    }
}

#[cfg(test)]
mod tests {
    use marketplace_license::{Claims, SigningKey};
    use uuid::Uuid;

    use super::*;

    fn signer() -> SigningKey {
        SigningKey::from_seed(Kid::parse("k1").unwrap(), &[4; 32])
    }

    fn key(exp: Option<u64>) -> String {
        let claims = Claims::builder(
            Uuid::from_u128(1).into(),
            Uuid::from_u128(2).into(),
            Uuid::from_u128(3).into(),
        )
        .plan("STANDARD")
        .max_activations(5)
        .issued_at(1_000_000)
        .expires_at(exp)
        .build()
        .unwrap();
        signer().sign_license(&claims).into_string()
    }

    fn ring() -> Keyring {
        let entry = format!("k1:{}", signer().public_key().to_base64url());
        keyring(&[entry], None).unwrap()
    }

    #[test]
    fn r_l3_support_sees_what_the_product_decides() {
        let valid = decide(ring(), &key(Some(2_000_000)), 1_500_000);
        assert!(valid.valid, "{}", valid.report);
        assert!(
            valid.report.contains("plan:         STANDARD"),
            "{}",
            valid.report
        );

        let expired = decide(ring(), &key(Some(2_000_000)), 3_000_000);
        assert!(!expired.valid);
        assert!(expired.report.contains("expired"), "{}", expired.report);

        let backdated = decide(ring(), &key(None), 10);
        assert!(!backdated.valid);
        assert!(backdated.report.contains("clock"), "{}", backdated.report);

        let mut typo = key(None);
        typo.pop();
        let refused = decide(ring(), &typo, 1_500_000);
        assert!(!refused.valid);
        assert!(
            refused.report.contains("copied whole"),
            "{}",
            refused.report
        );

        let unknown = decide(Keyring::new(), &key(None), 1_500_000);
        assert!(!unknown.valid);
        assert!(unknown.report.contains("public keys"), "{}", unknown.report);
    }

    #[test]
    fn r_l2_public_keys_read_from_entries_or_the_published_listing() {
        let listing = serde_json::to_string(&ring()).unwrap();
        let from_listing = keyring(&[], Some(&listing)).unwrap();
        assert_eq!(from_listing, ring());
        assert!(keyring(&["no-colon".to_owned()], None).is_err());
        assert!(keyring(&[], Some("{}")).is_err());
    }
}
