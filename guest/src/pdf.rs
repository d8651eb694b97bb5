//! The invoice as the recipient sees it, as PDF: seller and buyer blocks, dates and references,
//! a lines table that flows over pages with its header repeated, the VAT summary per rate,
//! totals and payment details (norway.md §1). The same renderer makes the preview, the issued
//! invoice and the credit note.
//!
//! A small writer of our own rather than a crate: the standard Helvetica fonts with
//! WinAnsiEncoding need no embedding, keep the component small and extract exactly with
//! `pdftotext` (æøå included). Characters outside WinAnsi print as `?`.

use crate::calc::{self, Totals};
use crate::model::{Document, Kind};
use crate::money::{fmt_plain, round2};
use rust_decimal::Decimal;
use std::fmt::Write;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A draft before "Fakturer og send": marked, and no number used.
    Preview,
    Issued,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const ROW_H: f32 = 13.0;
const FOOTER_Y: f32 = 40.0;
/// Lowest y a table row may use; below it the table continues on the next page.
const TABLE_BOTTOM: f32 = 70.0;

/// The words of the document, in the recipient's language.
struct Words {
    invoice: &'static str,
    credit_note: &'static str,
    preview: &'static str,
    number: &'static str,
    assigned: &'static str,
    issue_date: &'static str,
    delivery_date: &'static str,
    due_date: &'static str,
    buyer_ref: &'static str,
    our_ref: &'static str,
    order_ref: &'static str,
    customer_no: &'static str,
    credits: &'static str,
    reason: &'static str,
    header: [&'static str; 7],
    vat_summary: &'static str,
    vat_cols: [&'static str; 4],
    net: &'static str,
    vat: &'static str,
    payable: &'static str,
    credited: &'static str,
    account: &'static str,
    kid: &'static str,
    page: &'static str,
    of: &'static str,
    orgnr: &'static str,
    exempt: &'static str,
    zero: &'static str,
    outside: &'static str,
}

const NB: Words = Words {
    invoice: "Faktura",
    credit_note: "Kreditnota",
    preview: "FORHÅNDSVISNING",
    number: "Fakturanr.",
    assigned: "tildeles ved fakturering",
    issue_date: "Fakturadato",
    delivery_date: "Leveringsdato",
    due_date: "Forfallsdato",
    buyer_ref: "Deres ref.",
    our_ref: "Vår ref.",
    order_ref: "Ordrenr.",
    customer_no: "Kundenr.",
    credits: "Krediterer faktura",
    reason: "Årsak",
    header: [
        "Beskrivelse",
        "Antall",
        "Enhet",
        "Pris",
        "Rabatt",
        "MVA",
        "Beløp",
    ],
    vat_summary: "MVA-spesifikasjon",
    vat_cols: ["Sats", "Grunnlag", "MVA", "Kategori"],
    net: "Sum eks. mva",
    vat: "Merverdiavgift",
    payable: "Å betale",
    credited: "Kreditert beløp",
    account: "Kontonr.",
    kid: "KID",
    page: "Side",
    of: "av",
    orgnr: "Org.nr.",
    exempt: "Unntatt mva",
    zero: "Fritatt mva",
    outside: "Utenfor mva-området",
};

const EN: Words = Words {
    invoice: "Invoice",
    credit_note: "Credit note",
    preview: "PREVIEW",
    number: "Invoice no.",
    assigned: "assigned when invoiced",
    issue_date: "Invoice date",
    delivery_date: "Delivery date",
    due_date: "Due date",
    buyer_ref: "Your ref.",
    our_ref: "Our ref.",
    order_ref: "Order no.",
    customer_no: "Customer no.",
    credits: "Credits invoice",
    reason: "Reason",
    header: [
        "Description",
        "Quantity",
        "Unit",
        "Price",
        "Discount",
        "VAT",
        "Amount",
    ],
    vat_summary: "VAT summary",
    vat_cols: ["Rate", "Base", "VAT", "Category"],
    net: "Total excl. VAT",
    vat: "VAT",
    payable: "Amount due",
    credited: "Amount credited",
    account: "Account no.",
    kid: "KID",
    page: "Page",
    of: "of",
    orgnr: "Org. no.",
    exempt: "VAT exempt",
    zero: "Zero-rated",
    outside: "Outside VAT scope",
};

/// Language of a document: the customer's, else the client's.
fn words(doc: &Document) -> (&'static Words, bool) {
    let lang = doc
        .customer
        .language
        .as_deref()
        .unwrap_or(&doc.seller.language);
    if lang == "en" {
        (&EN, false)
    } else {
        (&NB, true)
    }
}

/// `13 649,54` in Bokmål, `13,649.54` in English.
pub fn amount(d: Decimal, nb: bool) -> String {
    let mut r = round2(d);
    r.rescale(2);
    number(&r.to_string(), nb)
}

fn number(s: &str, nb: bool) -> String {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(if nb { ' ' } else { ',' });
        }
        grouped.push(c);
    }
    let sep = if nb { ',' } else { '.' };
    format!(
        "{}{grouped}{}",
        if neg { "-" } else { "" },
        if frac.is_empty() {
            String::new()
        } else {
            format!("{sep}{frac}")
        }
    )
}

