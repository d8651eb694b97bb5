//! EHF / Peppol BIS Billing 3.0: an issued document as a UBL 2.1 `Invoice` (380) or `CreditNote`
//! (381). Elements are written in schema order (UBL is an xsd:sequence); see shared/docs/ehf.md.

use crate::calc::{self, Totals};
use crate::model::{Address, Document, Kind};
use crate::money::fmt_plain;
use std::fmt::Write;

const CUSTOMIZATION: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

/// The buyer reference EHF requires (PEPPOL-EN16931-R003): "Deres ref", else the order
/// reference, else the customer number.
pub fn buyer_reference(doc: &Document) -> String {
    doc.references
        .buyer
        .clone()
        .or_else(|| doc.references.order.clone())
        .unwrap_or_else(|| format!("Kundenr {}", doc.customer.number))
}

/// The buyer's Peppol address `0192:<orgnr>`. Consumers have none (Peppol's EAS list has no
/// e-mail scheme), so their documents have no EHF form.
fn buyer_endpoint(doc: &Document) -> Option<(&'static str, String)> {
    doc.customer.orgnr.clone().map(|o| ("0192", o))
}

/// The document being written, into one buffer sized for it: every element is written in
/// place, text escaped in runs between the characters XML reserves. The second field is the
/// document's currency, every amount's but the VAT in NOK of one in another currency.
struct Xml(String, String);

impl Xml {
    /// Text for element content and attribute values.
    fn text(&mut self, s: &str) {
        let mut from = 0;
        for (i, b) in s.bytes().enumerate() {
            let entity = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&apos;",
                _ => continue,
            };
            self.0.push_str(&s[from..i]);
            self.0.push_str(entity);
            from = i + 1;
        }
        self.0.push_str(&s[from..]);
    }
    fn el(&mut self, name: &str, text: &str) {
        self.open(name);
        self.text(text);
        self.close(name);
    }
    fn opt(&mut self, name: &str, text: &Option<String>) {
        if let Some(t) = text.as_deref().filter(|t| !t.is_empty()) {
            self.el(name, t);
        }
    }
    /// An element whose text is a number (a document or line number).
    fn display(&mut self, name: &str, v: impl std::fmt::Display) {
        self.open(name);
        let _ = write!(self.0, "{v}");
        self.close(name);
    }
    /// `<name attr="value">`.
    fn open_with(&mut self, name: &str, attr: &str, value: &str) {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push(' ');
        self.0.push_str(attr);
        self.0.push_str("=\"");
        self.text(value);
        self.0.push_str("\">");
    }
    /// `<name attr="value">text</name>`.
    fn el_with(&mut self, name: &str, attr: &str, value: &str, text: &str) {
        self.open_with(name, attr, value);
        self.text(text);
        self.close(name);
    }
    /// An amount in the document's currency with `scale` decimals.
    fn money(&mut self, name: &str, v: rust_decimal::Decimal, scale: u32) {
        let currency = std::mem::take(&mut self.1);
        self.money_in(name, v, scale, &currency);
        self.1 = currency;
    }
    fn money_in(&mut self, name: &str, v: rust_decimal::Decimal, scale: u32, currency: &str) {
        self.open_with(name, "currencyID", currency);
        crate::money::write_fixed(&mut self.0, v, scale, '.', None);
        self.close(name);
    }
    fn amount(&mut self, name: &str, v: rust_decimal::Decimal) {
        self.money(name, v, 2);
    }
    fn open(&mut self, name: &str) {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push('>');
    }
    fn close(&mut self, name: &str) {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push('>');
    }
    fn address(&mut self, a: &Address) {
        self.open("cac:PostalAddress");
        self.opt("cbc:StreetName", &a.street);
        self.opt("cbc:CityName", &a.city);
        self.opt("cbc:PostalZone", &a.postcode);
        self.open("cac:Country");
        self.el(
            "cbc:IdentificationCode",
            a.country.as_deref().unwrap_or("NO"),
        );
        self.close("cac:Country");
        self.close("cac:PostalAddress");
    }
}

