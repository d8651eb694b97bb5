//! The client's logo for the invoice header.

/// The client's logo: a JPEG, embedded as it is (DCTDecode), so no image decoding is needed.
#[derive(Clone, Debug, PartialEq)]
pub struct Logo {
    pub width: u32,
    pub height: u32,
    /// 1 (grey), 3 (RGB) or 4 (CMYK).
    pub components: u8,
    pub jpeg: Vec<u8>,
}

impl Logo {
    /// Read the size and colour components from a JPEG's start-of-frame segment.
    pub fn from_jpeg(bytes: &[u8]) -> Result<Logo, String> {
        if !bytes.starts_with(&[0xFF, 0xD8]) {
            return Err("not a JPEG image".into());
        }
        let mut i = 2;
        while i + 4 <= bytes.len() {
            if bytes[i] != 0xFF {
                return Err("a damaged JPEG image".into());
            }
            let marker = bytes[i + 1];
            let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame header.
            if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
                let f = bytes.get(i + 4..i + 10).ok_or("a damaged JPEG image")?;
                let (height, width, components) = (
                    u16::from_be_bytes([f[1], f[2]]) as u32,
                    u16::from_be_bytes([f[3], f[4]]) as u32,
                    f[5],
                );
                if width == 0 || height == 0 || ![1, 3, 4].contains(&components) {
                    return Err("an unsupported JPEG image".into());
                }
                return Ok(Logo {
                    width,
                    height,
                    components,
                    jpeg: bytes.to_vec(),
                });
            }
            i += 2 + len;
        }
        Err("a JPEG image without a frame header".into())
    }
}

#[cfg(test)]
mod logo_tests {
    use super::Logo;

    #[test]
    fn a_jpeg_gives_its_size_and_anything_else_a_reason() {
        let logo = Logo::from_jpeg(include_bytes!("../../fixtures/fjord-logo.jpg")).unwrap();
        assert_eq!((logo.width, logo.height, logo.components), (240, 100, 3));
        assert_eq!(
            Logo::from_jpeg(b"GIF89a"),
            Err("not a JPEG image".to_string())
        );
        assert!(
            Logo::from_jpeg(&[0xFF, 0xD8, 0xFF, 0xC0, 0, 8]).is_err(),
            "truncated"
        );
        assert!(Logo::from_jpeg(&[0xFF, 0xD8, 0x00]).is_err());
    }
}
