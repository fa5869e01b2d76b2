//! The one grammar shared by meter keys and property names.

/// Lower-case ASCII letters, digits and `_`, starting with a letter, 1..=`max` bytes: safe
/// in URLs, JSON keys, SQL values and log lines without escaping.
pub(crate) fn is_snake_name(s: &str, max: usize) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}