/// A unit price: at least 2 decimals, up to the 4 it may have.
fn price(d: Decimal, nb: bool) -> String {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    number(&d.to_string(), nb)
}

fn qty(d: Decimal, nb: bool) -> String {
    number(&fmt_plain(d), nb)
}

fn date(d: chrono::NaiveDate, nb: bool) -> String {
    if nb {
        d.format("%d.%m.%Y").to_string()
    } else {
        d.format("%Y-%m-%d").to_string()
    }
}

/// Helvetica advance widths (1/1000 em) for WinAnsi 32..=126; others use 556.
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    let w: u32 = s
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) {
                WIDTHS[c as usize - 32] as u32
            } else {
                556
            }
        })
        .sum();
    w as f32 * size / 1000.0 * if bold { 1.06 } else { 1.0 }
}

/// Cut `s` to fit `width`, with an ellipsis.
fn fit(s: &str, width: f32, size: f32) -> String {
    if text_width(s, size, false) <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        if text_width(&out, size, false) + text_width("...", size, false) + 6.0 > width {
            break;
        }
        out.push(c);
    }
    out.push_str("...");
    out
}

/// A WinAnsi PDF string literal.
fn pdf_string(s: &str) -> String {
    let mut out = String::from("(");
    for c in s.chars() {
        let b: u32 = match c {
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            c if (c as u32) < 0x20 => 0x20,
            c if (c as u32) <= 0x7e || (0xa0..=0xff).contains(&(c as u32)) => c as u32,
            _ => '?' as u32,
        };
        match b {
            0x28 | 0x29 | 0x5c => {
                out.push('\\');
                out.push(char::from_u32(b).unwrap_or('?'));
            }
            0x20..=0x7e => out.push(char::from_u32(b).unwrap_or('?')),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

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

/// A coordinate or size in points, written with two decimals by integer arithmetic: float
/// formatting is the most expensive thing a page does inside the component (measured: a
/// 200-line invoice cost about half its fuel in `{:.2}`).
struct Pt(f32);

impl std::fmt::Display for Pt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = (self.0 * 100.0).round() as i64;
        let (sign, c) = if c < 0 { ("-", -c) } else { ("", c) };
        write!(f, "{sign}{}.{:02}", c / 100, c % 100)
    }
}

/// One page's content stream.
#[derive(Default)]
struct Page(String);

impl Page {
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        let _ = writeln!(
            self.0,
            "BT /{} {} Tf {} {} Td {} Tj ET",
            if bold { "F2" } else { "F1" },
            Pt(size),
            Pt(x),
            Pt(y),
            pdf_string(s)
        );
    }
    fn right(&mut self, x_right: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.text(x_right - text_width(s, size, bold), y, size, bold, s);
    }
    /// The colour of what is drawn next (text and fills).
    fn color(&mut self, rgb: (f32, f32, f32)) {
        let _ = writeln!(self.0, "{} {} {} rg", Pt(rgb.0), Pt(rgb.1), Pt(rgb.2));
    }
    fn rule(&mut self, y: f32) {
        let _ = writeln!(
            self.0,
            "0.6 w {} {} m {} {} l S",
            Pt(MARGIN),
            Pt(y),
            Pt(PAGE_W - MARGIN),
            Pt(y)
        );
    }
    fn fill(&mut self, rgb: (f32, f32, f32), x: f32, y: f32, w: f32, h: f32) {
        let _ = writeln!(
            self.0,
            "q {} {} {} rg {} {} {} {} re f Q",
            Pt(rgb.0),
            Pt(rgb.1),
            Pt(rgb.2),
            Pt(x),
            Pt(y),
            Pt(w),
            Pt(h)
        );
    }
}

