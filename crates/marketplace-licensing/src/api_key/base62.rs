//! The two encodings inside an API key (R-A2): base62 digits, and the CRC-32 checksum that
//! lets a typo be refused without touching the database.

/// The digits, in value order: `0-9`, then `A-Z`, then `a-z`.
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// How many base62 characters hold any CRC-32 (62^6 > 2^32).
pub(crate) const CHECKSUM_LEN: usize = 6;

/// Whether `byte` is a base62 digit.
pub(crate) fn is_digit(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
}

/// CRC-32 as IEEE 802.3 and zlib define it (reflected polynomial `0xEDB88320`, initial and
/// final XOR `0xFFFFFFFF`). Bitwise rather than table-driven: a key is 40 bytes.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let low_bit_mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & low_bit_mask);
        }
    }
    !crc
}

/// The checksum of `text`: its CRC-32 in base62, most significant digit first, padded
/// with `0` to [`CHECKSUM_LEN`] characters, so every value has exactly one spelling.
pub(crate) fn checksum(text: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut value = crc32(text);
    let mut out = [DIGITS[0]; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(value % 62) as usize];
        value /= 62;
    }
    out
}

/// `N` base62 digits from random bytes: the bytes read as one big-endian number, reduced
/// modulo 62^N by `N` rounds of long division.
///
/// With 32 bytes (256 bits) for 32 digits (about 190.5 bits), every digit string has
/// 2^65 or one more preimages, so the result is uniform to within 2^-65: no rejection
/// loop, no bias worth naming.
pub(crate) fn digits<const N: usize>(mut number: [u8; 32]) -> [u8; N] {
    let mut out = [DIGITS[0]; N];
    for slot in out.iter_mut().rev() {
        let mut remainder = 0u32;
        for byte in &mut number {
            let acc = (remainder << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            remainder = acc % 62;
        }
        *slot = DIGITS[remainder as usize];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_a2_crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn r_a2_the_checksum_is_six_base62_digits_of_the_crc() {
        let encoded = checksum(b"123456789");
        let decoded = encoded.iter().fold(0u64, |acc, &d| {
            let value = DIGITS.iter().position(|&x| x == d).unwrap() as u64;
            acc * 62 + value
        });
        assert_eq!(decoded, 0xCBF4_3926);
        assert_eq!(checksum(b""), *b"000000", "zero is padded, not shortened");
        // The largest CRC still fits in six digits.
        assert!(62u64.pow(6) > u64::from(u32::MAX));
    }

    #[test]
    fn r_a2_random_digits_are_the_number_modulo_62_to_the_n() {
        let mut one = [0u8; 32];
        one[31] = 63; // 63 = 1*62 + 1
        assert_eq!(&digits::<4>(one), b"0011");
        assert_eq!(&digits::<2>([0; 32]), b"00");
        let all_ones = digits::<32>([0xFF; 32]);
        assert!(all_ones.iter().all(|&b| is_digit(b)));
        assert_ne!(digits::<32>([0xFF; 32]), digits::<32>([0xFE; 32]));
    }
}
