//! The `crc` authentication method.

/// The legacy plugin's table starts `0, 0x04C11DB7, …`, shifts MSB first
/// from an initial 0 and complements the result, without the length step
/// of `cksum`: that is the catalogue's CRC-32/CKSUM ("POSIX") algorithm.
const CRC32_POSIX: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_CKSUM);

pub fn crc32_posix(data: &[u8]) -> u32 {
    CRC32_POSIX.checksum(data)
}

/// The plugin prints with `%lx`: lowercase, no leading zeros, and peers
/// compare the text with `strcmp`, so the zeros must stay off.
pub fn crc_hex(data: &[u8]) -> String {
    format!("{:x}", crc32_posix(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vectors() {
        assert_eq!(crc_hex(b"123456789"), "765e7680");
        assert_eq!(crc_hex(b"abc"), "d3e8c673");
    }

    #[test]
    fn no_leading_zeros() {
        // Empty input: register 0, complemented.
        assert_eq!(crc_hex(b""), "ffffffff");
        let short = (0u32..200_000)
            .map(|i| i.to_le_bytes())
            .find(|b| crc32_posix(b) < 0x1000_0000)
            .expect("some input has a CRC below 0x10000000");
        assert_eq!(
            crc_hex(&short).len(),
            format!("{:x}", crc32_posix(&short)).len()
        );
        assert!(crc_hex(&short).len() < 8);
        assert!(!crc_hex(&short).starts_with('0'));
    }
}