/// Column right edges of the VAT summary: rate, base, VAT, category (its label needs ~90 pt).
const SUMMARY_COLS: [f32; 4] = [320.0, 395.0, 450.0, PAGE_W - MARGIN];

/// Column right edges of the lines table (the description is left-aligned at the margin).
const COLS: [f32; 7] = [MARGIN, 330.0, 365.0, 425.0, 465.0, 495.0, PAGE_W - MARGIN];

fn table_header(p: &mut Page, w: &Words, y: f32) {
    p.text(COLS[0], y, 8.5, true, w.header[0]);
    for (i, h) in w.header.iter().enumerate().skip(1) {
        if i == 2 {
            p.text(COLS[1] + 8.0, y, 8.5, true, h);
        } else {
            p.right(COLS[i], y, 8.5, true, h);
        }
    }
    p.rule(y - 4.0);
}

/// Render the document. `Mode::Preview` marks it and shows no number.
pub fn render(doc: &Document, totals: &Totals, mode: Mode) -> Vec<u8> {
    let (w, nb) = words(doc);
    let accent = if doc.seller.template == "modern" {
        (0.12, 0.35, 0.55)
    } else {
        (0.2, 0.2, 0.2)
    };
    let mut pages: Vec<Page> = vec![Page::default()];
    let mut y = header(
        pages.last_mut().expect("one page"),
        doc,
        w,
        nb,
        mode,
        accent,
    );

    table_header(pages.last_mut().expect("page"), w, y);
    y -= ROW_H + 4.0;
    for (line, a) in doc.lines.iter().zip(&totals.lines) {
        if y < TABLE_BOTTOM {
            pages.push(Page::default());
            y = PAGE_H - MARGIN - 20.0;
            table_header(pages.last_mut().expect("page"), w, y);
            y -= ROW_H + 4.0;
        }
        let p = pages.last_mut().expect("page");
        p.text(
            COLS[0],
            y,
            8.5,
            false,
            &fit(&line.description, COLS[1] - COLS[0] - 40.0, 8.5),
        );
        p.right(COLS[1], y, 8.5, false, &qty(line.quantity, nb));
        p.text(COLS[1] + 8.0, y, 8.5, false, &line.unit);
        p.right(COLS[3], y, 8.5, false, &price(line.unit_price, nb));
        let disc = if line.discount_percent.is_zero() {
            String::new()
        } else {
            format!("{} %", qty(line.discount_percent, nb))
        };
        p.right(COLS[4], y, 8.5, false, &disc);
        p.right(
            COLS[5],
            y,
            8.5,
            false,
            &vat_label(
                calc::effective_code(line.vat, doc.seller.vat_registered),
                w,
                nb,
                true,
            ),
        );
        p.right(COLS[6], y, 8.5, false, &amount(a.net, nb));
        y -= ROW_H;
    }
    // The summary needs about 10 rows plus one per VAT group; start a page if it will not fit.
    let needed = ROW_H * (10 + totals.groups.len()) as f32;
    if y - needed < TABLE_BOTTOM - 20.0 {
        pages.push(Page::default());
        y = PAGE_H - MARGIN - 20.0;
    }
    summary(pages.last_mut().expect("page"), doc, totals, w, nb, y);

    let count = pages.len();
    for (i, p) in pages.iter_mut().enumerate() {
        let label = match mode {
            Mode::Preview => format!("{} - {} {} {} {}", w.preview, w.page, i + 1, w.of, count),
            Mode::Issued => format!(
                "{} {} - {} {} {} {}",
                title(doc, w),
                doc.number,
                w.page,
                i + 1,
                w.of,
                count
            ),
        };
        p.right(PAGE_W - MARGIN, FOOTER_Y, 8.0, false, &label);
        p.text(MARGIN, FOOTER_Y, 8.0, false, &seller_line(doc, w));
    }
    write_pdf(
        &pages,
        &format!("{} {}", title(doc, w), doc.number),
        doc.seller.logo.as_ref(),
    )
}

