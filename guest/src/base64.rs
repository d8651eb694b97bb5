//! Standard base64 (RFC 4648) for embedding the PDF in EHF. Ours rather than the `base64`
//! crate: the crate takes the component over its 1 MiB budget (measured: +9 KB), and this is
//! twenty lines checked against the RFC's vectors.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn encode(data: &[u8]) -> String {
    // Bytes first, four at a time (a 20 MB PDF is 27 M characters: per-char pushes showed).
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4);
    let sextet = |n: u32, i: u32| ALPHABET[(n >> (18 - 6 * i) & 63) as usize];
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
        out.extend_from_slice(&[sextet(n, 0), sextet(n, 1), sextet(n, 2), sextet(n, 3)]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = (a as u32) << 16;
            out.extend_from_slice(&[sextet(n, 0), sextet(n, 1), b'=', b'=']);
        }
        [a, b] => {
            let n = (a as u32) << 16 | (b as u32) << 8;
            out.extend_from_slice(&[sextet(n, 0), sextet(n, 1), sextet(n, 2), b'=']);
        }
        _ => {}
    }
    String::from_utf8(out).expect("the alphabet is ASCII")
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::encode(i.as_bytes()), o);
        }
    }
}