/// Render `doc` as EHF, with the PDF embedded when given. None when the buyer has no
/// electronic address.
pub fn render(doc: &Document, totals: &Totals, pdf: Option<&[u8]>) -> Option<String> {
    let (scheme, endpoint) = buyer_endpoint(doc)?;
    let (root, ns, line_el, qty_el) = match doc.kind {
        Kind::Invoice => (
            "Invoice",
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
            "cac:InvoiceLine",
            "cbc:InvoicedQuantity",
        ),
        Kind::CreditNote => (
            "CreditNote",
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
            "cac:CreditNoteLine",
            "cbc:CreditedQuantity",
        ),
    };
    let mut x = Xml(
        String::with_capacity(
            4096 + doc.lines.len() * 900 + pdf.map_or(0, |p| p.len() * 4 / 3 + 256),
        ),
        doc.currency.clone(),
    );
    let _ = write!(
        x.0,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{ns}\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">"
    );
    x.el("cbc:CustomizationID", CUSTOMIZATION);
    x.el("cbc:ProfileID", PROFILE);
    x.display("cbc:ID", doc.number);
    x.el("cbc:IssueDate", &doc.issue_date.to_string());
    match doc.kind {
        Kind::Invoice => {
            x.el("cbc:DueDate", &doc.due_date.to_string());
            x.el("cbc:InvoiceTypeCode", "380");
        }
        Kind::CreditNote => x.el("cbc:CreditNoteTypeCode", "381"),
    }
    // One document-level note at most (PEPPOL-EN16931-R002): the credit reason, then the note.
    let note = [doc.credit_reason.clone(), doc.note.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    x.opt("cbc:Note", &Some(note));
    x.el("cbc:DocumentCurrencyCode", &doc.currency);
    // In another currency the VAT is stated in NOK as well (BT-6, BT-111; currency.md §1).
    if totals.nok.is_some() {
        x.el("cbc:TaxCurrencyCode", crate::currency::NOK);
    }
    x.el("cbc:BuyerReference", &buyer_reference(doc));
    if let Some(order) = &doc.references.order {
        x.open("cac:OrderReference");
        x.el("cbc:ID", order);
        x.close("cac:OrderReference");
    }
    if let Some(c) = &doc.credited {
        x.open("cac:BillingReference");
        x.open("cac:InvoiceDocumentReference");
        x.display("cbc:ID", c.number);
        x.el("cbc:IssueDate", &c.issue_date.to_string());
        x.close("cac:InvoiceDocumentReference");
        x.close("cac:BillingReference");
    }
    if let Some(pdf) = pdf {
        let name = format!(
            "{}-{}.pdf",
            if doc.kind == Kind::Invoice {
                "Faktura"
            } else {
                "Kreditnota"
            },
            doc.number
        );
        x.open("cac:AdditionalDocumentReference");
        x.el("cbc:ID", &name);
        x.el(
            "cbc:DocumentDescription",
            if doc.kind == Kind::Invoice {
                "Faktura"
            } else {
                "Kreditnota"
            },
        );
        x.open("cac:Attachment");
        let _ = write!(
            x.0,
            "<cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf\" filename=\"{name}\">"
        );
        // Straight into the document (sized for it above): no second copy of the PDF.
        base64::Engine::encode_string(&base64::engine::general_purpose::STANDARD, pdf, &mut x.0);
        x.0.push_str("</cbc:EmbeddedDocumentBinaryObject>");
        x.close("cac:Attachment");
        x.close("cac:AdditionalDocumentReference");
    }
    seller(&mut x, doc);
    buyer(&mut x, doc, scheme, &endpoint);
    if let Some(d) = doc.delivery_date {
        x.open("cac:Delivery");
        x.el("cbc:ActualDeliveryDate", &d.to_string());
        x.close("cac:Delivery");
    }
    payment(&mut x, doc);
    tax_total(&mut x, totals);
    x.open("cac:LegalMonetaryTotal");
    x.amount("cbc:LineExtensionAmount", totals.net);
    x.amount("cbc:TaxExclusiveAmount", totals.net);
    x.amount("cbc:TaxInclusiveAmount", totals.payable);
    x.amount("cbc:PayableAmount", totals.payable);
    x.close("cac:LegalMonetaryTotal");
    for (line, a) in doc.lines.iter().zip(&totals.lines) {
        let code = calc::effective_code(line.vat, doc.seller.vat_registered);
        x.open(line_el);
        x.display("cbc:ID", line.id);
        x.open_with(qty_el, "unitCode", &line.unit);
        crate::money::write_plain(&mut x.0, line.quantity);
        x.close(qty_el);
        x.amount("cbc:LineExtensionAmount", a.net);
        line_adjustment(&mut x, line, a);
        x.open("cac:Item");
        x.el("cbc:Name", &line.description);
        if let Some(p) = &line.product_id {
            x.open("cac:SellersItemIdentification");
            x.el("cbc:ID", p);
            x.close("cac:SellersItemIdentification");
        }
        tax_category(&mut x, "cac:ClassifiedTaxCategory", code, false);
        x.close("cac:Item");
        x.open("cac:Price");
        // A unit price keeps up to 4 decimals (only totals are limited to 2).
        let scale = line.unit_price.normalize().scale().max(2);
        x.money("cbc:PriceAmount", line.unit_price, scale);
        x.close("cac:Price");
        x.close(line_el);
    }
    let _ = writeln!(x.0, "</{root}>");
    Some(x.0)
}

/// The line discount (PEPPOL-EN16931-R120: net = qty × price + charges − allowances, and an
/// adjustment's amount is never negative). A discount brings the line towards zero: on a sold
/// item it is an allowance of gross × % (stated with percentage and base, R040-R042); on a
/// returned item (negative gross) the same size is a charge. A credit line whose net is fixed by
/// what was left of the invoice line states the difference as an amount only: its percentage
/// no longer describes it.
fn line_adjustment(x: &mut Xml, line: &crate::model::Line, a: &crate::calc::LineAmounts) {
    if a.discount.is_zero() {
        return;
    }
    let charge = a.discount.is_sign_negative();
    let fixed = line.fixed_net.is_some();
    let reason = match (fixed, charge) {
        (false, false) => "Rabatt",
        (false, true) => "Rabatt på returnert vare",
        (true, false) => "Rabatt og tidligere kreditert",
        (true, true) => "Avrunding",
    };
    let percentage = !fixed && !charge;
    x.open("cac:AllowanceCharge");
    x.el("cbc:ChargeIndicator", if charge { "true" } else { "false" });
    if !charge {
        x.el("cbc:AllowanceChargeReasonCode", "95");
    }
    x.el("cbc:AllowanceChargeReason", reason);
    if percentage {
        x.el(
            "cbc:MultiplierFactorNumeric",
            &fmt_plain(line.discount_percent),
        );
    }
    x.amount("cbc:Amount", a.discount.abs());
    if percentage {
        x.amount("cbc:BaseAmount", a.gross);
    }
    x.close("cac:AllowanceCharge");
}

fn vat_scheme(x: &mut Xml) {
    x.open("cac:TaxScheme");
    x.el("cbc:ID", "VAT");
    x.close("cac:TaxScheme");
}

fn seller(x: &mut Xml, doc: &Document) {
    let s = &doc.seller;
    x.open("cac:AccountingSupplierParty");
    x.open("cac:Party");
    let _ = write!(
        x.0,
        "<cbc:EndpointID schemeID=\"0192\">{}</cbc:EndpointID>",
        s.orgnr
    );
    x.open("cac:PartyName");
    x.el("cbc:Name", &s.name);
    x.close("cac:PartyName");
    x.address(&s.address);
    if s.vat_registered {
        x.open("cac:PartyTaxScheme");
        x.el("cbc:CompanyID", &format!("NO{}MVA", s.orgnr));
        vat_scheme(x);
        x.close("cac:PartyTaxScheme");
    }
    if s.foretaksregisteret {
        x.open("cac:PartyTaxScheme");
        x.el("cbc:CompanyID", "Foretaksregisteret");
        x.open("cac:TaxScheme");
        x.el("cbc:ID", "TAX");
        x.close("cac:TaxScheme");
        x.close("cac:PartyTaxScheme");
    }
    x.open("cac:PartyLegalEntity");
    x.el("cbc:RegistrationName", &s.name);
    let _ = write!(
        x.0,
        "<cbc:CompanyID schemeID=\"0192\">{}</cbc:CompanyID>",
        s.orgnr
    );
    x.close("cac:PartyLegalEntity");
    x.close("cac:Party");
    x.close("cac:AccountingSupplierParty");
}

fn buyer(x: &mut Xml, doc: &Document, scheme: &str, endpoint: &str) {
    let c = &doc.customer;
    x.open("cac:AccountingCustomerParty");
    x.open("cac:Party");
    x.el_with("cbc:EndpointID", "schemeID", scheme, endpoint);
    x.open("cac:PartyName");
    x.el("cbc:Name", &c.name);
    x.close("cac:PartyName");
    x.address(&c.address);
    x.open("cac:PartyLegalEntity");
    x.el("cbc:RegistrationName", &c.name);
    if let Some(o) = &c.orgnr {
        x.el_with("cbc:CompanyID", "schemeID", "0192", o);
    }
    x.close("cac:PartyLegalEntity");
    x.close("cac:Party");
    x.close("cac:AccountingCustomerParty");
}

fn payment(x: &mut Xml, doc: &Document) {
    let s = &doc.seller;
    // One means only: Peppol wants every means code equal (UBL-SR-47) and one due date
    // (UBL-SR-45). A domestic transfer (30) to the BBAN, with the BIC when the client has one.
    x.open("cac:PaymentMeans");
    x.el("cbc:PaymentMeansCode", "30");
    if doc.kind == Kind::CreditNote {
        x.el("cbc:PaymentDueDate", &doc.due_date.to_string());
    }
    x.opt("cbc:PaymentID", &doc.kid);
    x.open("cac:PayeeFinancialAccount");
    // Paid from abroad in another currency: to the IBAN (required then, `check_issuable`).
    let account = match &s.iban {
        Some(iban) if doc.currency != crate::currency::NOK => iban,
        _ => &s.bank_account,
    };
    x.el("cbc:ID", account);
    if let Some(bic) = &s.bic {
        x.open("cac:FinancialInstitutionBranch");
        x.el("cbc:ID", bic);
        x.close("cac:FinancialInstitutionBranch");
    }
    x.close("cac:PayeeFinancialAccount");
    x.close("cac:PaymentMeans");
    x.open("cac:PaymentTerms");
    let terms = match &doc.credited {
        Some(c) => format!(
            "Kreditnota til faktura {} av {}",
            c.number,
            crate::dates::nb(c.issue_date)
        ),
        None => format!(
            "Forfall {}, {} dager netto",
            crate::dates::nb(doc.due_date),
            (doc.due_date - doc.issue_date).num_days()
        ),
    };
    let terms = match &s.iban {
        Some(iban) => format!("{terms}. IBAN {iban}"),
        None => terms,
    };
    x.el("cbc:Note", &terms);
    x.close("cac:PaymentTerms");
}

/// A VAT category: ID, percent (none for O), the exemption reason where the subtotal needs one
/// (the line's category must not carry it), and the VAT scheme.
fn tax_category(x: &mut Xml, element: &str, code: crate::vat::VatCode, with_reason: bool) {
    x.open(element);
    x.el("cbc:ID", code.category());
    if code.category() != "O" {
        x.el("cbc:Percent", &fmt_plain(code.rate()));
    }
    if let (true, Some((reason_code, text))) = (with_reason, code.exemption_reason()) {
        if let Some(c) = reason_code {
            x.el("cbc:TaxExemptionReasonCode", c);
        }
        x.el("cbc:TaxExemptionReason", text);
    }
    vat_scheme(x);
    x.close(element);
}

fn tax_total(x: &mut Xml, totals: &Totals) {
    x.open("cac:TaxTotal");
    x.amount("cbc:TaxAmount", totals.vat);
    for g in &totals.groups {
        x.open("cac:TaxSubtotal");
        x.amount("cbc:TaxableAmount", g.base);
        x.amount("cbc:TaxAmount", g.vat);
        tax_category(x, "cac:TaxCategory", g.code, true);
        x.close("cac:TaxSubtotal");
    }
    x.close("cac:TaxTotal");
    // The VAT in NOK: exactly one more TaxTotal, with no subtotals (PEPPOL-EN16931-R053/R054).
    if let Some(nok) = &totals.nok {
        x.open("cac:TaxTotal");
        x.money_in("cbc:TaxAmount", nok.vat, 2, crate::currency::NOK);
        x.close("cac:TaxTotal");
    }
}

/// EHF Reminder 3.0 (receivables.md §3; anskaffelser's ehf-postaward-g3, `reminder-3.0`): a
/// UBL `Invoice` with the reminder's profile and no type code, referring to the invoice it
/// chases (BG-3). What is outstanding is its lines (the invoice's principal, the charges of
/// earlier notices); the fee is a document-level charge with the reason code `REM`, the
/// interest another. None of it is a supply, so all of it is outside the VAT base: exempt
/// (E, 0 %) for a VAT-registered seller, as the guide's example has it, and O for one that is
/// not. The reminder's data model has no attachments: the letter's words are its note.
pub struct Reminder<'a> {
    /// The invoice it chases, with the client as it is today.
    pub invoice: &'a Document,
    /// Its own id: the invoice's number and the step (a reminder takes no number of its own).
    pub id: String,
    pub sent: chrono::NaiveDate,
    pub deadline: chrono::NaiveDate,
    pub principal: rust_decimal::Decimal,
    pub earlier_charges: rust_decimal::Decimal,
    pub fee: rust_decimal::Decimal,
    pub compensation: rust_decimal::Decimal,
    pub interest: rust_decimal::Decimal,
    pub note: String,
}