fn title(doc: &Document, w: &Words) -> &'static str {
    if doc.kind == Kind::Invoice {
        w.invoice
    } else {
        w.credit_note
    }
}

/// `Bedriften AS, org.nr 123 456 789 MVA, Foretaksregisteret` (norway.md §1).
fn seller_line(doc: &Document, w: &Words) -> String {
    let s = &doc.seller;
    let o = &s.orgnr;
    let mut line = format!(
        "{}, {} {} {} {}",
        s.name,
        w.orgnr,
        &o[..3.min(o.len())],
        &o[3.min(o.len())..6.min(o.len())],
        &o[6.min(o.len())..]
    );
    if s.vat_registered {
        line.push_str(" MVA");
    }
    if s.foretaksregisteret {
        line.push_str(", Foretaksregisteret");
    }
    line
}

fn vat_label(code: crate::vat::VatCode, w: &Words, nb: bool, short: bool) -> String {
    match code.category() {
        "S" => format!("{} %", qty(code.rate(), nb)),
        _ if short => "0 %".into(),
        "Z" => w.zero.into(),
        "E" => w.exempt.into(),
        "AE" => "Omvendt avgiftsplikt".into(),
        _ => w.outside.into(),
    }
}

fn header(
    p: &mut Page,
    doc: &Document,
    w: &Words,
    nb: bool,
    mode: Mode,
    accent: (f32, f32, f32),
) -> f32 {
    let s = &doc.seller;
    let top = PAGE_H - MARGIN;
    // The logo, if any, sits top left in a 110 × 45 pt box; the seller's name beside it.
    let name_x = match &s.logo {
        Some(logo) => {
            let scale = (110.0 / logo.width as f32).min(45.0 / logo.height as f32);
            let (lw, lh) = (logo.width as f32 * scale, logo.height as f32 * scale);
            let _ = writeln!(
                p.0,
                "q {} 0 0 {} {} {} cm /Logo Do Q",
                Pt(lw),
                Pt(lh),
                Pt(MARGIN),
                Pt(top + 5.0 - lh)
            );
            MARGIN + lw + 12.0
        }
        None => MARGIN,
    };
    if s.template == "modern" {
        // A colour band with the name and the title in white.
        p.fill(accent, 0.0, PAGE_H - 62.0, PAGE_W, 62.0);
        p.color((1.0, 1.0, 1.0));
        p.text(name_x, PAGE_H - 40.0, 16.0, true, &s.name);
        p.right(PAGE_W - MARGIN, PAGE_H - 40.0, 20.0, true, title(doc, w));
        p.color((0.0, 0.0, 0.0));
    } else {
        p.fill(accent, 0.0, PAGE_H - 14.0, PAGE_W, 14.0);
        p.text(name_x, top - 10.0, 16.0, true, &s.name);
        p.right(PAGE_W - MARGIN, top - 10.0, 20.0, true, title(doc, w));
    }
    let mut y = top - 26.0;
    for l in [
        s.address.street.clone(),
        Some(format!(
            "{} {}",
            s.address.postcode.clone().unwrap_or_default(),
            s.address.city.clone().unwrap_or_default()
        )),
    ]
    .into_iter()
    .flatten()
    {
        p.text(name_x, y, 9.0, false, &l);
        y -= 11.0;
    }
    p.text(name_x, y, 9.0, false, &seller_line(doc, w));
    if mode == Mode::Preview {
        p.right(PAGE_W - MARGIN, top - 30.0, 14.0, true, w.preview);
    }

    // Buyer block.
    let c = &doc.customer;
    let mut by = top - 90.0;
    p.text(MARGIN, by, 10.0, true, &c.name);
    for l in [
        c.address.street.clone(),
        Some(format!(
            "{} {}",
            c.address.postcode.clone().unwrap_or_default(),
            c.address.city.clone().unwrap_or_default()
        )),
        c.orgnr.as_ref().map(|o| format!("{} {o}", w.orgnr)),
    ]
    .into_iter()
    .flatten()
    {
        by -= 12.0;
        p.text(MARGIN, by, 9.0, false, &l);
    }

    // Document facts, right column.
    let number = match mode {
        Mode::Preview => w.assigned.to_string(),
        Mode::Issued => doc.number.to_string(),
    };
    let mut facts: Vec<(&str, String)> = vec![
        (
            if doc.kind == Kind::Invoice {
                w.number
            } else {
                w.credit_note
            },
            number,
        ),
        (w.issue_date, date(doc.issue_date, nb)),
    ];
    if let Some(d) = doc.delivery_date {
        facts.push((w.delivery_date, date(d, nb)));
    }
    if doc.kind == Kind::Invoice {
        facts.push((w.due_date, date(doc.due_date, nb)));
    }
    facts.push((w.customer_no, doc.customer.number.to_string()));
    for (label, v) in [
        (w.buyer_ref, &doc.references.buyer),
        (w.our_ref, &doc.references.ours),
        (w.order_ref, &doc.references.order),
    ] {
        if let Some(v) = v {
            facts.push((label, v.clone()));
        }
    }
    if let Some(cr) = &doc.credited {
        facts.push((
            w.credits,
            format!("{} ({})", cr.number, date(cr.issue_date, nb)),
        ));
    }
    let mut fy = top - 90.0;
    for (label, v) in &facts {
        p.text(360.0, fy, 9.0, true, label);
        p.right(PAGE_W - MARGIN, fy, 9.0, false, &fit(v, 110.0, 9.0));
        fy -= 12.0;
    }
    let mut y = by.min(fy) - 14.0;
    if let Some(r) = &doc.credit_reason {
        p.text(
            MARGIN,
            y,
            9.0,
            false,
            &fit(&format!("{}: {r}", w.reason), PAGE_W - 2.0 * MARGIN, 9.0),
        );
        y -= 12.0;
    }
    if let Some(n) = &doc.note {
        for l in n.lines().take(4) {
            p.text(MARGIN, y, 9.0, false, &fit(l, PAGE_W - 2.0 * MARGIN, 9.0));
            y -= 12.0;
        }
    }
    y - 10.0
}

