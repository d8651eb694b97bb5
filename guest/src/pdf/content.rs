//! A page's content stream: the dozen operators an invoice draws with, written straight into
//! one buffer. `pdf-writer` still writes the file around it (objects, fonts, the logo); its
//! `Content` is not used for pages because it opens a text object per string and writes our
//! two-byte glyph ids as octal-escaped literals, up to eight bytes a glyph, byte by byte. Here a
//! page's text runs share one text object, move by relative `Td`, set the font only when it
//! changes, and carry their glyph ids as raw bytes: a third of the bytes, which the EHF then
//! carries again in base64.

/// Coordinates in hundredths of a point: what is written is exact, so relative moves never drift.
fn hundredths(v: f32) -> i32 {
    (v * 100.0).round() as i32
}

/// The text object being written: the font set in it and where its current line starts.
struct Text {
    font: Option<(bool, i32)>,
    x: i32,
    y: i32,
}

#[derive(Default)]
pub struct Page {
    buf: Vec<u8>,
    text: Option<Text>,
}

impl Page {
    /// A number in hundredths as PDF writes a real: `12`, `-3.5`, `457.38`.
    fn num(&mut self, v: i32) {
        let (int, frac) = (v.unsigned_abs() / 100, v.unsigned_abs() % 100);
        if v < 0 {
            self.buf.push(b'-');
        }
        self.uint(int);
        if frac != 0 {
            self.buf.push(b'.');
            self.buf.push(b'0' + (frac / 10) as u8);
            if frac % 10 != 0 {
                self.buf.push(b'0' + (frac % 10) as u8);
            }
        }
        self.buf.push(b' ');
    }

    fn uint(&mut self, mut n: u32) {
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&digits[at..]);
    }

    fn nums(&mut self, vs: &[f32]) {
        for v in vs {
            self.num(hundredths(*v));
        }
    }

    fn op(&mut self, op: &[u8]) {
        self.buf.extend_from_slice(op);
        self.buf.push(b'\n');
    }

    /// Glyph ids (Identity-H, two bytes each) shown at (`x`, `y`) in face `bold` at `size`.
    pub fn show(&mut self, x: f32, y: f32, size: f32, bold: bool, glyphs: &[u16]) {
        if self.text.is_none() {
            self.op(b"BT");
        }
        let t = self.text.get_or_insert(Text {
            font: None,
            x: 0,
            y: 0,
        });
        let font = (bold, hundredths(size));
        let new_font = t.font != Some(font);
        t.font = Some(font);
        let (x, y) = (hundredths(x), hundredths(y));
        let (dx, dy) = (x - t.x, y - t.y);
        (t.x, t.y) = (x, y);
        if new_font {
            self.buf
                .extend_from_slice(if bold { b"/F2 " } else { b"/F1 " });
            self.num(font.1);
            self.op(b"Tf");
        }
        self.num(dx);
        self.num(dy);
        self.op(b"Td");
        // A literal string holds any byte but these (PDF 32000 §7.3.4.2): the delimiters and
        // the backslash are escaped, and CR, which a reader would turn into LF.
        let escaped = |b: u8| matches!(b, b'(' | b')' | b'\\' | b'\r');
        self.buf.reserve(glyphs.len() * 2 + 5);
        self.buf.push(b'(');
        for &g in glyphs {
            let pair = g.to_be_bytes();
            if !escaped(pair[0]) && !escaped(pair[1]) {
                self.buf.extend_from_slice(&pair);
                continue;
            }
            for byte in pair {
                match byte {
                    b'\r' => self.buf.extend_from_slice(b"\\r"),
                    b if escaped(b) => self.buf.extend_from_slice(&[b'\\', b]),
                    b => self.buf.push(b),
                }
            }
        }
        self.buf.extend_from_slice(b")Tj\n");
    }

    /// Paths and images may not be drawn inside a text object.
    fn end_text(&mut self) {
        if self.text.take().is_some() {
            self.op(b"ET");
        }
    }

    /// The colour of what is filled next, text included (allowed inside a text object).
    pub fn fill_color(&mut self, (r, g, b): (f32, f32, f32)) {
        self.nums(&[r, g, b]);
        self.op(b"rg");
    }

    /// A line from (`x0`, `y`) to (`x1`, `y`), `width` thick.
    pub fn hline(&mut self, x0: f32, x1: f32, y: f32, width: f32) {
        self.end_text();
        self.nums(&[width]);
        self.op(b"w");
        self.nums(&[x0, y]);
        self.op(b"m");
        self.nums(&[x1, y]);
        self.op(b"l");
        self.op(b"S");
    }

    /// A filled rectangle in `color`, leaving the fill colour as it was.
    pub fn rect(&mut self, color: (f32, f32, f32), x: f32, y: f32, w: f32, h: f32) {
        self.end_text();
        self.op(b"q");
        self.fill_color(color);
        self.nums(&[x, y, w, h]);
        self.op(b"re");
        self.op(b"f");
        self.op(b"Q");
    }

    /// The image XObject `name` drawn into the `w` × `h` box at (`x`, `y`).
    pub fn image(&mut self, name: &[u8], x: f32, y: f32, w: f32, h: f32) {
        self.end_text();
        self.op(b"q");
        self.nums(&[w, 0.0, 0.0, h, x, y]);
        self.op(b"cm");
        self.buf.push(b'/');
        self.buf.extend_from_slice(name);
        self.op(b" Do");
        self.op(b"Q");
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.end_text();
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_runs_share_a_text_object_and_move_relatively() {
        let mut p = Page::default();
        p.show(50.0, 700.0, 8.5, false, &[1, 2]);
        p.show(457.385, 700.0, 8.5, false, &[0x28, 0x5C0D]);
        p.show(50.0, 687.0, 10.0, true, &[3]);
        p.hline(50.0, 545.0, 680.0, 0.6);
        assert_eq!(
            p.finish(),
            b"BT\n/F1 8.5 Tf\n50 700 Td\n(\x00\x01\x00\x02)Tj\n\
              407.39 0 Td\n(\x00\\(\\\\\\r)Tj\n\
              /F2 10 Tf\n-407.39 -13 Td\n(\x00\x03)Tj\nET\n\
              0.6 w\n50 680 m\n545 680 l\nS\n"
                .to_vec()
        );
    }
}
