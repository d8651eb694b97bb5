//! The console's words: Bokmål by default, English by a switch.

use invoicing_host::bindings::{
    Channel, DeliveryState, DocumentKind, DocumentStatus, ItemState, PaymentOutcome, VatCode,
};

/// The units a small business invoices in, offered by name in the forms: (UN/ECE Rec. 20
/// code, Bokmål, English). Any other valid code may still be typed in a product's or line's
/// unit and is shown as its code.
pub const UNITS: [(&str, &str, &str); 13] = [
    ("EA", "Stk", "Pieces"),
    ("HUR", "Timer", "Hours"),
    ("DAY", "Dager", "Days"),
    ("WEE", "Uker", "Weeks"),
    ("MON", "Måneder", "Months"),
    ("ANN", "År", "Years"),
    ("KGM", "Kg", "Kg"),
    ("LTR", "Liter", "Litres"),
    ("MTR", "Meter", "Metres"),
    ("MTK", "m²", "m²"),
    ("KMT", "Km", "Km"),
    ("KWH", "kWh", "kWh"),
    ("SET", "Sett", "Sets"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nb,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::En => "en",
        }
    }
    pub fn words(self) -> &'static Words {
        match self {
            Lang::Nb => &NB,
            Lang::En => &EN,
        }
    }

    pub fn kind(self, k: DocumentKind) -> &'static str {
        match (k, self) {
            (DocumentKind::Draft, Lang::Nb) => "Utkast",
            (DocumentKind::Invoice, Lang::Nb) => "Faktura",
            (DocumentKind::CreditNote, Lang::Nb) => "Kreditnota",
            (DocumentKind::Draft, Lang::En) => "Draft",
            (DocumentKind::Invoice, Lang::En) => "Invoice",
            (DocumentKind::CreditNote, Lang::En) => "Credit note",
        }
    }

    pub fn status(self, s: DocumentStatus) -> &'static str {
        match (s, self) {
            (DocumentStatus::Draft, Lang::Nb) => "Utkast",
            (DocumentStatus::Issued, Lang::Nb) => "Utstedt",
            (DocumentStatus::PartiallyCredited, Lang::Nb) => "Delvis kreditert",
            (DocumentStatus::Credited, Lang::Nb) => "Kreditert",
            (DocumentStatus::Draft, Lang::En) => "Draft",
            (DocumentStatus::Issued, Lang::En) => "Issued",
            (DocumentStatus::PartiallyCredited, Lang::En) => "Partly credited",
            (DocumentStatus::Credited, Lang::En) => "Credited",
        }
    }

    /// What became of a payment.
    pub fn outcome(self, o: PaymentOutcome) -> &'static str {
        use PaymentOutcome as O;
        let (nb, en) = match o {
            O::Paid => ("Betalt", "Paid"),
            O::PartlyPaid => ("Delvis betalt", "Partly paid"),
            O::Overpaid => ("Overbetalt (kreditsaldo)", "Overpaid (credit balance)"),
            O::AlreadyPaid => (
                "Betalt to ganger (kreditsaldo)",
                "Paid twice (credit balance)",
            ),
            O::ToCreditedInvoice => (
                "Til kreditert faktura (kreditsaldo)",
                "To a credited invoice (credit balance)",
            ),
            O::UnknownKid => (
                "Ukjent KID – venter på deg",
                "Unknown KID – waiting for you",
            ),
            O::InvalidKid => (
                "Ugyldig KID – venter på deg",
                "Invalid KID – waiting for you",
            ),
            O::NoKid => ("Uten KID – venter på deg", "No KID – waiting for you"),
            O::Duplicate => ("Allerede registrert", "Registered before"),
            O::Reversal => ("Tilbakeført av banken", "Reversed by the bank"),
            O::Refund => ("Tilbakebetalt kunden", "Refunded to the customer"),
        };
        if self == Lang::Nb {
            nb
        } else {
            en
        }
    }

    /// Where an invoice stands in money.
    pub fn item_state(self, s: ItemState) -> &'static str {
        let (nb, en) = match s {
            ItemState::Open => ("Ubetalt", "Unpaid"),
            ItemState::PartlyPaid => ("Delvis betalt", "Partly paid"),
            ItemState::Paid => ("Betalt", "Paid"),
            ItemState::Overpaid => ("Overbetalt", "Overpaid"),
            ItemState::Credited => ("Kreditert", "Credited"),
        };
        if self == Lang::Nb {
            nb
        } else {
            en
        }
    }

    /// A VAT code (the contract's `vat-code`) as a bookkeeper names it.
    pub fn vat(self, code: VatCode) -> &'static str {
        let (nb, en) = match code {
            VatCode::Standard => ("25 % (høy sats)", "25 % (standard rate)"),
            VatCode::Medium => ("15 % (middels sats)", "15 % (reduced rate)"),
            VatCode::Low => ("12 % (lav sats)", "12 % (low rate)"),
            VatCode::ZeroRated => ("Fritatt (0 %)", "Zero-rated (0 %)"),
            VatCode::Exempt => ("Unntatt fra mva", "Exempt from VAT"),
            VatCode::ReverseCharge => ("Omvendt avgiftsplikt", "Reverse charge"),
            VatCode::Outside => ("Utenfor mva-loven", "Outside the VAT Act"),
        };
        self.say(nb, en)
    }

    /// A unit of measure (UN/ECE Rec. 20, as the EHF carries it) in words: the common ones
    /// by name, any other as its code.
    pub fn unit(self, code: &str) -> &str {
        UNITS
            .iter()
            .find(|(c, _, _)| *c == code)
            .map_or(code, |(_, nb, en)| self.say(nb, en))
    }

    /// A delivery channel by the name customers know it by.
    pub fn channel(self, c: Channel) -> &'static str {
        match c {
            Channel::Ehf => "EHF",
            Channel::Efaktura => "eFaktura",
            Channel::Avtalegiro => "AvtaleGiro",
            Channel::Email => self.say("E-post", "E-mail"),
            Channel::Print => self.say("Papirpost", "Letter by post"),
        }
    }

    /// One phrase in this language.
    pub fn say(self, nb: &'static str, en: &'static str) -> &'static str {
        if self == Lang::Nb {
            nb
        } else {
            en
        }
    }

    /// A call's error as the user reads it: a refusal worded from its case, in this language;
    /// anything else as the host writes it.
    pub fn error(self, e: &invoicing_host::CallError) -> String {
        use invoicing_host::bindings::{Error, Refusal as R};
        use invoicing_host::names::Name;
        let r = match e {
            invoicing_host::CallError::Component(Error::NotAllowed(r)) => r,
            invoicing_host::CallError::Component(Error::Invalid(f) | Error::MissingSettings(f)) => {
                // The field as the page names it, the problem worded from its case.
                return f
                    .iter()
                    .map(|f| self.field_error(f))
                    .collect::<Vec<_>>()
                    .join("; ");
            }
            _ => return e.to_string(),
        };
        let nb = self == Lang::Nb;
        match r {
            R::NotAnInvoice if nb => "Bare en faktura kan krediteres.".into(),
            R::NotAnInvoice => "Only an invoice can be credited.".into(),
            R::FullyCredited(n) if nb => format!("Faktura {n} er allerede kreditert i sin helhet."),
            R::FullyCredited(n) => format!("Invoice {n} is already credited in full."),
            R::IssuedMeanwhile(n) if nb => format!("Dette ble nettopp utstedt som nummer {n}."),
            R::IssuedMeanwhile(n) => format!("This was just issued as number {n}."),
            R::ChannelNotEnabled(c) if nb => {
                format!("Kanalen {} er ikke slått på i innstillingene.", c.name())
            }
            R::ChannelNotEnabled(c) => {
                format!("The channel {} is not enabled in the settings.", c.name())
            }
            R::ChannelCannotTake(p) if nb => format!(
                "Kanalen {} kan ikke ta dokumentet: {}",
                p.channel.name(),
                p.reason
            ),
            R::ChannelCannotTake(p) => format!(
                "The channel {} cannot take the document: {}",
                p.channel.name(),
                p.reason
            ),
            R::SeriesPaused if nb => "Serien er satt på pause: gjenoppta den først.".into(),
            R::SeriesPaused => "The series is paused: resume it first.".into(),
            R::SeriesEnded if nb => "Serien er avsluttet: lag en ny.".into(),
            R::SeriesEnded => "The series has ended: make a new one.".into(),
            R::NotNextOccurrence(next) if nb => format!(
                "Ikke neste forekomst i serien (neste: {}).",
                next.as_deref().unwrap_or("ingen forfalt")
            ),
            R::NotNextOccurrence(next) => format!(
                "Not the series' next occurrence (next: {}).",
                next.as_deref().unwrap_or("none due")
            ),
            R::NoChannel(why) if nb => format!(
                "Ingen kanal kan ta dokumentet. Rett kundens opplysninger eller kanalene i innstillingene: {}",
                why.join("; ")
            ),
            R::NoChannel(why) => format!(
                "No channel can take the document. Correct the customer's details or the channels in the settings: {}",
                why.join("; ")
            ),
            R::OtherCurrency(c) if nb => format!(
                "Fakturaen er i {c}. Registrer betalingen med beløpet i {c} og kronene banken godskrev."
            ),
            R::OtherCurrency(c) => format!(
                "The invoice is in {c}. Register the payment with the amount in {c} and the kroner the bank credited."
            ),
            // A component built for 0.3.0: its own words, in English.
            R::Other(prose) => prose.clone(),
        }
    }

    /// A field of the contract (`lines[2].unit-price`, `dates.due-date`) as the page names
    /// it: "Linje 3, Pris", "Forfallsdato"; a setting by its label; else as it is.
    pub fn field(self, path: &str) -> String {
        if let Some((i, rest)) = path
            .strip_prefix("lines[")
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)))
        {
            let line = format!("{} {}", self.say("Linje", "Line"), i + 1);
            return match rest.strip_prefix('.') {
                Some(f) => format!("{line}, {}", self.field(f)),
                None => line,
            };
        }
        let (nb, en) = match path {
            "quantity" => ("Antall", "Quantity"),
            "unit" => ("Enhet", "Unit"),
            "unit-price" => ("Pris", "Unit price"),
            "discount-percent" => ("Rabatt %", "Discount %"),
            "amount" => ("Beløp", "Amount"),
            "vat-code" => ("MVA", "VAT"),
            "description" => ("Beskrivelse", "Description"),
            "product-id" | "new-product" => ("Produkt", "Product"),
            "line-id" => ("Linje", "Line"),
            "lines" => ("Linjer", "Lines"),
            "dates.issue-date" => ("Fakturadato", "Invoice date"),
            "dates.due-date" => ("Forfallsdato", "Due date"),
            "dates.delivery-date" => ("Leveringsdato", "Delivery date"),
            "buyer-reference" => ("Deres referanse", "Your reference"),
            "our-reference" => ("Vår referanse", "Our reference"),
            "order-reference" => ("Ordrereferanse", "Order reference"),
            "note" => ("Merknad", "Note"),
            "reason" => ("Begrunnelse", "Reason"),
            "customer.name" => ("Kundens navn", "The customer's name"),
            "customer-id" | "customer" => ("Kunde", "Customer"),
            other => return super::pages::setting_label(self, other).to_owned(),
        };
        self.say(nb, en).to_owned()
    }

    pub fn state(self, s: DeliveryState) -> &'static str {
        match (s, self) {
            (DeliveryState::Queued, Lang::Nb) => "I kø",
            (DeliveryState::Sent, Lang::Nb) => "Levert",
            (DeliveryState::Failed, Lang::Nb) => "Feilet",
            (DeliveryState::Queued, Lang::En) => "Queued",
            (DeliveryState::Sent, Lang::En) => "Delivered",
            (DeliveryState::Failed, Lang::En) => "Failed",
        }
    }
}

