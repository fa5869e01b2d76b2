//! The API key itself (R-A2): `mk_live_` or `mk_test_`, 32 random base62 characters, and a
//! 6-character base62 CRC-32 of everything before it. 46 ASCII characters in all.
//!
//! The checksum is not a secret: it lets [`ApiKeyToken::parse`] refuse a mistyped,
//! truncated or made-up key before anything is looked up, and lets secret scanners tell a
//! real key from a look-alike.

use std::fmt;

use super::base62::{self, CHECKSUM_LEN};
use super::ports::RandomSource;

/// The deployment a key belongs to, written first in every key so a test key can never be
/// mistaken for a live one (by people, scanners, or a live service).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyEnvironment {
    /// Production: `mk_live_`.
    Live,
    /// Demo and test deployments: `mk_test_`.
    Test,
}

impl KeyEnvironment {
    /// What keys of this environment start with.
    #[must_use]
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Live => "mk_live_",
            Self::Test => "mk_test_",
        }
    }

    fn of_prefix(prefix: &[u8]) -> Option<Self> {
        [Self::Live, Self::Test]
            .into_iter()
            .find(|env| env.prefix().as_bytes() == prefix)
    }
}

/// Why a presented string is not an API key. Each is found from the string alone, before
/// any database read; all of them are 401 to the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MalformedApiKey {
    /// Does not start with `mk_live_` or `mk_test_`.
    #[error("an API key starts with `mk_live_` or `mk_test_`")]
    Prefix,
    /// Not exactly [`ApiKeyToken::LEN`] bytes long.
    #[error("an API key is {expected} characters long, not {len}", expected = ApiKeyToken::LEN)]
    Length {
        /// The length presented, in bytes.
        len: usize,
    },
    /// A character after the prefix is not base62 (`0-9 A-Z a-z`).
    #[error("an API key is base62 after its prefix")]
    Alphabet,
    /// The last six characters are not the checksum of the rest: a typo, or not a key.
    #[error("the API key's checksum does not match")]
    Checksum,
}

/// A well-formed API key: right prefix, length, alphabet and checksum. Holding one proves
/// nothing about whether the marketplace issued it; only a lookup of its digest does.
///
/// The key is a secret: `Debug` shows only its public hint, and there is no `Display`.
/// [`expose_secret`](Self::expose_secret) is the one way to the text.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyToken {
    text: String,
    environment: KeyEnvironment,
}

impl ApiKeyToken {
    /// Length of the environment prefix (`mk_live_`).
    pub const PREFIX_LEN: usize = 8;
    /// Random base62 characters after the prefix.
    pub const RANDOM_LEN: usize = 32;
    /// Random bytes drawn for one key: 256 bits for about 190.5 bits of base62.
    pub const RANDOM_BYTES: usize = 32;
    /// A key's total length: prefix, random part, checksum.
    pub const LEN: usize = Self::PREFIX_LEN + Self::RANDOM_LEN + CHECKSUM_LEN;

    /// A new key for `environment` from [`Self::RANDOM_BYTES`] bytes of `random`.
    #[must_use]
    pub fn generate(environment: KeyEnvironment, random: &dyn RandomSource) -> Self {
        let mut bytes = [0u8; Self::RANDOM_BYTES];
        random.fill(&mut bytes);
        let body = base62::digits::<{ Self::RANDOM_LEN }>(bytes);
        let mut text = String::with_capacity(Self::LEN);
        text.push_str(environment.prefix());
        text.extend(body.iter().map(|&b| char::from(b)));
        let sum = base62::checksum(text.as_bytes());
        text.extend(sum.iter().map(|&b| char::from(b)));
        Self { text, environment }
    }

    /// Checks a presented key's prefix, length, alphabet and checksum, in that order.
    ///
    /// # Errors
    /// The first [`MalformedApiKey`] that applies.
    pub fn parse(raw: &str) -> Result<Self, MalformedApiKey> {
        let bytes = raw.as_bytes();
        let environment = bytes
            .get(..Self::PREFIX_LEN)
            .and_then(KeyEnvironment::of_prefix)
            .ok_or(MalformedApiKey::Prefix)?;
        if bytes.len() != Self::LEN {
            return Err(MalformedApiKey::Length { len: bytes.len() });
        }
        if !bytes[Self::PREFIX_LEN..]
            .iter()
            .all(|&b| base62::is_digit(b))
        {
            return Err(MalformedApiKey::Alphabet);
        }
        let (signed, sum) = bytes.split_at(Self::LEN - CHECKSUM_LEN);
        if base62::checksum(signed) != sum {
            return Err(MalformedApiKey::Checksum);
        }
        Ok(Self {
            text: raw.to_owned(),
            environment,
        })
    }

    /// The environment the key names.
    #[must_use]
    pub fn environment(&self) -> KeyEnvironment {
        self.environment
    }

    /// The secret text: to show once at creation, or to digest. Never log it.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.text
    }

    /// What may be shown of the key later: its prefix and last four characters.
    #[must_use]
    pub fn hint(&self) -> KeyHint {
        let cut = Self::PREFIX_LEN + KeyHint::SHOWN_RANDOM;
        KeyHint {
            prefix: self.text[..cut].to_owned(),
            last4: self.text[Self::LEN - KeyHint::LAST..].to_owned(),
        }
    }
}

impl fmt::Debug for ApiKeyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = self.hint();
        write!(f, "ApiKeyToken({}…{})", hint.prefix, hint.last4)
    }
}

/// The part of a key that lists show (R-A4): the prefix with the first four random
/// characters (`mk_live_AbCd`) and the last four characters. Enough to tell keys apart,
/// about 24 bits of the random part: nowhere near enough to use.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyHint {
    prefix: String,
    last4: String,
}

