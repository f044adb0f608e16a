//! Seeded, reproducible draws (docs/protocol.md, "The draw" of audited auto-approvals and "Gold
//! items"): a SHA-256 digest read as a number in [0, 1), written once.

use sha2::Sha256;
use sha2::digest::Output;

/// The top 53 bits of `digest`'s first 8 bytes (a big-endian integer), divided by 2^53: they fit an
/// f64 exactly, so the quotient is exact and below 1.
pub fn unit_draw(digest: &Output<Sha256>) -> f64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn reads_the_digest_head_as_a_fraction_below_one() {
        let mut digest = Sha256::digest(b"any");
        digest[..8].copy_from_slice(&[0xff; 8]);
        let top = unit_draw(&digest);
        assert!(top < 1.0 && top > 0.999_999_999);
        digest[..8].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(unit_draw(&digest), 0.5);
        digest[..8].copy_from_slice(&[0; 8]);
        assert_eq!(unit_draw(&digest), 0.0);
    }
}