pub struct Words {
    pub product: &'static str,
    pub skip: &'static str,
    pub client: &'static str,
    pub switch: &'static str,
    pub overview: &'static str,
    pub new_invoice: &'static str,
    pub customers: &'static str,
    pub products: &'static str,
    pub settings: &'static str,
    pub deactivate: &'static str,
    pub deactivate_ask: &'static str,
    pub reason: &'static str,
    pub info: &'static str,
    pub activate: &'static str,
    pub activate_refused: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub settings_refused_while_active: &'static str,
    pub conflict: &'static str,
    pub reload: &'static str,
    pub kind: &'static str,
    pub status: &'static str,
    pub number: &'static str,
    pub customer: &'static str,
    pub reference: &'static str,
    pub issued_from: &'static str,
    pub issued_to: &'static str,
    pub filter: &'static str,
    pub all: &'static str,
    pub date: &'static str,
    pub amount: &'static str,
    pub delivery: &'static str,
    pub open: &'static str,
    pub actions: &'static str,
    pub credit: &'static str,
    pub next: &'static str,
    pub previous: &'static str,
    pub none: &'static str,
    pub search_customer: &'static str,
    pub pick: &'static str,
    pub add_line: &'static str,
    pub from_register: &'static str,
    pub free_text: &'static str,
    pub description: &'static str,
    pub quantity: &'static str,
    pub unit: &'static str,
    pub unit_price: &'static str,
    pub discount: &'static str,
    pub vat_code: &'static str,
    pub net: &'static str,
    pub remove: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    pub buyer_ref: &'static str,
    pub our_ref: &'static str,
    pub order_ref: &'static str,
    pub issue_date: &'static str,
    pub delivery_date: &'static str,
    pub due_date: &'static str,
    pub note: &'static str,
    pub totals: &'static str,
    pub vat: &'static str,
    pub payable: &'static str,
    pub preview: &'static str,
    pub send: &'static str,
    pub confirm_send: &'static str,
    pub delete_draft: &'static str,
    pub kid: &'static str,
    pub voucher: &'static str,
    pub account: &'static str,
    pub debit: &'static str,
    pub credit_col: &'static str,
    pub channel: &'static str,
    pub why: &'static str,
    pub state: &'static str,
    pub resend: &'static str,
    pub pdf: &'static str,
    pub credit_all: &'static str,
    pub credit_lines: &'static str,
    pub left: &'static str,
    pub by_quantity: &'static str,
    pub by_amount: &'static str,
    pub rest_by_amount: &'static str,
    pub payable_left: &'static str,
    pub credits: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub orgnr: &'static str,
    pub street: &'static str,
    pub postcode: &'static str,
    pub city: &'static str,
    pub country: &'static str,
    pub language: &'static str,
    pub add: &'static str,
    pub edit: &'static str,
    pub lines: &'static str,
    pub not_found: &'static str,
    pub problems: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
}

