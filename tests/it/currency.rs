//! Invoices in euro, kronor and dollars (currency.md): the rates imported from Norges Bank's
//! CSV, the VAT locked in NOK at the rate of the invoice date, the EHF with its NOK tax total,
//! the voucher in NOK with the currency beside it, credit notes at the invoice's rate, and a
//! payment at another rate closing the receivable with agio or disagio.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use host_harness::CallError;

const RATES: &str = "rates/norges-bank-2024-12.csv";

/// `fjord` with Norges Bank's December 2024 rates, on `today`, `c-bygg` invoiced in
/// `currency`.
fn env_in(currency: &str, today: &str) -> Env {
    let mut env = Env::active();
    host_harness::rates::import(env.host.store(), &host_harness::fixtures::dir().join(RATES))
        .unwrap();
    env.host.today = today.parse().unwrap();
    let currency = currency.to_owned();
    edit_customer(&env, "fjord", "c-bygg", |c| c.currency = Some(currency));
    env
}

fn one_line(price: &str, vat: VatCode) -> Vec<LineInput> {
    vec![free_line("Konsulenttimer", "1", price, vat)]
}

/// A payment of `amount` (in the invoice's currency) on 2025-01-02, the bank having credited
/// `nok`.
fn paid(invoice: &str, amount: &str, nok: Option<&str>, key: &str) -> PaymentInput {
    PaymentInput {
        invoice_id: Some(invoice.into()),
        kid: None,
        amount: amount.into(),
        date: "2025-01-02".into(),
        payer: None,
        bank_reference: None,
        idempotency_key: key.into(),
        nok_amount: nok.map(Into::into),
    }
}

/// (account, debit øre, credit øre) of a document's voucher in the journal.
fn voucher_of(env: &Env, number: u64) -> Vec<(u32, i64, i64)> {
    env.journal()
        .into_iter()
        .filter(|r| r.number == number as i64)
        .map(|r| (r.account, r.debit_ore, r.credit_ore))
        .collect()
}

