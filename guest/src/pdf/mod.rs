//! The invoice as the recipient sees it, as PDF: seller and buyer blocks, dates and references,
//! a lines table that flows over pages with its header repeated, the VAT summary per rate,
//! totals and payment details (norway.md §1). The same renderer makes the preview, the issued
//! invoice and the credit note.
//!
//! Written with `pdf-writer`, in DejaVu Sans embedded as a subset with a ToUnicode map
//! (`typeset`), so every name prints and extracts exactly; long text wraps by the font's real
//! widths and rows grow, so nothing is ever cut. A character the font lacks prints as the
//! replacement mark, and the preview lists it.

mod content;
mod format;
pub mod letter;
mod words;

use crate::calc::{self, Totals};
use crate::logo::Logo;
use crate::model::{Document, Kind, Language};
use crate::typeset::Typesetter;
use content::Page;
use format::{account, amount, date, price, qty};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, TextStr};
use words::{words, Words};

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

/// The pages being drawn, the one being drawn on, and the fonts they use.
struct Sheet {
    ts: Typesetter,
    pages: Vec<Page>,
    current: usize,
    /// The glyphs of the text being drawn (reused: one allocation per document).
    glyphs: Vec<u16>,
}

impl Sheet {
    fn new() -> Sheet {
        Sheet {
            ts: Typesetter::default(),
            pages: vec![Page::default()],
            current: 0,
            glyphs: Vec::new(),
        }
    }
    fn page(&mut self) -> &mut Page {
        &mut self.pages[self.current]
    }
    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.current = self.pages.len() - 1;
    }
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.ts.encode(s, size, bold, &mut self.glyphs);
        self.pages[self.current].show(x, y, size, bold, &self.glyphs);
    }
    /// `s` ending at `x_right`.
    fn right(&mut self, x_right: f32, y: f32, size: f32, bold: bool, s: &str) {
        let w = self.ts.encode(s, size, bold, &mut self.glyphs);
        self.pages[self.current].show(x_right - w, y, size, bold, &self.glyphs);
    }
    fn wrap(&mut self, s: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
        self.ts.wrap(s, width, size, bold)
    }
    /// The colour of what is drawn next (text and fills).
    fn color(&mut self, rgb: (f32, f32, f32)) {
        self.page().fill_color(rgb);
    }
    fn rule(&mut self, y: f32) {
        self.page().hline(MARGIN, PAGE_W - MARGIN, y, 0.6);
    }
    fn fill(&mut self, rgb: (f32, f32, f32), x: f32, y: f32, w: f32, h: f32) {
        self.page().rect(rgb, x, y, w, h);
    }
}

/// Column right edges of the VAT summary: rate, base, VAT, category (its label needs ~90 pt).
const SUMMARY_COLS: [f32; 4] = [320.0, 395.0, 450.0, PAGE_W - MARGIN];

/// Column right edges of the lines table (the description is left-aligned at the margin).
const COLS: [f32; 7] = [MARGIN, 315.0, 350.0, 405.0, 447.0, 477.0, PAGE_W - MARGIN];
/// The description column's width, and the spacing of its wrapped lines.
const DESCRIPTION_W: f32 = COLS[1] - COLS[0] - 40.0;
const WRAPPED_H: f32 = 10.5;
/// Where a page's table starts below the top margin.
const PAGE_TOP: f32 = PAGE_H - MARGIN - 20.0;