pub const NB: Words = Words {
    product: "Fakturering",
    skip: "Hopp til innholdet",
    client: "Klient",
    switch: "Bytt",
    overview: "Oversikt",
    new_invoice: "Ny faktura",
    customers: "Kunder",
    products: "Produkter",
    settings: "Innstillinger",
    deactivate: "Deaktiver enkel fakturering",
    deactivate_ask: "Hva er årsaken til at du deaktiverer?",
    reason: "Årsak",
    info: "Med enkel fakturering lager du fakturaer uten ordre og lager: velg kunde, legg til produkter eller tjenester, forhåndsvis og send. Fakturaen nummereres, bokføres og sendes i kanalen som passer kunden.",
    activate: "Aktiver",
    activate_refused: "Modulen kan ikke aktiveres før disse innstillingene er i orden:",
    save: "Lagre",
    saved: "Lagret",
    settings_refused_while_active: "Ikke lagret: fakturering er aktivert, og med disse innstillingene kan det ikke faktureres. Rett feltene som er merket, eller deaktiver modulen først.",
    conflict: "Utkastet ble endret et annet sted. Endringen din ble ikke lagret.",
    reload: "Last inn på nytt",
    kind: "Type",
    status: "Status",
    number: "Nummer",
    customer: "Kunde",
    reference: "Referanse",
    issued_from: "Fakturadato fra",
    issued_to: "Fakturadato til",
    filter: "Filtrer",
    all: "Alle",
    date: "Dato",
    amount: "Beløp",
    delivery: "Levering",
    open: "Åpne",
    actions: "Handlinger",
    credit: "Krediter faktura",
    next: "Neste side",
    previous: "Forrige side",
    none: "Ingen treff",
    search_customer: "Søk etter kunde",
    pick: "Velg",
    add_line: "+ Legg til produkt eller tjeneste",
    from_register: "Fra produktregisteret",
    free_text: "Fritekst",
    description: "Beskrivelse",
    quantity: "Antall",
    unit: "Enhet",
    unit_price: "Pris",
    discount: "Rabatt %",
    vat_code: "MVA-kode",
    net: "Beløp",
    remove: "Fjern",
    up: "Flytt opp",
    down: "Flytt ned",
    buyer_ref: "Deres ref.",
    our_ref: "Vår ref.",
    order_ref: "Ordrereferanse",
    issue_date: "Fakturadato",
    delivery_date: "Leveringsdato",
    due_date: "Forfallsdato",
    note: "Merknad",
    totals: "Sum",
    vat: "MVA",
    payable: "Å betale",
    preview: "Forhåndsvis faktura",
    send: "Fakturer og send",
    confirm_send: "Bekreft: fakturer og send",
    delete_draft: "Slett utkast",
    kid: "KID",
    voucher: "Bilag",
    account: "Konto",
    debit: "Debet",
    credit_col: "Kredit",
    channel: "Kanal",
    why: "Hvorfor",
    state: "Tilstand",
    resend: "Send på nytt",
    pdf: "PDF",
    credit_all: "Krediter hele fakturaen",
    credit_lines: "Krediter linjer",
    left: "Igjen å kreditere",
    by_quantity: "Antall å kreditere",
    by_amount: "Beløp å kreditere (eks. MVA)",
    rest_by_amount: "Delvis kreditert med beløp: resten krediteres som beløp",
    payable_left: "Igjen å kreditere (inkl. MVA)",
    credits: "Kreditnotaer",
    name: "Navn",
    email: "E-post",
    orgnr: "Organisasjonsnummer",
    street: "Gateadresse",
    postcode: "Postnummer",
    city: "Poststed",
    country: "Land",
    language: "Språk",
    add: "Legg til",
    edit: "Endre",
    lines: "Linjer",
    not_found: "Finnes ikke",
    problems: "Dette må rettes:",
    yes: "Ja",
    no: "Nei",
};

