//! The invoice as the recipient sees it: checked with pdftotext and qpdf (poppler-utils, qpdf).

use crate::common;
use common::*;
use host_harness::api::{free_line, product_line};
use host_harness::bindings::*;
use std::process::Command;

fn invoice_and_credit_note_say_what_the_law_requires() {
    if tool("pdftotext").is_none() || tool("qpdf").is_none() {
        return;
    }
    let mut env = Env::active();
    let d = env.draft(
        "c-bygg",
        vec![
            free_line("Konsulenttimer", "10", "1000.00", VatCode::Standard),
            LineInput {
                discount_percent: Some("10".into()),
                ..product_line("p-kaffe", "4")
            },
            free_line("Småvarer & <bolter>", "3", "0.99", VatCode::Standard),
        ],
    );
    env.change(
        &d,
        DraftChange::SetReferences(References {
            buyer_reference: Some("Ola Ås".into()),
            our_reference: None,
            order_reference: None,
        }),
    )
    .unwrap();
    let inv = env.host.finalize("fjord", &d.id, "k").unwrap();
    let pdf = pdf_of(&env, &inv.id);
    qpdf_ok(&pdf);
    let t = text(&pdf, None);
    for s in [
        "Faktura",
        "10001",
        "Fjord Regnskap AS",
        "Org.nr. 995 525 828 MVA",
        "Foretaksregisteret",
        "Byggmester Hansen & Sønn AS",
        "Fakturadato",
        "28.11.2026",
        "Forfallsdato",
        "12.12.2026",
        "Leveringsdato",
        "Deres ref.",
        "Ola Ås",
        "Konsulenttimer",
        "Kaffe, hele bønner 1 kg",
        "Småvarer & <bolter>",
        "10 %",
        "10 000,00",
        "899,64",
        "Å betale NOK",
        "8601 11 17947",
        inv.kid.as_deref().unwrap(),
        "MVA-spesifikasjon",
    ] {
        assert!(t.contains(s), "{s:?} missing from the invoice:\n{t}");
    }
    assert_eq!(inv.totals.payable, "13538.30");
    assert!(t.contains("13 538,30"), "the total is missing:\n{t}");

    let cn = env
        .host
        .credit(
            "fjord",
            &inv.id,
            Some(&[CreditLine {
                line_id: 1,
                quantity: Some("2".into()),
                amount: None,
            }]),
            "To timer for mye",
            "cn",
        )
        .unwrap();
    let pdf = pdf_of(&env, &cn.id);
    qpdf_ok(&pdf);
    let t = text(&pdf, None);
    for s in [
        "Kreditnota",
        "50001",
        "Krediterer faktura",
        "10001 (28.11.2026)",
        "To timer for mye",
        "Konsulenttimer",
        "2 000,00",
        "Kreditert beløp NOK",
        "500,00",
        "2 500,00",
    ] {
        assert!(t.contains(s), "{s:?} missing from the credit note:\n{t}");
    }
}

fn reverse_charge_prints_what_the_law_asks_and_needs_a_business_buyer() {
    if tool("pdftotext").is_none() {
        return;
    }
    let mut env = Env::active();
    let inv = env.invoice(
        "c-bygg",
        vec![free_line(
            "Klimakvoter",
            "10",
            "812.50",
            VatCode::ReverseCharge,
        )],
    );
    assert_eq!(
        (inv.totals.vat.as_str(), inv.vat_groups[0].category),
        ("0.00", VatCategory::ReverseCharge)
    );
    assert_eq!(inv.voucher.postings[1].account, 3005);
    let t = text(&pdf_of(&env, &inv.id), None);
    assert!(
        t.contains("Omvendt avgiftsplikt - Merverdiavgift ikke beregnet"),
        "{t}"
    );
    let d = env.draft(
        "c-kari",
        vec![free_line(
            "Klimakvoter",
            "1",
            "812.50",
            VatCode::ReverseCharge,
        )],
    );
    let e = env.host.finalize("fjord", &d.id, "k").unwrap_err();
    assert_eq!(e.fields(), ["lines[0].vat-code"], "{e}");
}

fn english_customers_get_english_and_english_numbers() {
    if tool("pdftotext").is_none() {
        return;
    }
    let mut env = Env::active();
    let inv = env.invoice(
        "c-lise",
        vec![free_line(
            "Tax return assistance",
            "2.5",
            "1100",
            VatCode::Standard,
        )],
    );
    let t = text(&pdf_of(&env, &inv.id), None);
    for s in [
        "Invoice",
        "Amount due NOK",
        "3,437.50",
        "2.5",
        "Due date",
        "2026-12-12",
        "Lise O'Brien",
    ] {
        assert!(t.contains(s), "{s:?} missing:\n{t}");
    }
}