fn table_header(p: &mut Sheet, w: &Words, y: f32) {
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

/// Every text of the document that the font lacks a character of, for the preview's warning.
fn missing_chars(ts: &mut Typesetter, doc: &Document) -> Vec<char> {
    let (s, c, r) = (&doc.seller, &doc.customer, &doc.references);
    let texts = [&s.address, &c.address]
        .into_iter()
        .flat_map(|a| [&a.street, &a.postcode, &a.city, &a.country])
        .chain([
            &c.orgnr,
            &r.buyer,
            &r.ours,
            &r.order,
            &doc.note,
            &doc.credit_reason,
        ])
        .flatten()
        .chain([&s.name, &c.name])
        .chain(doc.lines.iter().flat_map(|l| [&l.description, &l.unit]));
    let mut missing: Vec<char> = texts
        .flat_map(|t| t.chars())
        .filter(|ch| !ts.has(*ch))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// Render the document. `Mode::Preview` marks it, shows no number and lists any character the
/// font lacks.
pub fn render(doc: &Document, totals: &Totals, mode: Mode) -> Vec<u8> {
    let (w, lang) = words(doc);
    let accent = if doc.seller.template == "modern" {
        (0.12, 0.35, 0.55)
    } else {
        (0.2, 0.2, 0.2)
    };
    let mut p = Sheet::new();
    // Only the preview lists what the font lacks: a pass over every text of the document.
    let missing = match mode {
        Mode::Preview => missing_chars(&mut p.ts, doc),
        Mode::Issued => Vec::new(),
    };
    let mut y = header(&mut p, doc, w, lang, mode, accent);
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|c| format!("{c} (U+{:04X})", *c as u32))
            .collect();
        let text = format!("{} {}", w.missing, list.join(", "));
        p.color((0.7, 0.0, 0.0));
        for l in p.wrap(&text, PAGE_W - 2.0 * MARGIN, 9.0, true) {
            p.text(MARGIN, y, 9.0, true, &l);
            y -= 12.0;
        }
        p.color((0.0, 0.0, 0.0));
        y -= 6.0;
    }

    table_header(&mut p, w, y);
    y -= ROW_H + 4.0;
    // The VAT column's label per code, written once: most lines share one or two codes.
    let mut labels: Vec<(crate::vat::VatCode, String)> = Vec::new();
    for (line, a) in doc.lines.iter().zip(&totals.lines) {
        let description = p.wrap(&line.description, DESCRIPTION_W, 8.5, false);
        let below = (description.len() - 1) as f32 * WRAPPED_H;
        if y - below < TABLE_BOTTOM {
            p.new_page();
            y = PAGE_TOP;
            table_header(&mut p, w, y);
            y -= ROW_H + 4.0;
        }
        for (i, l) in description.iter().enumerate() {
            p.text(COLS[0], y - i as f32 * WRAPPED_H, 8.5, false, l);
        }
        p.right(COLS[1], y, 8.5, false, &qty(line.quantity, lang));
        p.text(COLS[1] + 8.0, y, 8.5, false, &line.unit);
        p.right(COLS[3], y, 8.5, false, &price(line.unit_price, lang));
        if !line.discount_percent.is_zero() {
            p.right(
                COLS[4],
                y,
                8.5,
                false,
                &format!("{} %", qty(line.discount_percent, lang)),
            );
        }
        let code = calc::effective_code(line.vat, doc.seller.vat_registered);
        let at = match labels.iter().position(|(c, _)| *c == code) {
            Some(at) => at,
            None => {
                labels.push((code, vat_label(code, w, lang, true)));
                labels.len() - 1
            }
        };
        p.right(COLS[5], y, 8.5, false, &labels[at].1);
        p.right(COLS[6], y, 8.5, false, &amount(a.net, lang));
        y -= ROW_H + below;
    }
    // The summary needs about 10 rows plus one per VAT group; start a page if it will not fit.
    let needed = ROW_H * (10 + totals.groups.len()) as f32;
    if y - needed < TABLE_BOTTOM - 20.0 {
        p.new_page();
        y = PAGE_TOP;
    }
    summary(&mut p, doc, totals, w, lang, y);

    let count = p.pages.len();
    let footer = seller_line(doc, w.orgnr);
    for i in 0..count {
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
        p.current = i;
        let label_w = p.ts.width(&label, 8.0, false);
        p.right(PAGE_W - MARGIN, FOOTER_Y, 8.0, false, &label);
        let lines = p.wrap(&footer, PAGE_W - 2.0 * MARGIN - label_w - 12.0, 8.0, false);
        for (k, l) in lines.iter().enumerate() {
            p.text(MARGIN, FOOTER_Y - k as f32 * 9.0, 8.0, false, l);
        }
    }
    write_pdf(
        p,
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
fn seller_line(doc: &Document, orgnr: &str) -> String {
    let s = &doc.seller;
    let o = &s.orgnr;
    let mut line = format!(
        "{}, {} {} {} {}",
        s.name,
        orgnr,
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

fn vat_label(code: crate::vat::VatCode, w: &Words, lang: Language, short: bool) -> String {
    match code.category() {
        "S" => format!("{} %", qty(code.rate(), lang)),
        _ if short => "0 %".into(),
        "Z" => w.zero.into(),
        "E" => w.exempt.into(),
        "AE" => "Omvendt avgiftsplikt".into(),
        _ => w.outside.into(),
    }
}

/// "12 345 Oslo": the postcode and city of an address, when there are any.
fn place(a: &crate::model::Address) -> Option<String> {
    let t = format!(
        "{} {}",
        a.postcode.as_deref().unwrap_or_default(),
        a.city.as_deref().unwrap_or_default()
    );
    Some(t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn header(
    p: &mut Sheet,
    doc: &Document,
    w: &Words,
    lang: Language,
    mode: Mode,
    accent: (f32, f32, f32),
) -> f32 {
    let s = &doc.seller;
    let top = PAGE_H - MARGIN;
    // The logo, if any, sits top left in a 110 × 45 pt box; the seller's name beside it, clear
    // of the title (the preview mark goes below the name, so both wrap the name alike).
    let logo_box = s.logo.as_ref().map(|logo| {
        let scale = (110.0 / logo.width as f32).min(45.0 / logo.height as f32);
        (logo.width as f32 * scale, logo.height as f32 * scale)
    });
    let name_x = logo_box.map_or(MARGIN, |(lw, _)| MARGIN + lw + 12.0);
    let title_w = p.ts.width(title(doc, w), 20.0, true);
    let name = p.wrap(
        &s.name,
        PAGE_W - MARGIN - title_w - 20.0 - name_x,
        16.0,
        true,
    );
    let mut y = if s.template == "modern" {
        // A colour band as tall as the name needs, with the name and the title in white.
        let band = 44.0 + 18.0 * name.len() as f32;
        p.fill(accent, 0.0, PAGE_H - band, PAGE_W, band);
        p.color((1.0, 1.0, 1.0));
        p.right(PAGE_W - MARGIN, PAGE_H - 40.0, 20.0, true, title(doc, w));
        for (i, l) in name.iter().enumerate() {
            p.text(name_x, PAGE_H - 40.0 - 18.0 * i as f32, 16.0, true, l);
        }
        p.color((0.0, 0.0, 0.0));
        (PAGE_H - band - 14.0).min(top - 26.0)
    } else {
        p.fill(accent, 0.0, PAGE_H - 14.0, PAGE_W, 14.0);
        p.right(PAGE_W - MARGIN, top - 10.0, 20.0, true, title(doc, w));
        for (i, l) in name.iter().enumerate() {
            p.text(name_x, top - 10.0 - 18.0 * i as f32, 16.0, true, l);
        }
        top - 10.0 - 18.0 * name.len() as f32 + 2.0
    };
    // Drawn after the band, so the band never covers it.
    if let Some((lw, lh)) = logo_box {
        p.page().image(b"Logo", MARGIN, top + 5.0 - lh, lw, lh);
    }
    if mode == Mode::Preview {
        p.right(
            PAGE_W - MARGIN,
            (top - 30.0).min(y - 4.0),
            14.0,
            true,
            w.preview,
        );
    }
    for l in [
        s.address.street.clone(),
        place(&s.address),
        Some(seller_line(doc, w.orgnr)),
    ]
    .into_iter()
    .flatten()
    {
        // Clear of the preview mark on the right.
        for part in p.wrap(
            &l,
            PAGE_W - 2.0 * MARGIN - (name_x - MARGIN) - 150.0,
            9.0,
            false,
        ) {
            p.text(name_x, y, 9.0, false, &part);
            y -= 11.0;
        }
    }

    // Buyer block, left; the document's facts, right.
    let c = &doc.customer;
    let block_top = (y - 14.0).min(top - 90.0);
    let mut by = block_top;
    for l in p.wrap(&c.name, 280.0, 10.0, true) {
        p.text(MARGIN, by, 10.0, true, &l);
        by -= 12.0;
    }
    for l in [
        c.address.street.clone(),
        place(&c.address),
        c.orgnr.as_ref().map(|o| format!("{} {o}", w.orgnr)),
    ]
    .into_iter()
    .flatten()
    {
        for part in p.wrap(&l, 280.0, 9.0, false) {
            p.text(MARGIN, by, 9.0, false, &part);
            by -= 12.0;
        }
    }

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
        (w.issue_date, date(doc.issue_date, lang)),
    ];
    if let Some(d) = doc.delivery_date {
        facts.push((w.delivery_date, date(d, lang)));
    }
    if doc.kind == Kind::Invoice {
        facts.push((w.due_date, date(doc.due_date, lang)));
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
            format!("{} ({})", cr.number, date(cr.issue_date, lang)),
        ));
    }
    let mut fy = block_top;
    for (label, v) in &facts {
        p.text(360.0, fy, 9.0, true, label);
        for part in p.wrap(v, 110.0, 9.0, false) {
            p.right(PAGE_W - MARGIN, fy, 9.0, false, &part);
            fy -= 11.0;
        }
        fy -= 1.0;
    }
    let mut y = by.min(fy) - 14.0;
    // The reason and the note run over the full width, onto the next page if they must.
    let mut prose = Vec::new();
    if let Some(r) = &doc.credit_reason {
        prose.push(format!("{}: {r}", w.reason));
    }
    prose.extend(doc.note.clone());
    for text in prose {
        for l in p.wrap(&text, PAGE_W - 2.0 * MARGIN, 9.0, false) {
            if y < TABLE_BOTTOM {
                p.new_page();
                y = PAGE_TOP;
            }
            p.text(MARGIN, y, 9.0, false, &l);
            y -= 12.0;
        }
    }
    y - 10.0
}

fn summary(p: &mut Sheet, doc: &Document, totals: &Totals, w: &Words, lang: Language, mut y: f32) {
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
            &vat_label(g.code, w, lang, true),
        );
        p.right(SUMMARY_COLS[1], y, 8.5, false, &amount(g.base, lang));
        p.right(SUMMARY_COLS[2], y, 8.5, false, &amount(g.vat, lang));
        let label = vat_label(g.code, w, lang, false).replace(" %", " % MVA");
        p.right(PAGE_W - MARGIN, y, 8.5, false, &label);
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
        p.text(300.0, y, 10.0, bold, &format!("{label} {}", doc.currency));
        p.right(PAGE_W - MARGIN, y, 10.0, bold, &amount(v, lang));
        y -= ROW_H + 1.0;
    }
    // In another currency the VAT is stated in NOK too, with the rate and its day
    // (bokføringsforskriften § 5-1-1 nr. 6; currency.md §2).
    if let (Some(nok), Some(rate)) = (&totals.nok, &doc.rate) {
        let (vat_nok, base_nok, rate_word) = match lang {
            Language::Nb => ("MVA i NOK", "Grunnlag i NOK", "Kurs"),
            Language::En => ("VAT in NOK", "VAT base in NOK", "Rate"),
        };
        let base: rust_decimal::Decimal = nok.groups.iter().map(|(b, _)| *b).sum();
        for (label, v) in [(base_nok, base), (vat_nok, nok.vat)] {
            p.text(300.0, y, 9.0, false, label);
            p.right(PAGE_W - MARGIN, y, 9.0, false, &amount(v, lang));
            y -= ROW_H;
        }
        let line = format!(
            "{rate_word} {} = {} NOK ({}, {})",
            rate.currency,
            format::price(rate.rate, lang),
            rate.source,
            date(rate.date, lang)
        );
        p.text(300.0, y, 8.5, false, &line);
        y -= ROW_H;
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
    // An invoice in another currency has no KID: it is paid from abroad, by IBAN.
    if doc.kind == Kind::Invoice && doc.currency == crate::currency::NOK {
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
    }
    if doc.kind == Kind::Invoice {
        pay.push((w.due_date, date(doc.due_date, lang)));
    }
    for (label, v) in pay {
        p.text(MARGIN, y, 10.0, true, label);
        p.text(MARGIN + 90.0, y, 10.0, false, &v);
        y -= ROW_H + 1.0;
    }
}

/// Assemble the PDF file: catalog, pages, the two embedded fonts, the logo, content streams.
fn write_pdf(sheet: Sheet, title: &str, logo: Option<&Logo>) -> Vec<u8> {
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let (catalog, tree, info, fonts, logo_ref) =
        (alloc(), alloc(), alloc(), [alloc(), alloc()], alloc());
    let page_refs: Vec<(Ref, Ref)> = sheet.pages.iter().map(|_| (alloc(), alloc())).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(page_refs.len() as i32);
    for ((page, contents), content) in page_refs.iter().zip(sheet.pages) {
        let mut pg = pdf.page(*page);
        pg.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*contents);
        let mut resources = pg.resources();
        resources
            .fonts()
            .pair(Name(b"F1"), fonts[0])
            .pair(Name(b"F2"), fonts[1]);
        if logo.is_some() {
            resources.x_objects().pair(Name(b"Logo"), logo_ref);
        }
        resources.finish();
        pg.finish();
        pdf.stream(*contents, &content.finish());
    }
    if let Some(l) = logo {
        let mut image = pdf.image_xobject(logo_ref, &l.jpeg);
        image
            .width(l.width as i32)
            .height(l.height as i32)
            .bits_per_component(8);
        image.filter(Filter::DctDecode);
        match l.components {
            1 => image.color_space().device_gray(),
            4 => image.color_space().device_cmyk(),
            _ => image.color_space().device_rgb(),
        };
    }
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("erp-invoicing"));
    sheet.ts.write(&mut pdf, fonts, &mut alloc);
    pdf.finish()
}
