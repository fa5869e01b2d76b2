//! R-A2 as a property: no single-character change of a key gets past the checksum to the
//! store.

use std::sync::Arc;

use marketplace_kernel::clock::{MockClock, MockIdGenerator};
use proptest::prelude::*;

use super::*;

/// A service whose store and clock have no expectations: touching either panics.
fn untouchable_service() -> ApiKeyService {
    ApiKeyService::new(
        Arc::new(MockApiKeyRepository::new()),
        Arc::new(MockRandomSource::new()),
        KeyDigester::new(&[1; 32]).unwrap_or_else(|e| panic!("{e}")),
        Arc::new(MockClock::new()),
        Arc::new(MockIdGenerator::new()),
        KeyEnvironment::Live,
    )
}

fn key_from(bytes: [u8; 32]) -> ApiKeyToken {
    let mut random = MockRandomSource::new();
    random
        .expect_fill()
        .returning(move |buf| buf.copy_from_slice(&bytes));
    ApiKeyToken::generate(KeyEnvironment::Live, &random)
}

proptest! {
    #[test]
    fn r_a2_any_single_character_change_is_refused_before_the_repository(
        bytes in any::<[u8; 32]>(),
        position in 0..ApiKeyToken::LEN,
        replacement in any::<char>(),
    ) {
        let key = key_from(bytes);
        let original = key.expose_secret();
        let mut chars: Vec<char> = original.chars().collect();
        prop_assume!(chars[position] != replacement);
        chars[position] = replacement;
        let changed: String = chars.into_iter().collect();

        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        let refused = runtime.block_on(untouchable_service().authenticate(&changed));
        prop_assert!(
            matches!(refused, Err(AuthenticateError::Malformed(_))),
            "{changed:?} got {refused:?}"
        );
        // A base62 character swapped for another after the prefix is the checksum's catch.
        if position >= ApiKeyToken::PREFIX_LEN && replacement.is_ascii_alphanumeric() {
            prop_assert!(matches!(
                refused,
                Err(AuthenticateError::Malformed(MalformedApiKey::Checksum))
            ));
        }
    }
}