fn summary(p: &mut Page, doc: &Document, totals: &Totals, w: &Words, nb: bool, mut y: f32) {
    p.rule(y + ROW_H - 4.0);
    y -= 6.0;
    p.text(300.0, y, 9.0, true, w.vat_summary);
    y -= ROW_H;
    for (i, h) in w.vat_cols.iter().enumerate() {
        p.right(SUMMARY_COLS[i], y, 8.5, true, h);
    }
    for g in &totals.groups {
        y -= ROW_H;
        p.right(
            SUMMARY_COLS[0],
            y,
            8.5,
            false,
            &vat_label(g.code, w, nb, true),
        );
        p.right(SUMMARY_COLS[1], y, 8.5, false, &amount(g.base, nb));
        p.right(SUMMARY_COLS[2], y, 8.5, false, &amount(g.vat, nb));
        p.right(
            PAGE_W - MARGIN,
            y,
            8.5,
            false,
            &vat_label(g.code, w, nb, false).replace(" %", " % MVA"),
        );
    }
    y -= ROW_H * 1.5;
    let payable_label = if doc.kind == Kind::Invoice {
        w.payable
    } else {
        w.credited
    };
    for (label, v, bold) in [
        (w.net, totals.net, false),
        (w.vat, totals.vat, false),
        (payable_label, totals.payable, true),
    ] {
        p.text(300.0, y, 10.0, bold, &format!("{label} NOK"));
        p.right(PAGE_W - MARGIN, y, 10.0, bold, &amount(v, nb));
        y -= ROW_H + 1.0;
    }
    if totals
        .groups
        .iter()
        .any(|g| g.code == crate::vat::VatCode::ReverseCharge)
    {
        // The wording the law asks for, in Norwegian whatever the document's language.
        p.text(300.0, y, 9.0, true, crate::vat::REVERSE_CHARGE_TEXT);
        y -= ROW_H;
    }
    y -= ROW_H;
    let mut pay = vec![(w.account, account(&doc.seller.bank_account))];
    if let (Some(iban), Some(bic)) = (&doc.seller.iban, &doc.seller.bic) {
        pay.push(("IBAN / BIC", format!("{iban} / {bic}")));
    }
    if doc.kind == Kind::Invoice {
        pay.push((
            w.kid,
            doc.kid.clone().unwrap_or_else(|| {
                format!(
                    "{} ({}, {})",
                    w.assigned,
                    doc.seller.kid_length,
                    if doc.seller.kid_algorithm == crate::model::KidAlgorithm::Mod10 {
                        "MOD10"
                    } else {
                        "MOD11"
                    }
                )
            }),
        ));
        pay.push((w.due_date, date(doc.due_date, nb)));
    }
    for (label, v) in pay {
        p.text(MARGIN, y, 10.0, true, label);
        p.text(MARGIN + 90.0, y, 10.0, false, &v);
        y -= ROW_H + 1.0;
    }
}

