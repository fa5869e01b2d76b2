//! The envelope shared by license keys and signed answers:
//! `<prefix><base64url payload>.<base64url signature>`, Ed25519 over the exact payload bytes.
//!
//! Base64url is decoded strictly (no padding, no stray trailing bits), so each token has
//! exactly one spelling and any changed character is caught.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signature;
use serde::Deserialize;

use crate::error::{Malformation, VerifyError};
use crate::keys::SigningKey;

/// Longest token accepted, in bytes; a longer string is refused before any decoding.
pub const MAX_TOKEN_LEN: usize = 4096;

/// A token split and decoded, its signature not checked yet.
pub(crate) struct Opened {
    pub payload: Vec<u8>,
    pub signature: Signature,
}

/// Signs `payload` and wraps it as `<prefix><payload>.<signature>`.
pub(crate) fn seal(prefix: &str, payload: &[u8], key: &SigningKey) -> String {
    let signature = key.sign(payload).to_bytes();
    let mut token = String::with_capacity(prefix.len() + payload.len().div_ceil(3) * 4 + 88);
    token.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    token
}

/// Checks the size and the shape, then decodes both parts.
///
/// # Errors
/// [`VerifyError::TooLong`] first, then [`VerifyError::Malformed`].
pub(crate) fn open(prefix: &'static str, token: &str) -> Result<Opened, VerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(VerifyError::TooLong { len: token.len() });
    }
    let shape = || Malformation::Shape { prefix };
    let (payload, signature) = token
        .strip_prefix(prefix)
        .and_then(|rest| rest.split_once('.'))
        .ok_or_else(shape)?;
    if signature.contains('.') {
        return Err(shape().into());
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| Malformation::Base64)?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| Malformation::Base64)?
        .try_into()
        .map_err(|_| Malformation::SignatureLength)?;
    Ok(Opened {
        payload,
        signature: Signature::from_bytes(&signature),
    })
}

/// Why a payload did not parse as the `version` schema: a payload of another version is
/// reported as such whatever its fields, anything else is malformed. Only called on
/// failure, so a good payload is parsed once.
pub(crate) fn schema_error(payload: &[u8], version: u64, error: &serde_json::Error) -> VerifyError {
    #[derive(Deserialize)]
    struct VersionProbe {
        v: u64,
    }
    match serde_json::from_slice::<VersionProbe>(payload) {
        Ok(VersionProbe { v }) if v != version => VerifyError::UnsupportedVersion(v),
        _ => Malformation::Payload(error.to_string()).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Kid;

    fn key() -> SigningKey {
        SigningKey::from_seed(Kid::parse("k").unwrap(), &[5; 32])
    }

    #[test]
    fn seal_then_open_gives_back_the_payload_and_a_signature_over_it() {
        let token = seal("T1.", b"{\"a\":1}", &key());
        assert!(token.starts_with("T1.eyJhIjoxfQ."));
        let opened = open("T1.", &token).unwrap();
        assert_eq!(opened.payload, b"{\"a\":1}");
        assert!(
            key()
                .public_key()
                .verifies(&opened.payload, &opened.signature)
        );
    }

    #[test]
    fn the_size_limit_comes_before_any_decoding() {
        let garbage = "!".repeat(MAX_TOKEN_LEN + 1);
        assert!(matches!(
            open("T1.", &garbage),
            Err(VerifyError::TooLong { len }) if len == MAX_TOKEN_LEN + 1
        ));
        assert!(matches!(
            open("T1.", &garbage[1..]),
            Err(VerifyError::Malformed(Malformation::Shape { .. }))
        ));
    }

    #[test]
    fn shapes_other_than_prefix_payload_dot_signature_are_malformed() {
        let token = seal("T1.", b"{}", &key());
        let shape = Err(VerifyError::Malformed(Malformation::Shape {
            prefix: "T1.",
        }));
        let (_, body) = token.split_at(3);
        for bad in [
            body.to_owned(),
            format!("T2.{body}"),
            format!("t1.{body}"),
            format!("T1.{}", body.replace('.', "")),
            format!("{token}.extra"),
        ] {
            assert_eq!(open("T1.", &bad).map(|o| o.payload), shape, "{bad}");
        }
    }

    #[test]
    fn padding_foreign_alphabets_and_stray_bits_are_malformed() {
        let token = seal("T1.", b"{}", &key());
        let base64 = Err(VerifyError::Malformed(Malformation::Base64));
        // "{}" is "e30" in base64url; "e31" differs only in bits that decoding drops.
        for bad in [
            token.replace("T1.e30.", "T1.e30=."),
            token.replace("T1.e30.", "T1.e31."),
            token.replace("T1.e30.", "T1.e+0."),
            format!("{token}="),
        ] {
            assert_eq!(open("T1.", &bad).map(|o| o.payload), base64, "{bad}");
        }
    }

    #[test]
    fn a_signature_of_another_length_is_malformed() {
        let short = format!("T1.e30.{}", URL_SAFE_NO_PAD.encode([0u8; 63]));
        assert_eq!(
            open("T1.", &short).map(|o| o.payload),
            Err(VerifyError::Malformed(Malformation::SignatureLength))
        );
    }
}