fn a_200_line_invoice_flows_over_pages_with_the_header_repeated() {
    if tool("pdftotext").is_none() {
        return;
    }
    let mut env = Env::active();
    let lines = (1..=200)
        .map(|i| free_line(&format!("Vare nummer {i}"), "1", "10", VatCode::Standard))
        .collect();
    let inv = env.invoice("c-bygg", lines);
    let pdf = pdf_of(&env, &inv.id);
    let pages = page_count(&pdf);
    assert!(pages >= 4, "{pages} pages");
    for p in 1..=pages {
        let t = text(&pdf, Some(p));
        assert!(
            t.contains(&format!("Side {p} av {pages}")),
            "page {p} numbering:\n{t}"
        );
        if p < pages || t.contains("Vare nummer") {
            assert!(
                t.contains("Beskrivelse") && t.contains("Beløp"),
                "page {p} lacks the table header"
            );
        }
    }
    let all = text(&pdf, None);
    for i in [1, 57, 200] {
        assert!(
            all.contains(&format!("Vare nummer {i} ")),
            "line {i} missing"
        );
    }
    assert!(
        text(&pdf, Some(pages)).contains("2 500,00"),
        "totals on the last page"
    );
}

fn preview_and_issued_invoice_differ_only_in_the_marking_and_the_number() {
    if tool("pdftotext").is_none() {
        return;
    }
    let mut env = Env::active();
    let d = env.draft("c-bygg", worked_example());
    let preview = text(&env.host.preview("fjord", &d.id).unwrap(), None);
    assert_eq!(
        env.count("SELECT count(*) FROM sequences"),
        0,
        "a preview uses no number"
    );
    let inv = env.host.finalize("fjord", &d.id, "k").unwrap();
    let issued = text(&pdf_of(&env, &inv.id), None);
    let words = |t: &str| {
        let mut w: Vec<String> = t.split_whitespace().map(String::from).collect();
        w.sort();
        w
    };
    let (p, i) = (words(&preview), words(&issued));
    let only_preview: Vec<&String> = p.iter().filter(|w| !i.contains(w)).collect();
    let only_issued: Vec<&String> = i.iter().filter(|w| !p.contains(w)).collect();
    let number = inv.number.to_string();
    let kid = inv.kid.clone().unwrap();
    assert!(
        only_issued.iter().all(|w| **w == number || **w == kid),
        "issued has more than number and KID: {only_issued:?}"
    );
    assert!(
        only_preview.iter().all(|w| [
            "FORHÅNDSVISNING",
            "tildeles",
            "ved",
            "fakturering",
            "(10,",
            "MOD10)"
        ]
        .contains(&w.as_str())),
        "preview differs in {only_preview:?}"
    );
    assert!(preview.contains("FORHÅNDSVISNING") && preview.contains("tildeles ved fakturering"));
}

fn the_logo_and_the_modern_template_reach_the_pdf() {
    if tool("pdfimages").is_none() || tool("pdftotext").is_none() {
        return;
    }
    let mut env = Env::active();
    let inv = env.invoice("c-bygg", worked_example());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, pdf_of(&env, &inv.id)).unwrap();
    let list = String::from_utf8(
        Command::new("pdfimages")
            .arg("-list")
            .arg(&path)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let images: Vec<&str> = list.lines().skip(2).collect();
    assert_eq!(images.len(), 1, "{list}");
    assert!(
        images[0].split_whitespace().collect::<Vec<_>>()[3..6] == ["240", "100", "rgb"],
        "{list}"
    );
    qpdf_ok(&std::fs::read(&path).unwrap());

    // nordlys uses the modern template and has no logo.
    env.host.activate("nordlys").unwrap();
    let d = env.host.create_draft("nordlys", "n-anna").unwrap();
    env.host
        .update_draft(
            "nordlys",
            &d.id,
            1,
            &DraftChange::AddLines(vec![product_line("n-logo", "1")]),
        )
        .unwrap();
    let n = env.host.finalize("nordlys", &d.id, "n").unwrap();
    let pdf = pdf_of(&env, &n.id);
    let t = text(&pdf, None);
    assert!(
        t.contains("Nordlys Design Kari Holm")
            && t.contains("Invoice")
            && t.contains("Outside VAT scope"),
        "{t}"
    );
    assert!(
        !String::from_utf8_lossy(&pdf).contains("/XObject"),
        "no logo, no image"
    );
}

crate::on_both_stores!(
    invoice_and_credit_note_say_what_the_law_requires,
    reverse_charge_prints_what_the_law_asks_and_needs_a_business_buyer,
    english_customers_get_english_and_english_numbers,
    a_200_line_invoice_flows_over_pages_with_the_header_repeated,
    preview_and_issued_invoice_differ_only_in_the_marking_and_the_number,
    the_logo_and_the_modern_template_reach_the_pdf,
);