/// `8601 11 17947`
fn account(a: &str) -> String {
    if a.len() == 11 {
        format!("{} {} {}", &a[..4], &a[4..6], &a[6..])
    } else {
        a.to_owned()
    }
}

/// Assemble the PDF file: catalog, pages, two standard fonts, the logo, content streams, xref.
fn write_pdf(pages: &[Page], title: &str, logo: Option<&Logo>) -> Vec<u8> {
    let n = pages.len();
    // Objects: 1 catalog, 2 pages, 3 F1, 4 F2, 5 info, 6 logo (or an empty dictionary), then
    // (page, content) pairs.
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 7 + 2 * i)).collect();
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        format!(
            "<< /Title {} /Producer (erp-invoicing) >>",
            pdf_string(title)
        )
        .into_bytes(),
    ];
    match logo {
        Some(l) => {
            let space = match l.components {
                1 => "/DeviceGray",
                4 => "/DeviceCMYK",
                _ => "/DeviceRGB",
            };
            let mut o = format!(
                "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace {space} /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
                l.width,
                l.height,
                l.jpeg.len()
            )
            .into_bytes();
            o.extend_from_slice(&l.jpeg);
            o.extend_from_slice(b"\nendstream");
            objs.push(o);
        }
        None => objs.push(b"<< >>".to_vec()),
    }
    let xobject = if logo.is_some() {
        " /XObject << /Logo 6 0 R >>"
    } else {
        ""
    };
    for (i, p) in pages.iter().enumerate() {
        objs.push(
            format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 4 0 R >>{xobject} >> /Contents {} 0 R >>", 8 + 2 * i)
                .into_bytes(),
        );
        objs.push(format!("<< /Length {} >>\nstream\n{}endstream", p.0.len(), p.0).into_bytes());
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objs.len());
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1);
    for o in offsets {
        let _ = write!(tail, "{o:010} 00000 n \n");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objs.len() + 1
    );
    out.extend_from_slice(tail.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_number_format() {
        assert_eq!(amount("13649.54".parse().unwrap(), true), "13 649,54");
        assert_eq!(amount("13649.54".parse().unwrap(), false), "13,649.54");
        assert_eq!(amount("-5".parse().unwrap(), true), "-5,00");
        assert_eq!(amount("999".parse().unwrap(), true), "999,00");
    }

    #[test]
    fn strings_are_escaped_in_winansi() {
        assert_eq!(pdf_string("a(b)\\ æ"), "(a\\(b\\)\\\\ \\346)");
        assert_eq!(pdf_string("€ Ω"), "(\\200 ?)");
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