/// currency.md §4 to the øre: invoice 10001 of 1 000.00 EUR + 25 % on 2024-12-31 at 11.7950
/// is booked 1500 D 14 743.75 / 3000 C 11 795.00 / 2700 C 2 948.75, with 250.00 EUR of VAT
/// and 2 948.75 NOK in the EHF; paid with 1 250.00 EUR that the bank credits as 14 646.63 NOK
/// on 2025-01-02 (11.7173), it closes at 14 743.75 with 97.12 of disagio on 8160.
fn the_worked_example_to_the_ore() {
    let mut env = env_in("EUR", "2024-12-31");
    let d = env.draft("c-bygg", one_line("1000.00", VatCode::Standard));
    assert_eq!(d.currency, "EUR");
    let rate = d.exchange.as_ref().expect("the rate it would be issued at");
    assert_eq!(
        (rate.rate.as_str(), rate.date.as_str()),
        ("11.795", "2024-12-31")
    );
    assert_eq!(d.totals.payable_nok.as_deref(), Some("14743.75"));

    let inv = env.host.finalize("fjord", &d.id, "eur-1").unwrap();
    assert_eq!(
        (inv.currency.as_str(), inv.totals.payable.as_str()),
        ("EUR", "1250.00")
    );
    assert_eq!(inv.totals.vat_nok.as_deref(), Some("2948.75"));
    assert_eq!(inv.vat_groups[0].base_nok.as_deref(), Some("11795.00"));
    assert_eq!(inv.kid, None, "paid from abroad by IBAN, not by KID");
    let frozen = inv.exchange.as_ref().unwrap();
    assert_eq!(
        (frozen.rate.as_str(), frozen.source.as_str()),
        ("11.795", "Norges Bank")
    );
    let postings: Vec<_> = inv
        .voucher
        .postings
        .iter()
        .map(|p| {
            let c = p.currency.as_ref().unwrap();
            (
                p.account,
                p.debit.as_str(),
                p.credit.as_str(),
                c.amount.as_str(),
                c.currency.as_str(),
            )
        })
        .collect();
    assert_eq!(
        postings,
        [
            (1500, "14743.75", "0.00", "1250.00", "EUR"),
            (3000, "0.00", "11795.00", "1000.00", "EUR"),
            (2700, "0.00", "2948.75", "250.00", "EUR"),
        ]
    );
    assert_eq!(
        voucher_of(&env, inv.number),
        [
            (1500, 1_474_375, 0),
            (3000, 0, 1_179_500),
            (2700, 0, 294_875)
        ]
    );
    let kept: Vec<_> = env
        .journal()
        .into_iter()
        .filter(|r| r.number == inv.number as i64)
        .map(|r| r.currency.map(|c| (c.currency, c.amount, c.rate)))
        .collect();
    let eur = |amount: &str| Some(("EUR".to_owned(), amount.to_owned(), "11.795".to_owned()));
    assert_eq!(
        kept,
        [eur("1250.00"), eur("1000.00"), eur("250.00")],
        "the journal keeps the euro"
    );
    let ehf = &stored_ehfs(&env, "fjord")[0];
    for part in [
        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>NOK</cbc:TaxCurrencyCode>",
        "<cac:TaxTotal><cbc:TaxAmount currencyID=\"EUR\">250.00</cbc:TaxAmount>",
        "<cac:TaxTotal><cbc:TaxAmount currencyID=\"NOK\">2948.75</cbc:TaxAmount></cac:TaxTotal>",
        "<cbc:PayableAmount currencyID=\"EUR\">1250.00</cbc:PayableAmount>",
        "<cbc:ID>NO9386011117947</cbc:ID>",
    ] {
        assert!(ehf.contains(part), "{part} not in the EHF");
    }
    all_valid("worked-eur", std::slice::from_ref(ehf));
    // The PDF states the amounts in euro, the VAT in NOK too, and the rate with its day.
    if tool("pdftotext").is_some() {
        let row = host_harness::ids::Id::Doc.row(&inv.id).unwrap();
        let files =
            host_harness::store::with_unit(env.host.store(), |u| u.reports()?.files("fjord", row))
                .unwrap()
                .unwrap();
        let pdf = text(&files.pdf, None);
        for part in [
            "1 250,00",
            "Å betale EUR",
            "MVA i NOK",
            "2 948,75",
            "Kurs EUR = 11,795",
            "Norges Bank, 31.12.2024",
            "IBAN / BIC",
        ] {
            assert!(pdf.contains(part), "{part} not in the PDF:\n{pdf}");
        }
        assert!(
            !pdf.contains("KID"),
            "no KID on an invoice paid from abroad"
        );
    }

    env.host.today = "2025-01-02".parse().unwrap();
    let result = env
        .host
        .register_payment(
            "fjord",
            &paid(&inv.id, "1250.00", Some("14646.63"), "eur-pay-1"),
        )
        .unwrap();
    assert_eq!(result.outcome, PaymentOutcome::Paid);
    let payment: Vec<_> = env
        .journal()
        .into_iter()
        .filter(|r| [1920, 8060, 8160].contains(&r.account) || r.text.starts_with("Innbetaling"))
        .map(|r| (r.account, r.debit_ore, r.credit_ore))
        .collect();
    assert_eq!(
        payment,
        [(1920, 1_464_663, 0), (1500, 0, 1_474_375), (8160, 9_712, 0)]
    );
    let balances = host_harness::reports::customer_balances(env.host.store(), "fjord").unwrap();
    assert!(
        balances.iter().all(|(c, b)| c != "c-bygg" || b == "0.00"),
        "{balances:?}"
    );
    // A payment of an invoice in euro must say what the bank credited in NOK.
    let d = env.draft("c-bygg", one_line("10.00", VatCode::Standard));
    let inv = env.host.finalize("fjord", &d.id, "eur-2").unwrap();
    let err = env
        .host
        .register_payment("fjord", &paid(&inv.id, "12.50", None, "eur-pay-2"))
        .unwrap_err();
    assert_eq!(err.fields(), ["nok-amount"]);
    // Kroner (a refund, a bank payment waiting in suspense) are never booked to it.
    let refused = env
        .host
        .call_payments("fjord", |p, s| {
            p.call_refund(
                s,
                &inv.id,
                &"1.00".into(),
                &"2025-01-02".into(),
                "eur-refund",
            )
        })
        .unwrap_err();
    assert!(
        matches!(
            &refused,
            CallError::Component(Error::NotAllowed(Refusal::OtherCurrency(c))) if c == "EUR"
        ),
        "{refused:?}"
    );
}