/// A stored hint that does not have the shape of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a key hint is `mk_live_`/`mk_test_` with 4 base62 characters, and 4 base62 characters")]
pub struct InvalidKeyHint;

impl KeyHint {
    /// Random characters shown after the environment prefix.
    const SHOWN_RANDOM: usize = 4;
    /// Characters shown from the end.
    const LAST: usize = 4;

    /// A hint read back from storage.
    ///
    /// # Errors
    /// [`InvalidKeyHint`] unless `prefix` is an environment prefix and four base62
    /// characters, and `last4` four base62 characters.
    pub fn from_stored(prefix: &str, last4: &str) -> Result<Self, InvalidKeyHint> {
        let four_digits = |s: &[u8]| s.len() == 4 && s.iter().all(|&b| base62::is_digit(b));
        let bytes = prefix.as_bytes();
        let well_formed = bytes.len() == ApiKeyToken::PREFIX_LEN + Self::SHOWN_RANDOM
            && KeyEnvironment::of_prefix(&bytes[..ApiKeyToken::PREFIX_LEN]).is_some()
            && four_digits(&bytes[ApiKeyToken::PREFIX_LEN..])
            && four_digits(last4.as_bytes());
        if well_formed {
            Ok(Self {
                prefix: prefix.to_owned(),
                last4: last4.to_owned(),
            })
        } else {
            Err(InvalidKeyHint)
        }
    }

    /// `mk_live_AbCd`.
    #[must_use]
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The key's last four characters.
    #[must_use]
    pub fn last4(&self) -> &str {
        &self.last4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_key::ports::MockRandomSource;

    fn random(byte: u8) -> MockRandomSource {
        let mut random = MockRandomSource::new();
        random.expect_fill().returning(move |buf| buf.fill(byte));
        random
    }

    #[test]
    fn r_a2_a_key_is_prefix_32_base62_and_a_6_character_checksum() {
        for (env, prefix) in [
            (KeyEnvironment::Live, "mk_live_"),
            (KeyEnvironment::Test, "mk_test_"),
        ] {
            let key = ApiKeyToken::generate(env, &random(0xA7));
            let text = key.expose_secret();
            assert_eq!(text.len(), 46);
            assert!(text.starts_with(prefix));
            assert!(text[8..].bytes().all(|b| b.is_ascii_alphanumeric()));
            let sum = base62::checksum(&text.as_bytes()[..40]);
            assert_eq!(&text.as_bytes()[40..], &sum);
            assert_eq!(ApiKeyToken::parse(text), Ok(key.clone()));
            assert_eq!(key.environment(), env);
        }
    }

    #[test]
    fn r_a2_the_random_part_comes_from_32_bytes_of_the_random_source() {
        let mut random = MockRandomSource::new();
        random
            .expect_fill()
            .withf(|buf| buf.len() == ApiKeyToken::RANDOM_BYTES)
            .times(1)
            .returning(|buf| buf.fill(1));
        let one = ApiKeyToken::generate(KeyEnvironment::Live, &random);
        let other = ApiKeyToken::generate(KeyEnvironment::Live, &self::random(2));
        assert_ne!(one.expose_secret()[8..40], other.expose_secret()[8..40]);
    }

    #[test]
    fn r_a2_parse_refuses_prefix_length_alphabet_and_checksum() {
        let key = ApiKeyToken::generate(KeyEnvironment::Live, &random(9));
        let text = key.expose_secret();
        assert_eq!(
            ApiKeyToken::parse(&text.replacen("mk_live_", "mk_prod_", 1)),
            Err(MalformedApiKey::Prefix)
        );
        assert_eq!(ApiKeyToken::parse(""), Err(MalformedApiKey::Prefix));
        assert_eq!(
            ApiKeyToken::parse(&text[..45]),
            Err(MalformedApiKey::Length { len: 45 })
        );
        assert_eq!(
            ApiKeyToken::parse(&format!("{text}0")),
            Err(MalformedApiKey::Length { len: 47 })
        );
        let mut dashed = text.to_owned();
        dashed.replace_range(20..21, "-");
        assert_eq!(ApiKeyToken::parse(&dashed), Err(MalformedApiKey::Alphabet));
        let mut typo = text.to_owned();
        let swapped = if &typo[20..21] == "a" { "b" } else { "a" };
        typo.replace_range(20..21, swapped);
        assert_eq!(ApiKeyToken::parse(&typo), Err(MalformedApiKey::Checksum));
    }

    #[test]
    fn r_a2_a_key_never_shows_itself_in_debug_output() {
        let key = ApiKeyToken::generate(KeyEnvironment::Test, &random(3));
        let shown = format!("{key:?}");
        assert!(!shown.contains(key.expose_secret()));
        assert!(shown.contains(key.hint().prefix()));
    }

    #[test]
    fn r_a4_the_hint_is_the_prefix_with_four_characters_and_the_last_four() {
        let key = ApiKeyToken::generate(KeyEnvironment::Live, &random(5));
        let text = key.expose_secret();
        let hint = key.hint();
        assert_eq!(hint.prefix(), &text[..12]);
        assert_eq!(hint.last4(), &text[42..]);
        assert_eq!(KeyHint::from_stored(hint.prefix(), hint.last4()), Ok(hint));
        assert_eq!(
            KeyHint::from_stored("mk_live_Ab", "abcd"),
            Err(InvalidKeyHint)
        );
        assert_eq!(
            KeyHint::from_stored("sk_live_AbCd", "abcd"),
            Err(InvalidKeyHint)
        );
        assert_eq!(
            KeyHint::from_stored("mk_live_AbCd", "ab-d"),
            Err(InvalidKeyHint)
        );
    }
}