pub const EN: Words = Words {
    product: "Invoicing",
    skip: "Skip to content",
    client: "Client",
    switch: "Switch",
    overview: "Overview",
    new_invoice: "New invoice",
    customers: "Customers",
    products: "Products",
    settings: "Settings",
    deactivate: "Deactivate simple invoicing",
    deactivate_ask: "Why are you deactivating?",
    reason: "Reason",
    info: "Simple invoicing makes invoices without orders or stock: pick a customer, add products or services, preview and send. The invoice is numbered, posted and sent through the channel that suits the customer.",
    activate: "Activate",
    activate_refused: "The module cannot be activated until these settings are right:",
    save: "Save",
    saved: "Saved",
    settings_refused_while_active: "Not saved: invoicing is active, and these settings would stop it. Correct the marked fields, or deactivate the module first.",
    conflict: "The draft was changed elsewhere. Your change was not saved.",
    reload: "Reload",
    kind: "Kind",
    status: "Status",
    number: "Number",
    customer: "Customer",
    reference: "Reference",
    issued_from: "Issued from",
    issued_to: "Issued to",
    filter: "Filter",
    all: "All",
    date: "Date",
    amount: "Amount",
    delivery: "Delivery",
    open: "Open",
    actions: "Actions",
    credit: "Credit invoice",
    next: "Next page",
    previous: "Previous page",
    none: "Nothing found",
    search_customer: "Search for a customer",
    pick: "Pick",
    add_line: "+ Add product or service",
    from_register: "From the product register",
    free_text: "Free text",
    description: "Description",
    quantity: "Quantity",
    unit: "Unit",
    unit_price: "Price",
    discount: "Discount %",
    vat_code: "VAT code",
    net: "Amount",
    remove: "Remove",
    up: "Move up",
    down: "Move down",
    buyer_ref: "Your ref.",
    our_ref: "Our ref.",
    order_ref: "Order reference",
    issue_date: "Issue date",
    delivery_date: "Delivery date",
    due_date: "Due date",
    note: "Note",
    totals: "Total",
    vat: "VAT",
    payable: "Payable",
    preview: "Preview invoice",
    send: "Invoice and send",
    confirm_send: "Confirm: invoice and send",
    delete_draft: "Delete draft",
    kid: "KID",
    voucher: "Voucher",
    account: "Account",
    debit: "Debit",
    credit_col: "Credit",
    channel: "Channel",
    why: "Why",
    state: "State",
    resend: "Send again",
    pdf: "PDF",
    credit_all: "Credit the whole invoice",
    credit_lines: "Credit lines",
    left: "Left to credit",
    by_quantity: "Quantity to credit",
    by_amount: "Amount to credit (excl. VAT)",
    rest_by_amount: "Partly credited by amount: the rest is credited as an amount",
    payable_left: "Left to credit (incl. VAT)",
    credits: "Credit notes",
    name: "Name",
    email: "E-mail",
    orgnr: "Organisation number",
    street: "Street",
    postcode: "Postcode",
    city: "City",
    country: "Country",
    language: "Language",
    add: "Add",
    edit: "Edit",
    lines: "Lines",
    not_found: "Not found",
    problems: "Please correct:",
    yes: "Yes",
    no: "No",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_as_the_page_names_them() {
        assert_eq!(Lang::Nb.field("lines[0].unit-price"), "Linje 1, Pris");
        assert_eq!(Lang::En.field("lines[11].vat-code"), "Line 12, VAT");
        assert_eq!(Lang::Nb.field("dates.due-date"), "Forfallsdato");
        assert_eq!(Lang::Nb.field("kid-length"), "KID-lengde");
        assert_eq!(Lang::Nb.field("lines[x].unit"), "lines[x].unit");
        let e =
            invoicing_host::CallError::Component(invoicing_host::bindings::Error::Invalid(vec![
                invoicing_host::bindings::FieldError {
                    field: "lines[2].quantity".into(),
                    problem: invoicing_host::bindings::FieldProblem::NotPositive,
                    message: "must be above zero".into(),
                },
            ]));
        assert_eq!(Lang::Nb.error(&e), "Linje 3, Antall: må være over 0");
    }

    #[test]
    fn codes_read_as_words() {
        assert_eq!(Lang::Nb.vat(VatCode::Standard), "25 % (høy sats)");
        assert_eq!(Lang::Nb.vat(VatCode::ZeroRated), "Fritatt (0 %)");
        assert_eq!(Lang::En.vat(VatCode::ReverseCharge), "Reverse charge");
        assert_eq!(Lang::Nb.unit("HUR"), "Timer");
        assert_eq!(Lang::En.unit("EA"), "Pieces");
        assert_eq!(Lang::Nb.unit("XBX"), "XBX", "an uncommon code as it is");
        assert_eq!(Lang::Nb.channel(Channel::Print), "Papirpost");
        assert_eq!(Lang::Nb.channel(Channel::Email), "E-post");
        // Every unit offered is one the component takes.
        let known = include_str!("../../guest/src/unit_codes.txt");
        for (code, _, _) in UNITS {
            assert!(known.lines().any(|l| l.trim() == code), "{code}");
        }
    }
}