/// Euro, kronor (quoted per 100) and dollars, each with VAT groups of two rates, credited in
/// part and then the rest: every EHF valid under the official rules, every credit note at its
/// invoice's rate, and every account nets to zero in NOK once all is credited.
fn eur_sek_and_usd_invoices_and_their_credit_notes() {
    let mut env = env_in("EUR", "2024-12-31");
    let mut rates = Vec::new();
    for currency in ["EUR", "SEK", "USD"] {
        let d = env.draft(
            "c-bygg",
            vec![
                free_line("Rådgivning", "7.5", "999.99", VatCode::Standard),
                free_line("Kaffe", "3", "45.55", VatCode::Medium),
                free_line("Eksport", "1", "120.10", VatCode::ZeroRated),
            ],
        );
        let d = env
            .change(&d, DraftChange::SetCurrency(currency.into()))
            .unwrap();
        let inv = env
            .host
            .finalize("fjord", &d.id, &format!("{currency}-inv"))
            .unwrap();
        assert_eq!(inv.currency, currency);
        let rate = inv.exchange.clone().unwrap();
        // The NOK VAT is each group's NOK base's percentage (currency.md §3).
        let nok_vat: rust_decimal::Decimal = inv
            .vat_groups
            .iter()
            .map(|g| {
                g.vat_nok
                    .as_deref()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        assert_eq!(nok_vat.to_string(), inv.totals.vat_nok.clone().unwrap());
        let part = env
            .host
            .credit(
                "fjord",
                &inv.id,
                Some(&[CreditLine {
                    line_id: 1,
                    quantity: Some("2.5".into()),
                    amount: None,
                }]),
                "For mange timer",
                &format!("{currency}-cn1"),
            )
            .unwrap();
        let rest = env
            .host
            .credit("fjord", &inv.id, None, "Resten", &format!("{currency}-cn2"))
            .unwrap();
        for cn in [&part, &rest] {
            assert_eq!(cn.currency, currency);
            let at = cn.exchange.as_ref().unwrap();
            assert_eq!(
                (&at.rate, &at.date),
                (&rate.rate, &rate.date),
                "at the invoice's rate"
            );
        }
        rates.push((currency, rate.rate));
    }
    assert_eq!(
        rates,
        [
            ("EUR", "11.795".to_owned()),
            ("SEK", "1.0293".to_owned()),
            ("USD", "11.3534".to_owned())
        ]
    );
    assert_eq!(env.open_accounts(), Vec::<(String, u32)>::new());
    let ehfs = stored_ehfs(&env, "fjord");
    assert_eq!(ehfs.len(), 9);
    all_valid("currencies", &ehfs);
}

/// Norges Bank publishes no rate on weekends and holidays: a document dated on one takes the
/// last published before it. A day before any rate, or a currency with none, is refused
/// naming the currency and the day; nothing is issued.
fn a_weekend_or_holiday_takes_the_last_rate_published_before_it() {
    let mut env = env_in("EUR", "2025-01-02");
    for (day, published) in [
        ("2024-12-28", "2024-12-27"), // Saturday
        ("2024-12-29", "2024-12-27"), // Sunday
        ("2024-12-25", "2024-12-23"), // Christmas Day (and no rate on the 24th either)
        ("2025-01-01", "2024-12-31"), // New Year's Day
        ("2024-12-31", "2024-12-31"),
    ] {
        let d = env.draft("c-bygg", one_line("100.00", VatCode::Standard));
        let d = env.change(&d, issue_dated(day)).unwrap();
        let rate = d.exchange.as_ref().unwrap();
        assert_eq!(rate.date, published, "{day}");
        env.host.delete_draft("fjord", &d.id).unwrap();
    }
    // Before the file's first day, and in a currency it has no rate for.
    for (currency, day) in [("EUR", "2024-12-19"), ("GBP", "2024-12-31")] {
        let d = env.draft("c-bygg", one_line("100.00", VatCode::Standard));
        let d = env.change(&d, issue_dated(day)).unwrap();
        let d = env
            .change(&d, DraftChange::SetCurrency(currency.into()))
            .unwrap();
        assert!(d.exchange.is_none());
        let err = env.host.finalize("fjord", &d.id, currency).unwrap_err();
        let CallError::Component(Error::Invalid(fields)) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(fields[0].field, "currency");
        assert!(
            matches!(&fields[0].problem, FieldProblem::NoExchangeRate(d) if d == day),
            "{:?}",
            fields[0].problem
        );
    }
    assert_eq!(env.documents(), 0);
    // An override file gives a rate Norges Bank does not (GBP here).
    host_harness::rates::import(
        env.host.store(),
        &host_harness::fixtures::dir().join("rates/overrides.csv"),
    )
    .unwrap();
    let d = env.draft("c-bygg", one_line("100.00", VatCode::Standard));
    let d = env.change(&d, issue_dated("2024-12-31")).unwrap();
    let d = env
        .change(&d, DraftChange::SetCurrency("gbp".into()))
        .unwrap();
    let rate = d.exchange.clone().unwrap();
    assert_eq!(
        (rate.currency.as_str(), rate.rate.as_str()),
        ("GBP", "14.235")
    );
    assert_eq!(rate.source, "Avtalt kurs, kontrakt 2024-17");
    let err = env
        .change(&d, DraftChange::SetCurrency("euro".into()))
        .unwrap_err();
    assert_eq!(err.fields(), ["currency"]);
}

/// eFaktura and AvtaleGiro carry NOK only: a consumer who takes both gets an invoice in euro
/// by e-mail; sums in kroner never add it; and reminders leave it alone (the law's fee and
/// interest are kroner).
fn payment_channels_and_reminders_are_nok_only() {
    let mut env = env_in("EUR", "2024-12-31");
    edit_customer(&env, "fjord", "c-kari", |c| c.currency = Some("EUR".into()));
    let d = env.draft("c-kari", one_line("100.00", VatCode::Standard));
    let inv = env.host.finalize("fjord", &d.id, "kari-eur").unwrap();
    assert_eq!(
        inv.deliveries[0].channel,
        Channel::Email,
        "{:?}",
        inv.deliveries
    );
    let due = env
        .host
        .call_reminders("fjord", |r, s| r.call_due(s, Some(&inv.id)))
        .unwrap();
    assert!(
        matches!(
            due[0].decision,
            ReminderDecision::Never(Hold::ForeignCurrency) | ReminderDecision::Wait(_)
        ),
        "{:?}",
        due[0].decision
    );
    // The open item says its currency; the aging report, in kroner, leaves the euro out.
    let items = env
        .host
        .call_payments("fjord", |p, s| p.call_open_items(s, None))
        .unwrap();
    assert_eq!(
        (items[0].currency.as_str(), items[0].open.as_str()),
        ("EUR", "125.00")
    );
    let aging = env
        .host
        .call_payments("fjord", |p, s| p.call_aging_report(s, None))
        .unwrap();
    assert_eq!(aging.total, "0.00");
    env.host.today = "2025-03-01".parse().unwrap();
    let due = env
        .host
        .call_reminders("fjord", |r, s| r.call_due(s, Some(&inv.id)))
        .unwrap();
    assert!(
        matches!(
            due[0].decision,
            ReminderDecision::Never(Hold::ForeignCurrency)
        ),
        "{:?}",
        due[0].decision
    );
}

/// The console says the currency wherever it shows an amount, and the NOK VAT with the rate;
/// the draft page offers the currency to change.
fn the_console_shows_the_currency() {
    let mut env = env_in("EUR", "2024-12-31");
    let d = env.draft("c-bygg", one_line("1000.00", VatCode::Standard));
    let page = crate::console::console_page(&env, &format!("/c/fjord/utkast/{}", d.id));
    assert!(page.contains("name=\"currency\""), "a currency box");
    assert!(page.contains("value=\"EUR\""), "set to the customer's");
    // (at the rate of the console's day: the machine's, with this file's last rate)
    assert!(page.contains("id=\"vat-nok\""), "the NOK VAT");
    let inv = env.host.finalize("fjord", &d.id, "console-eur").unwrap();
    let doc = crate::console::console_page(&env, &format!("/c/fjord/dokument/{}", inv.id));
    for part in [
        "1\u{a0}250,00 EUR",
        "MVA i NOK",
        "1 EUR = 11,795 NOK (Norges Bank, 31.12.2024)",
    ] {
        assert!(doc.contains(part), "{part} not on the document page");
    }
    let overview = crate::console::console_page(&env, "/c/fjord/oversikt");
    assert!(
        overview.contains("1\u{a0}250,00 EUR"),
        "the overview's amount says its currency"
    );
}

crate::on_both_stores!(
    the_worked_example_to_the_ore,
    eur_sek_and_usd_invoices_and_their_credit_notes,
    a_weekend_or_holiday_takes_the_last_rate_published_before_it,
    payment_channels_and_reminders_are_nok_only,
    the_console_shows_the_currency,
);
