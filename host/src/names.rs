//! The contract's closed sets as the words the host writes down (database columns, folder
//! names, fixture files, reports), and back: one table per enum, so the two directions agree.

use crate::bindings::{
    Channel, DeliveryState, DocumentKind, DocumentStatus, ItemState, NoticeKind, PaymentOutcome,
    SeriesState, VatCategory, VatCode,
};
use crate::store::{EfakturaStatus, Purpose, Series};

/// An enum written as a word.
pub trait Name: Sized + Copy + PartialEq + 'static {
    const ALL: &'static [(Self, &'static str)];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(v, _)| *v == self)
            .map(|(_, n)| *n)
            .expect("every case has a name")
    }

    fn parse(word: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == word).map(|(v, _)| *v)
    }
}

impl Name for Channel {
    const ALL: &'static [(Self, &'static str)] = &[
        (Channel::Ehf, "ehf"),
        (Channel::Efaktura, "efaktura"),
        (Channel::Avtalegiro, "avtalegiro"),
        (Channel::Email, "email"),
        (Channel::Print, "print"),
    ];
}

impl Name for DocumentKind {
    const ALL: &'static [(Self, &'static str)] = &[
        (DocumentKind::Draft, "draft"),
        (DocumentKind::Invoice, "invoice"),
        (DocumentKind::CreditNote, "credit-note"),
    ];
}

impl Name for DocumentStatus {
    const ALL: &'static [(Self, &'static str)] = &[
        (DocumentStatus::Draft, "draft"),
        (DocumentStatus::Issued, "issued"),
        (DocumentStatus::PartiallyCredited, "partially-credited"),
        (DocumentStatus::Credited, "credited"),
    ];
}

impl Name for SeriesState {
    const ALL: &'static [(Self, &'static str)] = &[
        (SeriesState::Active, "active"),
        (SeriesState::Paused, "paused"),
        (SeriesState::Ended, "ended"),
    ];
}

impl Name for DeliveryState {
    const ALL: &'static [(Self, &'static str)] = &[
        (DeliveryState::Queued, "queued"),
        (DeliveryState::Sent, "sent"),
        (DeliveryState::Failed, "failed"),
    ];
}

impl Name for NoticeKind {
    const ALL: &'static [(Self, &'static str)] = &[
        (NoticeKind::Reminder, "reminder"),
        (NoticeKind::Inkassovarsel, "inkassovarsel"),
    ];
}

impl Name for Series {
    const ALL: &'static [(Self, &'static str)] = &[
        (Series::Invoice, "invoice"),
        (Series::CreditNote, "credit-note"),
    ];
}

impl Name for EfakturaStatus {
    const ALL: &'static [(Self, &'static str)] = &[
        (EfakturaStatus::Found, "found"),
        (EfakturaStatus::NotFound, "not-found"),
        (EfakturaStatus::NoConsent, "no-consent"),
        (EfakturaStatus::Blocked, "blocked"),
    ];
}

impl Name for Purpose {
    const ALL: &'static [(Self, &'static str)] =
        &[(Purpose::Deliver, "deliver"), (Purpose::Cancel, "cancel")];
}

impl Name for crate::bindings::KidAlgorithm {
    const ALL: &'static [(Self, &'static str)] = &[
        (crate::bindings::KidAlgorithm::Mod10, "mod10"),
        (crate::bindings::KidAlgorithm::Mod11, "mod11"),
    ];
}

impl Name for crate::bindings::Language {
    const ALL: &'static [(Self, &'static str)] = &[
        (crate::bindings::Language::Nb, "nb"),
        (crate::bindings::Language::En, "en"),
    ];
}

impl Name for crate::bindings::Template {
    const ALL: &'static [(Self, &'static str)] = &[
        (crate::bindings::Template::Classic, "classic"),
        (crate::bindings::Template::Modern, "modern"),
    ];
}

/// The words a user types and a register keeps (before 0.6.0 the contract's own text).
impl Name for VatCode {
    const ALL: &'static [(Self, &'static str)] = &[
        (VatCode::Standard, "25"),
        (VatCode::Medium, "15"),
        (VatCode::Low, "12"),
        (VatCode::ZeroRated, "zero"),
        (VatCode::Exempt, "exempt"),
        (VatCode::ReverseCharge, "reverse"),
        (VatCode::Outside, "outside"),
    ];
}

/// UNCL 5305's codes.
impl Name for VatCategory {
    const ALL: &'static [(Self, &'static str)] = &[
        (VatCategory::Standard, "S"),
        (VatCategory::ZeroRated, "Z"),
        (VatCategory::Exempt, "E"),
        (VatCategory::ReverseCharge, "AE"),
        (VatCategory::OutsideScope, "O"),
    ];
}

impl Name for PaymentOutcome {
    const ALL: &'static [(Self, &'static str)] = &[
        (PaymentOutcome::Paid, "paid"),
        (PaymentOutcome::PartlyPaid, "partly-paid"),
        (PaymentOutcome::Overpaid, "overpaid"),
        (PaymentOutcome::AlreadyPaid, "already-paid"),
        (PaymentOutcome::ToCreditedInvoice, "to-credited-invoice"),
        (PaymentOutcome::UnknownKid, "unknown-kid"),
        (PaymentOutcome::InvalidKid, "invalid-kid"),
        (PaymentOutcome::NoKid, "no-kid"),
        (PaymentOutcome::Duplicate, "duplicate"),
        (PaymentOutcome::Reversal, "reversal"),
        (PaymentOutcome::Refund, "refund"),
    ];
}

impl Name for ItemState {
    const ALL: &'static [(Self, &'static str)] = &[
        (ItemState::Open, "open"),
        (ItemState::PartlyPaid, "partly-paid"),
        (ItemState::Paid, "paid"),
        (ItemState::Overpaid, "overpaid"),
        (ItemState::Credited, "credited"),
    ];
}

/// A refusal in English, for logs, reports and the CLI (the console words it in the user's
/// language from the same case).
pub fn refusal_text(r: &crate::bindings::Refusal) -> String {
    use crate::bindings::Refusal as R;
    match r {
        R::NotAnInvoice => "only an invoice can be credited".into(),
        R::FullyCredited(n) => format!("invoice {n} is already fully credited"),
        R::IssuedMeanwhile(n) => {
            format!("issued meanwhile as number {n}, by another request with the same key")
        }
        R::ChannelNotEnabled(c) => format!("{} is not enabled in the settings", c.name()),
        R::ChannelCannotTake(p) => format!("{} cannot take it: {}", p.channel.name(), p.reason),
        R::SeriesPaused => "the series is paused".into(),
        R::SeriesEnded => "the series has ended: make a new one".into(),
        R::NotNextOccurrence(next) => format!(
            "not the next occurrence due (next: {})",
            next.as_deref().unwrap_or("none due")
        ),
        R::NoChannel(why) => format!("no channel can take this document: {}", why.join("; ")),
        R::OtherCurrency(c) => format!(
            "the invoice is in {c}: register its payment with the amount in {c} and the NOK credited"
        ),
        R::Other(prose) => prose.clone(),
    }
}

/// The name a document's files go by at every receiver.
pub fn stem(client: &str, kind: DocumentKind, number: u64) -> String {
    let kind = if kind == DocumentKind::CreditNote {
        "kreditnota"
    } else {
        "faktura"
    };
    format!("{client}-{kind}-{number}")
}
