//! Text in the PDF: the embedded DejaVu Sans (regular and bold, trimmed to the characters an
//! invoice needs, `guest/fonts/`), real glyph widths for measuring and wrapping, and the glyphs
//! a document used, subset into the file with a ToUnicode map so its text extracts exactly.
//! Parsing, subsetting and writing the font are the Typst project's crates (`ttf-parser`,
//! `subsetter`, `pdf-writer`); what is ours is only the line breaking.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Finish, Name, Rect, Ref, Str};
use std::collections::HashMap;

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Characters below this (Latin up to Extended-B) are looked up in a table, the rest in a map.
const TABLE: usize = 0x250;

/// What a character the font lacks prints as (U+FFFD, in the font).
pub const REPLACEMENT: char = '\u{FFFD}';

/// What a character prints as in one face.
#[derive(Clone, Copy)]
struct Glyph {
    /// The glyph in the font: the character's own, or the replacement mark's.
    gid: u16,
    /// Its advance, in font units.
    advance: u16,
    /// Its id in the document's subset; 0 (the subset's .notdef) until it is first printed.
    id: u16,
    /// The font lacks the character: it prints as the replacement mark.
    missing: bool,
}

/// One face: its parsed tables and the glyphs a document used of it.
struct Face {
    data: &'static [u8],
    name: &'static str,
    units_per_em: f32,
    ascender: f32,
    descender: f32,
    cap_height: f32,
    bbox: [f32; 4],
    /// What each character prints as, looked up in the font once per document: a table for
    /// the Latin letters most text is made of, else a map. Measuring and printing read it per
    /// character, so it also holds the subset id, not only the font's glyph.
    glyphs: Vec<Option<Glyph>>,
    other: HashMap<char, Glyph>,
    /// Original glyph ids → ids in the subset, in the order first used.
    remapper: subsetter::GlyphRemapper,
    /// The character each glyph of the subset stands for (for the ToUnicode map), by new id.
    unicode: Vec<char>,
    face: ttf_parser::Face<'static>,
}

impl Face {
    fn new(data: &'static [u8], name: &'static str) -> Face {
        let face = ttf_parser::Face::parse(data, 0).expect("the embedded font parses");
        let bb = face.global_bounding_box();
        Face {
            data,
            name,
            units_per_em: face.units_per_em() as f32,
            ascender: face.ascender() as f32,
            descender: face.descender() as f32,
            cap_height: face.capital_height().unwrap_or(face.ascender()) as f32,
            bbox: [
                bb.x_min as f32,
                bb.y_min as f32,
                bb.x_max as f32,
                bb.y_max as f32,
            ],
            glyphs: vec![None; TABLE],
            other: HashMap::new(),
            remapper: subsetter::GlyphRemapper::new(),
            unicode: vec!['\0'],
            face,
        }
    }

    /// What `c` prints as: its own glyph, or the replacement mark.
    fn glyph(&mut self, c: char) -> &mut Glyph {
        let face = &self.face;
        let lookup = || {
            let found = |c| {
                let gid = face.glyph_index(c)?;
                Some((gid.0, face.glyph_hor_advance(gid).unwrap_or(0)))
            };
            let (own, (gid, advance)) = match found(c) {
                Some(g) => (true, g),
                None => (false, found(REPLACEMENT).unwrap_or((0, 0))),
            };
            Glyph {
                gid,
                advance,
                id: 0,
                missing: !own,
            }
        };
        match self.glyphs.get_mut(c as usize) {
            Some(slot) => slot.get_or_insert_with(lookup),
            None => self.other.entry(c).or_insert_with(lookup),
        }
    }

    fn scale(&self, size: f32) -> f32 {
        size / self.units_per_em
    }
}

/// The fonts of one document being written.
pub struct Typesetter {
    faces: [Face; 2],
}

impl Default for Typesetter {
    fn default() -> Self {
        Typesetter {
            faces: [
                Face::new(REGULAR, "DejaVuSans"),
                Face::new(BOLD, "DejaVuSans-Bold"),
            ],
        }
    }
}

/// Characters that take no room and print nothing (line breaks are handled by the layout).
fn silent(c: char) -> bool {
    c.is_control()
}

impl Typesetter {
    fn face(&mut self, bold: bool) -> &mut Face {
        &mut self.faces[usize::from(bold)]
    }

    /// Whether the font has `c` (else it prints as the replacement mark).
    pub fn has(&mut self, c: char) -> bool {
        silent(c) || !self.faces[0].glyph(c).missing
    }

    /// The width of `s` at `size` points, by the font's advances.
    pub fn width(&mut self, s: &str, size: f32, bold: bool) -> f32 {
        let f = self.face(bold);
        let units: u32 = s
            .chars()
            .filter(|c| !silent(*c))
            .map(|c| f.glyph(c).advance as u32)
            .sum();
        units as f32 * f.scale(size)
    }

