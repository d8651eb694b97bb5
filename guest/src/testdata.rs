//! A seller, a customer and a document for the unit tests.

use crate::calc::{self};
use crate::model::*;
use chrono::NaiveDate;

pub fn seller() -> Seller {
    Seller {
        name: "Fjord Regnskap AS".into(),
        orgnr: "995525828".into(),
        address: Address {
            street: Some("Storgata 1".into()),
            postcode: Some("0155".into()),
            city: Some("Oslo".into()),
            country: Some("NO".into()),
        },
        bank_account: "86011117947".into(),
        iban: None,
        bic: None,
        vat_registered: true,
        foretaksregisteret: true,
        template: "classic".into(),
        channels: Channel::DEFAULT_ORDER.to_vec(),
        invoice_start: 10001,
        credit_note_start: None,
        payment_terms_days: 14,
        kid_length: 10,
        kid_algorithm: KidAlgorithm::Mod10,
        kid_customer_digits: 4,
        language: "nb".into(),
        logo: None,
    }
}

pub fn customer() -> Customer {
    Customer {
        id: "c1".into(),
        number: 1001,
        name: "Kunde AS".into(),
        orgnr: Some("988077917".into()),
        address: Address {
            street: Some("Kundeveien 2".into()),
            postcode: Some("5003".into()),
            city: Some("Bergen".into()),
            country: Some("NO".into()),
        },
        email: Some("post@kunde.no".into()),
        language: None,
        preferred_channel: None,
        attach_ehf: false,
        currency: None,
    }
}

pub fn document(lines: Vec<Line>) -> Document {
    let date = NaiveDate::from_ymd_opt(2025, 3, 17).unwrap();
    let totals = calc::compute(&lines, true);
    Document {
        kind: Kind::Invoice,
        number: 10001,
        seller: seller(),
        customer: customer(),
        references: References {
            buyer: Some("Ola".into()),
            ours: None,
            order: None,
        },
        issue_date: date,
        delivery_date: None,
        due_date: date + chrono::Days::new(14),
        note: None,
        kid: Some("1001100013".into()),
        voucher: crate::invoice::voucher(Kind::Invoice, 10001, date, "c1", &totals, "NOK"),
        lines,
        credited: None,
        credit_reason: None,
        channel: Channel::Ehf,
        channel_reason: "test".into(),
        fallbacks: Vec::new(),
        group_vat: Vec::new(),
        request: None,
        currency: "NOK".into(),
        rate: None,
    }
}

pub fn draft() -> Draft {
    Draft {
        customer: customer(),
        references: References::default(),
        dates: Dates::default(),
        note: Some("Takk for leien".into()),
        lines: vec![calc::test_line(1, "1", "9500", crate::vat::VatCode::Exempt)],
        next_line_id: 2,
        currency: "NOK".into(),
    }
}