const REMINDER_CUSTOMIZATION: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0#conformant#urn:fdc:anskaffelser.no:2019:ehf:reminder:3.0";
const REMINDER_PROFILE: &str = "urn:fdc:anskaffelser.no:2019:ehf:postaward:g3:06:1.0";

/// Render a reminder as EHF Reminder 3.0; none when the buyer has no Peppol address.
pub fn render_reminder(r: &Reminder) -> Option<String> {
    let doc = r.invoice;
    let (scheme, endpoint) = buyer_endpoint(doc)?;
    let code = calc::effective_code(crate::vat::VatCode::Exempt, doc.seller.vat_registered);
    let mut x = Xml(String::with_capacity(8192), crate::currency::NOK.into());
    x.0.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">");
    x.el("cbc:CustomizationID", REMINDER_CUSTOMIZATION);
    x.el("cbc:ProfileID", REMINDER_PROFILE);
    x.el("cbc:ID", &r.id);
    x.el("cbc:IssueDate", &r.sent.to_string());
    x.el("cbc:DueDate", &r.deadline.to_string());
    x.el("cbc:Note", &r.note);
    x.el("cbc:DocumentCurrencyCode", "NOK");
    x.el("cbc:BuyerReference", &buyer_reference(doc));
    x.open("cac:BillingReference");
    x.open("cac:InvoiceDocumentReference");
    x.display("cbc:ID", doc.number);
    x.el("cbc:IssueDate", &doc.issue_date.to_string());
    x.close("cac:InvoiceDocumentReference");
    x.close("cac:BillingReference");
    seller(&mut x, doc);
    buyer(&mut x, doc, scheme, &endpoint);
    let s = &doc.seller;
    x.open("cac:PaymentMeans");
    x.el("cbc:PaymentMeansCode", "30");
    x.opt("cbc:PaymentID", &doc.kid);
    x.open("cac:PayeeFinancialAccount");
    // Paid from abroad in another currency: to the IBAN (required then, `check_issuable`).
    let account = match &s.iban {
        Some(iban) if doc.currency != crate::currency::NOK => iban,
        _ => &s.bank_account,
    };
    x.el("cbc:ID", account);
    if let Some(bic) = &s.bic {
        x.open("cac:FinancialInstitutionBranch");
        x.el("cbc:ID", bic);
        x.close("cac:FinancialInstitutionBranch");
    }
    x.close("cac:PayeeFinancialAccount");
    x.close("cac:PaymentMeans");
    x.open("cac:PaymentTerms");
    x.el(
        "cbc:Note",
        &format!("Betalingsfrist {}", crate::dates::nb(r.deadline)),
    );
    x.close("cac:PaymentTerms");
    let charges = [
        (r.fee, Some("REM"), "Purregebyr"),
        (
            r.compensation,
            None,
            "Standardkompensasjon (forsinkelsesrenteloven § 3a)",
        ),
        (r.interest, None, "Forsinkelsesrente"),
    ];
    for (amount, reason_code, reason) in charges {
        if amount.is_zero() {
            continue;
        }
        x.open("cac:AllowanceCharge");
        x.el("cbc:ChargeIndicator", "true");
        if let Some(c) = reason_code {
            x.el("cbc:AllowanceChargeReasonCode", c);
        }
        x.el("cbc:AllowanceChargeReason", reason);
        x.amount("cbc:Amount", amount);
        tax_category(&mut x, "cac:TaxCategory", code, false);
        x.close("cac:AllowanceCharge");
    }
    let lines: Vec<(String, rust_decimal::Decimal)> = [
        (format!("Utestående på faktura {}", doc.number), r.principal),
        ("Tidligere gebyr og renter".to_owned(), r.earlier_charges),
    ]
    .into_iter()
    .filter(|(_, a)| !a.is_zero())
    .collect();
    let net: rust_decimal::Decimal = lines.iter().map(|(_, a)| *a).sum();
    let charged = r.fee + r.compensation + r.interest;
    let total = net + charged;
    x.open("cac:TaxTotal");
    x.amount("cbc:TaxAmount", rust_decimal::Decimal::ZERO);
    x.open("cac:TaxSubtotal");
    x.amount("cbc:TaxableAmount", total);
    x.amount("cbc:TaxAmount", rust_decimal::Decimal::ZERO);
    tax_category(&mut x, "cac:TaxCategory", code, true);
    x.close("cac:TaxSubtotal");
    x.close("cac:TaxTotal");
    x.open("cac:LegalMonetaryTotal");
    x.amount("cbc:LineExtensionAmount", net);
    x.amount("cbc:TaxExclusiveAmount", total);
    x.amount("cbc:TaxInclusiveAmount", total);
    if !charged.is_zero() {
        x.amount("cbc:ChargeTotalAmount", charged);
    }
    x.amount("cbc:PayableAmount", total);
    x.close("cac:LegalMonetaryTotal");
    for (i, (text, amount)) in lines.iter().enumerate() {
        x.open("cac:InvoiceLine");
        x.display("cbc:ID", i + 1);
        x.el_with("cbc:InvoicedQuantity", "unitCode", "C62", "1");
        x.amount("cbc:LineExtensionAmount", *amount);
        x.open("cac:Item");
        x.el("cbc:Name", text);
        tax_category(&mut x, "cac:ClassifiedTaxCategory", code, false);
        x.close("cac:Item");
        x.open("cac:Price");
        x.amount("cbc:PriceAmount", *amount);
        x.close("cac:Price");
        x.close("cac:InvoiceLine");
    }
    x.0.push_str("</Invoice>\n");
    Some(x.0)
}