    /// `s` as the glyphs of the subset (Identity-H: the CID is the subset's glyph id), into
    /// `out`; the answer is its width at `size` points (measured on the way, for aligning it).
    pub fn encode(&mut self, s: &str, size: f32, bold: bool, out: &mut Vec<u16>) -> f32 {
        out.clear();
        let f = self.face(bold);
        let mut units = 0u32;
        for c in s.chars().filter(|c| !silent(*c)) {
            let mut g = *f.glyph(c);
            units += g.advance as u32;
            if g.id == 0 {
                g.id = f.remapper.remap(g.gid);
                *f.glyph(c) = g;
            }
            if g.id as usize == f.unicode.len() {
                f.unicode.push(if g.missing { REPLACEMENT } else { c });
            }
            out.push(g.id);
        }
        units as f32 * f.scale(size)
    }

    /// `s` broken into lines no wider than `width`: at spaces where it can, inside a word
    /// where a word alone is too wide, and at every line break the text has. Nothing is cut.
    pub fn wrap(&mut self, s: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
        // Most text fits as it is: measured once, not word by word. (Leading spaces go the long
        // way, which drops them.)
        if !s.contains('\n') && !s.starts_with(' ') && self.width(s, size, bold) <= width {
            return vec![s.to_owned()];
        }
        let mut lines = Vec::new();
        for para in s.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            for word in para.split(' ') {
                let word_w = self.width(word, size, bold);
                let space_w = if line.is_empty() {
                    0.0
                } else {
                    self.width(" ", size, bold)
                };
                if line_w + space_w + word_w <= width {
                    if !line.is_empty() {
                        line.push(' ');
                    }
                    line.push_str(word);
                    line_w += space_w + word_w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                // A word wider than the line is broken between characters.
                for c in word.chars() {
                    let cw = self.width(c.encode_utf8(&mut [0; 4]), size, bold);
                    if line_w + cw > width && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Write the used glyphs of each face as a Type 0 font with an embedded TrueType subset
    /// and a ToUnicode map; `refs` are the font dictionaries the pages name /F1 and /F2.
    pub fn write(&self, chunk: &mut Chunk, refs: [Ref; 2], alloc: &mut impl FnMut() -> Ref) {
        const INFO: SystemInfo = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        for (f, type0) in self.faces.iter().zip(refs) {
            let (cid, descriptor, cmap, file) = (alloc(), alloc(), alloc(), alloc());
            // A subset font's name starts with a tag made from its glyphs (PDF 32000 §9.6.4).
            let mut h: u32 = 2166136261;
            for g in f.remapper.remapped_gids() {
                h = (h ^ g as u32).wrapping_mul(16777619);
            }
            let tag: String = (0..6)
                .map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char)
                .collect();
            let base = format!("{tag}+{}", f.name);
            let base = Name(base.as_bytes());
            let mut t0 = chunk.type0_font(type0);
            t0.base_font(base)
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid)
                .to_unicode(cmap);
            t0.finish();
            let scale = 1000.0 / f.units_per_em;
            let widths: Vec<f32> = f
                .remapper
                .remapped_gids()
                .map(|g| {
                    f.face
                        .glyph_hor_advance(ttf_parser::GlyphId(g))
                        .unwrap_or(0) as f32
                        * scale
                })
                .collect();
            let mut c = chunk.cid_font(cid);
            c.subtype(CidFontType::Type2)
                .base_font(base)
                .system_info(INFO)
                .font_descriptor(descriptor)
                .default_width(0.0)
                .cid_to_gid_map_predefined(Name(b"Identity"));
            c.widths().consecutive(0, widths);
            c.finish();
            let [x0, y0, x1, y1] = f.bbox.map(|v| v * scale);
            let mut d = chunk.font_descriptor(descriptor);
            d.name(base)
                .flags(FontFlags::NON_SYMBOLIC)
                .bbox(Rect::new(x0, y0, x1, y1))
                .italic_angle(0.0)
                .ascent(f.ascender * scale)
                .descent(f.descender * scale)
                .cap_height(f.cap_height * scale)
                .stem_v(if f.name.ends_with("Bold") {
                    120.0
                } else {
                    80.0
                })
                .font_file2(file);
            d.finish();
            let mut map = UnicodeCmap::new(Name(b"Custom"), INFO);
            for (g, ch) in f.unicode.iter().enumerate().skip(1) {
                map.pair(g as u16, *ch);
            }
            chunk.cmap(cmap, &map.finish());
            // The subset keeps the glyphs used, renumbered in the order they were first used.
            let subset =
                subsetter::subset(f.data, 0, &f.remapper).expect("the embedded font subsets");
            // Left uncompressed: a document's subset is a few kilobytes, and a deflater would
            // cost the component more than it saves a PDF.
            chunk
                .stream(file, &subset)
                .pair(Name(b"Length1"), subset.len() as i32);
        }
    }
}
