//! Money in (contract 0.4.1): bank files written by independent tools (netsgiro for OCR giro,
//! lxml for camt.054 .02 and .08) hold every matching case of receivables.md §2.4, and each
//! ends as the contract's `payment-outcome` says; the books balance, what is open equals each
//! customer's 1500 balance, and nothing is registered twice however often a file comes.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bank;
use host_harness::bindings::*;
use host_harness::names::Name;
use host_harness::{reports, CallError};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Write a bank file from `spec` with tests/bank/write_bank_file.py; none without the tools.
fn bank_file(dir: &Path, name: &str, spec: serde_json::Value) -> Option<PathBuf> {
    let py = python(&["lxml", "netsgiro", "pyiso20022", "xsdata"])?;
    let spec_file = dir.join(format!("{name}.json"));
    std::fs::write(&spec_file, spec.to_string()).unwrap();
    let out = dir.join(name);
    let script = repo().join("tests/bank/write_bank_file.py");
    let status = std::process::Command::new(py)
        .arg(&script)
        .arg(&spec_file)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "{name}: the writer failed");
    Some(out)
}

fn payment(reference: &str, kid: Option<&str>, amount: &str) -> serde_json::Value {
    json!({ "ref": reference, "kid": kid, "amount": amount, "date": TODAY, "payer": "Kari Nordmann" })
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A valid KID of fjord's (10 digits, MOD10, customer 1001) that no invoice carries.
fn unknown_kid() -> String {
    let base = "100199999";
    format!("{base}{}", guest::checkdigits::kid_mod10(base))
}

/// The same KID with its check digit wrong.
fn broken(kid: &str) -> String {
    let (base, check) = kid.split_at(kid.len() - 1);
    let wrong = (check.parse::<u8>().unwrap() + 1) % 10;
    format!("{base}{wrong}")
}

struct Books {
    env: Env,
    /// Invoice ids by their role in the cases.
    inv: BTreeMap<&'static str, IssuedDocument>,
}

/// Seven invoices of 1 250.00 (incl. VAT) to fjord's customers; one credited in full.
fn books() -> Books {
    let mut env = Env::active();
    let mut inv = BTreeMap::new();
    for (role, customer) in [
        ("exact", "c-bygg"),
        ("under", "c-bygg"),
        ("over", "c-kari"),
        ("double", "c-kari"),
        ("credited", "c-bygg"),
        ("reversed", "c-kari"),
        ("overdue", "c-bygg"),
    ] {
        let i = env.invoice(
            customer,
            vec![free_line("Rådgivning", "1", "1000.00", VatCode::Standard)],
        );
        assert_eq!(i.totals.payable, "1250.00");
        inv.insert(role, i);
    }
    env.host
        .credit(
            "fjord",
            &inv["credited"].id,
            None,
            "Feil faktura",
            "credit-1",
        )
        .unwrap();
    Books { env, inv }
}

fn kid(b: &Books, role: &str) -> String {
    b.inv[role].kid.clone().unwrap()
}

/// The file of every case, in `format`.
fn every_case(b: &Books, format: &str) -> serde_json::Value {
    let mut reversal = payment("100000010", Some(&kid(b, "reversed")), "1250.00");
    reversal["reversal"] = json!(true);
    let mut text_only = payment("100000008", None, "300.00");
    text_only["text"] = json!("Betaling for faktura 10003");
    json!({
        "format": format,
        "account": "86011117947",
        "noise": true,
        "payments": [
            payment("100000001", Some(&kid(b, "exact")), "1250.00"),
            payment("100000002", Some(&kid(b, "under")), "1000.00"),
            payment("100000003", Some(&kid(b, "over")), "1300.00"),
            payment("100000004", Some(&kid(b, "double")), "1250.00"),
            payment("100000005", Some(&kid(b, "double")), "1250.00"),
            payment("100000006", Some(&kid(b, "credited")), "1250.00"),
            payment("100000007", Some(&unknown_kid()), "250.00"),
            text_only,
            payment("100000009", Some(&kid(b, "reversed")), "1250.00"),
            reversal,
            payment("100000011", Some(&broken(&kid(b, "exact"))), "99.00"),
        ]
    })
}

const OUTCOMES: [&str; 11] = [
    "paid",
    "partly-paid",
    "overpaid",
    "paid",
    "already-paid",
    "to-credited-invoice",
    "unknown-kid",
    "no-kid",
    "paid",
    "reversal",
    "invalid-kid",
];

/// Each payment's outcome, in the order of the spec's references (a camt.054 file has its
/// reversals in entries of their own, after the credits).
fn outcomes(done: &bank::Imported) -> Vec<&'static str> {
    let mut by_ref: Vec<(String, &'static str)> = done
        .results
        .iter()
        .map(|r| {
            let reference = r.bank_reference.as_deref().unwrap();
            // OCR: `OCR:date:archive reference:transaction`; camt.054: `CAMT:AcctSvcrRef`.
            let own = reference.split(':').find(|p| p.len() == 9).unwrap();
            (own.to_owned(), r.outcome.name())
        })
        .collect();
    by_ref.sort();
    by_ref.into_iter().map(|(_, o)| o).collect()
}

/// fjord's payments, newest first; only those waiting for a person if `unmatched_only`.
fn payments_of(b: &mut Books, unmatched_only: bool) -> Vec<Payment> {
    let filter = PaymentFilter {
        unmatched_only,
        invoice_id: None,
        limit: None,
        offset: None,
    };
    b.env.host.payments("fjord", &filter).unwrap()
}

fn state(b: &mut Books, role: &str) -> (String, &'static str) {
    let item = b.env.host.item("fjord", &b.inv[role].id).unwrap();
    (item.open, item.state.name())
}

/// Σ open of every invoice per customer equals that customer's balance on 1500; the books
/// balance; suspense (2999) holds what waits for a person.
fn books_agree(b: &mut Books, waiting: &str) {
    let trial = reports::trial_balance(b.env.host.store(), "fjord").unwrap();
    let side =
        |f: fn(&reports::Balance) -> &str| -> Decimal { trial.iter().map(|t| dec(f(t))).sum() };
    assert_eq!(
        side(|t| &t.debit),
        side(|t| &t.credit),
        "the trial balance balances"
    );
    let suspense = trial
        .iter()
        .find(|t| t.account == 2999)
        .map_or(Decimal::ZERO, |t| -dec(&t.balance));
    assert_eq!(
        suspense,
        dec(waiting),
        "suspense holds the payments waiting"
    );
    let ledger: BTreeMap<String, Decimal> = reports::customer_balances(b.env.host.store(), "fjord")
        .unwrap()
        .into_iter()
        .map(|(c, bal)| (c, dec(&bal)))
        .collect();
    for customer in ["c-bygg", "c-kari"] {
        let open: Decimal = b
            .inv
            .values()
            .filter(|i| i.customer.id == customer)
            .map(|i| dec(&b.env.host.item("fjord", &i.id).unwrap().open))
            .sum();
        assert_eq!(
            Some(&open),
            ledger.get(customer),
            "{customer}: open items = 1500"
        );
        let balance = b.env.host.balance("fjord", customer).unwrap();
        assert_eq!(
            dec(&balance.balance),
            open,
            "{customer}: the balance says the same"
        );
    }
}

fn every_matching_case_ends_as_the_table_says() {
    for format in ["ocr", "camt02", "camt08"] {
        let mut b = books();
        let dir = b.env.dir.path().to_owned();
        let Some(file) = bank_file(&dir, format, every_case(&b, format)) else {
            return;
        };
        let done = bank::import(&mut b.env.host, "fjord", &file, true).unwrap();
        assert_eq!(outcomes(&done), OUTCOMES, "{format}");
        assert_eq!(
            done.file.payments, 11,
            "{format}: the pending entry and the payment out are not payments"
        );
        assert_eq!(done.seen_before, None);
        assert_eq!(state(&mut b, "exact"), ("0.00".into(), "paid"));
        assert_eq!(state(&mut b, "under"), ("250.00".into(), "partly-paid"));
        assert_eq!(state(&mut b, "over"), ("-50.00".into(), "overpaid"));
        assert_eq!(state(&mut b, "double"), ("-1250.00".into(), "overpaid"));
        assert_eq!(state(&mut b, "credited"), ("-1250.00".into(), "overpaid"));
        assert_eq!(state(&mut b, "reversed"), ("1250.00".into(), "open"));
        // 250 (unknown KID) + 300 (no KID) + 99 (broken KID) wait for a person.
        books_agree(&mut b, "649.00");

        // The same file again: every payment a duplicate, nothing registered, the books unmoved.
        let journal = reports::journal(b.env.host.store(), "fjord").unwrap().len();
        let again = bank::import(&mut b.env.host, "fjord", &file, true).unwrap();
        assert!(
            again.seen_before.is_some(),
            "{format}: the file is recognised"
        );
        assert!(
            outcomes(&again).iter().all(|o| *o == "duplicate"),
            "{format}"
        );
        assert_eq!(
            reports::journal(b.env.host.store(), "fjord").unwrap().len(),
            journal
        );

        // A person gives the unknown-KID payment to the partly paid invoice: it is paid.
        let waiting = payments_of(&mut b, true);
        assert_eq!(waiting.len(), 3);
        let unknown = waiting
            .iter()
            .find(|p| p.outcome == PaymentOutcome::UnknownKid)
            .unwrap();
        let given = b
            .env
            .host
            .allocate("fjord", &unknown.id, &b.inv["under"].id)
            .unwrap();
        assert_eq!(
            (given.outcome.name(), given.open_after.as_deref()),
            ("paid", Some("0.00"))
        );
        let twice = b
            .env
            .host
            .allocate("fjord", &unknown.id, &b.inv["exact"].id)
            .unwrap_err();
        assert!(
            matches!(twice, CallError::Component(Error::Invalid(_))),
            "{twice}"
        );
        // The overpayment is paid back; the same key again pays nothing more.
        let refund = b
            .env
            .host
            .refund("fjord", &b.inv["over"].id, "50.00", TODAY, "refund-1")
            .unwrap();
        assert_eq!(refund.outcome, PaymentOutcome::Refund);
        let again = b
            .env
            .host
            .refund("fjord", &b.inv["over"].id, "50.00", TODAY, "refund-1")
            .unwrap();
        assert_eq!(again.outcome, PaymentOutcome::Duplicate);
        let too_much = b
            .env
            .host
            .refund("fjord", &b.inv["exact"].id, "1.00", TODAY, "refund-2")
            .unwrap_err();
        assert!(
            matches!(too_much, CallError::Component(Error::Invalid(_))),
            "{too_much}"
        );
        assert_eq!(state(&mut b, "over"), ("0.00".into(), "paid"));
        books_agree(&mut b, "399.00");
    }
}

/// What is open, as of a later day: the aging buckets and the overdue flag.
fn open_items_and_aging_follow_the_due_date() {
    let mut b = books();
    b.env.host.today = "2027-01-20".parse().unwrap(); // due 2026-12-12: 39 days late
    let items = b.env.host.open_items("fjord", None).unwrap();
    // Six with something open or a credit balance; the credited one is settled (0 open).
    assert_eq!(items.len(), 6);
    let overdue = items
        .iter()
        .find(|i| i.invoice_id == b.inv["overdue"].id)
        .unwrap();
    assert_eq!(overdue.overdue_since.as_deref(), Some("2026-12-13"));
    assert_eq!(overdue.days_overdue, 39);
    let aging = b.env.host.aging("fjord", None).unwrap();
    assert_eq!(aging.days31_to60, "7500.00");
    assert_eq!(aging.total, "7500.00");
    let credited = b.env.host.item("fjord", &b.inv["credited"].id).unwrap();
    assert_eq!(credited.state, ItemState::Credited);
}

/// A file for another account, in another currency, or at odds with its own control sums
/// is refused whole: nothing of it is registered.
fn a_wrong_file_is_refused_whole() {
    let mut b = books();
    let dir = b.env.dir.path().to_owned();
    let cases = [
        (
            "other-account.xml",
            json!({"format": "camt02", "account": "12345678903"}),
            "statement.account",
        ),
        (
            "euro.xml",
            json!({"format": "camt08", "currency": "EUR"}),
            "statement.currency",
        ),
        (
            "other-account.ocr",
            json!({"format": "ocr", "account": "12345678903"}),
            "statement.account",
        ),
    ];
    for (name, over, field) in cases {
        let mut spec = json!({
            "account": "86011117947",
            "payments": [payment("200000001", Some(&kid(&b, "exact")), "1250.00")],
        });
        for (k, v) in over.as_object().unwrap() {
            spec[k] = v.clone();
        }
        let Some(file) = bank_file(&dir, name, spec) else {
            return;
        };
        let e = bank::import(&mut b.env.host, "fjord", &file, true).unwrap_err();
        let call = e
            .downcast_ref::<CallError>()
            .unwrap_or_else(|| panic!("{name}: {e:#}"));
        let CallError::Component(Error::Invalid(fields)) = call else {
            panic!("{name}: {call}")
        };
        assert_eq!(fields[0].field, field, "{name}");
    }
    // An OCR file whose assignment total disagrees with its transactions.
    let file = bank_file(
        &dir,
        "tampered.ocr",
        json!({"format": "ocr", "account": "86011117947",
               "payments": [payment("200000002", Some(&kid(&b, "exact")), "1250.00")]}),
    )
    .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let tampered: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("NY090088") {
                format!("{}9{}", &l[..40], &l[41..])
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&file, tampered.join("\n")).unwrap();
    let e = bank::import(&mut b.env.host, "fjord", &file, true).unwrap_err();
    assert!(format!("{e:#}").contains("line 5"), "{e:#}");
    let none = payments_of(&mut b, false);
    assert!(none.is_empty(), "nothing registered: {none:?}");
}

/// By hand: to an invoice or a KID, once per idempotency key; a credit note is no invoice.
fn a_payment_registered_by_hand_counts_once() {
    let mut b = books();
    let exact = kid(&b, "exact");
    let input = |key: &str| PaymentInput {
        invoice_id: None,
        kid: Some(exact.clone()),
        amount: "1250.00".into(),
        date: TODAY.into(),
        payer: Some("Bygg AS".into()),
        bank_reference: None,
        idempotency_key: key.into(),
        nok_amount: None,
    };
    let first = b
        .env
        .host
        .register_payment("fjord", &input("hand-1"))
        .unwrap();
    assert_eq!(first.outcome, PaymentOutcome::Paid);
    let again = b
        .env
        .host
        .register_payment("fjord", &input("hand-1"))
        .unwrap();
    assert_eq!(again.outcome, PaymentOutcome::Duplicate);
    assert_eq!(again.payment.id, first.payment.id);
    let mut bad = input("hand-2");
    bad.amount = "-5".into();
    bad.date = "2026-13-01".into();
    let CallError::Component(Error::Invalid(fields)) =
        b.env.host.register_payment("fjord", &bad).unwrap_err()
    else {
        panic!("invalid")
    };
    let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, ["date", "amount"]);
    let credit_note = b.env.host.credit_left("fjord", &b.inv["exact"].id).unwrap();
    assert_eq!(
        credit_note.payable_left, "1250.00",
        "a payment credits nothing"
    );
    books_agree(&mut b, "0");
}

/// camt.054's structured payments (receivables.md §2.4): a "sumpost" that names two invoices
/// and deducts a credit note pays each invoice; one whose amounts do not add up, and a credit
/// from someone who is no customer, wait for a person; an ISO 11649 `RF` reference carries
/// the KID (its check digits made by python-stdnum).
fn structured_payments_pay_each_invoice_they_name() {
    for format in ["camt02", "camt08"] {
        let mut b = books();
        let dir = b.env.dir.path().to_owned();
        let line = CreditLine {
            line_id: b.inv["under"].lines[0].id,
            quantity: None,
            amount: Some("200.00".into()),
        };
        let note = b
            .env
            .host
            .credit(
                "fjord",
                &b.inv["under"].id,
                Some(&[line]),
                "Rabatt",
                "credit-2",
            )
            .unwrap();
        assert_eq!(note.totals.payable, "250.00");
        let mut sumpost = payment("300000001", None, "2250.00");
        sumpost["structured"] = json!([
            {"type": "CINV", "kid": kid(&b, "under"), "amount": "1250.00"},
            {"type": "CINV", "kid": kid(&b, "exact"), "amount": "1250.00"},
            {"type": "CREN", "number": note.number.to_string(), "amount": "250.00"},
        ]);
        let mut rf = payment("300000002", Some(&kid(&b, "over")), "1250.00");
        rf["rf"] = json!(true);
        let mut short = payment("300000003", None, "2000.00");
        short["structured"] = json!([
            {"type": "CINV", "kid": kid(&b, "double"), "amount": "1250.00"},
            {"type": "CINV", "kid": kid(&b, "reversed"), "amount": "1250.00"},
        ]);
        let mut stranger = payment("300000004", None, "5000.00");
        stranger["text"] = json!("Tilbakebetaling av skatt");
        let spec = json!({"format": format, "account": "86011117947",
                          "payments": [sumpost, rf, short, stranger]});
        let Some(file) = bank_file(&dir, format, spec) else {
            return;
        };
        let done = bank::import(&mut b.env.host, "fjord", &file, true).unwrap();
        let got: BTreeMap<&str, &str> = done
            .results
            .iter()
            .map(|r| (r.bank_reference.as_deref().unwrap(), r.outcome.name()))
            .collect();
        let want = BTreeMap::from([
            ("CAMT:300000001/1", "paid"),
            ("CAMT:300000001/2", "paid"),
            ("CAMT:300000002", "paid"),
            ("CAMT:300000003", "no-kid"),
            ("CAMT:300000004", "no-kid"),
        ]);
        assert_eq!(got, want, "{format}");
        assert_eq!(state(&mut b, "under"), ("0.00".into(), "paid"));
        assert_eq!(state(&mut b, "exact"), ("0.00".into(), "paid"));
        assert_eq!(state(&mut b, "over"), ("0.00".into(), "paid"));
        assert_eq!(state(&mut b, "double"), ("1250.00".into(), "open"));
        let waiting = payments_of(&mut b, true);
        let short = waiting.iter().find(|p| p.amount == "2000.00").unwrap();
        let text = short.text.as_deref().unwrap_or_default();
        assert!(
            text.contains(&kid(&b, "double")),
            "the references are kept: {text}"
        );
        books_agree(&mut b, "7000.00");
    }
}

/// The schema keeps the payments' records whole, whatever a host sends: a payment or a
/// posting that refers to nothing is refused, and a payment is never changed or deleted
/// (only its allocation, once).
fn the_schema_refuses_what_refers_to_nothing() {
    let mut b = books();
    let exact = kid(&b, "exact");
    let hand = PaymentInput {
        invoice_id: None,
        kid: Some(exact),
        amount: "1250.00".into(),
        date: TODAY.into(),
        payer: None,
        bank_reference: None,
        idempotency_key: "schema-1".into(),
        nok_amount: None,
    };
    b.env.host.register_payment("fjord", &hand).unwrap();
    let id = b.env.count("SELECT max(id) FROM payments");
    let columns = "client_id, bank_ref, amount_ore, date, outcome, invoice_id";
    for refused in [
        format!("INSERT INTO payments ({columns}) VALUES ('fjord', 'X-1', 100, '2026-12-01', 'paid', 999999)"),
        format!("INSERT INTO payments ({columns}) VALUES ('nobody', 'X-2', 100, '2026-12-01', 'paid', NULL)"),
        format!("INSERT INTO payment_journal (client_id, payment_id, date, voucher_number, account, debit_ore, credit_ore, text) VALUES ('fjord', {id}, '2026-12-01', 1, 9999, 100, 0, 'x')"),
        "INSERT INTO payment_journal (client_id, payment_id, date, voucher_number, account, debit_ore, credit_ore, text) VALUES ('fjord', 999999, '2026-12-01', 1, 1920, 100, 0, 'x')".to_owned(),
        format!("UPDATE payments SET amount_ore = 1 WHERE id = {id}"),
        format!("DELETE FROM payments WHERE id = {id}"),
        "DELETE FROM payment_journal".to_owned(),
    ] {
        assert!(b.env.execute(&refused).is_err(), "{refused} was allowed");
    }
    books_agree(&mut b, "0");
}

/// The console's overview filtered by payment state counts across every page: 80 paid among
/// 160 invoices are 50 on the first page and 30 on the second, and none is unpaid.
fn the_overview_filters_by_payment_across_pages() {
    let mut env = Env::active();
    let mut paid = std::collections::BTreeSet::new();
    for k in 0..160 {
        let i = env.invoice(
            "c-bygg",
            vec![free_line("Leie", "1", "100", VatCode::Standard)],
        );
        if k % 2 == 0 {
            let input = PaymentInput {
                invoice_id: Some(i.id.clone()),
                kid: None,
                amount: "125.00".into(),
                date: TODAY.into(),
                payer: None,
                bank_reference: None,
                idempotency_key: format!("overview-{k}"),
                nok_amount: None,
            };
            env.host.register_payment("fjord", &input).unwrap();
            paid.insert(i.id);
        }
    }
    let app = host_harness::console::App::new(env.host.rt.clone(), env.host.store_arc(), None);
    let router = host_harness::console::router(std::sync::Arc::new(app));
    let page = |side: u32| -> Vec<String> {
        use tower::ServiceExt;
        let req =
            axum::http::Request::get(format!("/c/fjord/oversikt?betaling=betalt&side={side}"))
                .body(axum::body::Body::empty())
                .unwrap();
        let body = tokio::runtime::Runtime::new().unwrap().block_on(async {
            let res = router.clone().oneshot(req).await.unwrap();
            assert_eq!(res.status(), 200);
            axum::body::to_bytes(res.into_body(), 1 << 24)
                .await
                .unwrap()
        });
        let html = String::from_utf8(body.to_vec()).unwrap();
        html.split("href=\"/c/fjord/dokument/")
            .skip(1)
            .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_owned()))
            .filter(|id| !id.contains('/'))
            .collect()
    };
    let (first, second) = (page(0), page(1));
    assert_eq!((first.len(), second.len()), (50, 30));
    for id in first.iter().chain(&second) {
        assert!(paid.contains(id), "{id} is not paid");
    }
    assert!(page(2).is_empty());
}

crate::on_both_stores!(
    the_overview_filters_by_payment_across_pages,
    the_schema_refuses_what_refers_to_nothing,
    every_matching_case_ends_as_the_table_says,
    structured_payments_pay_each_invoice_they_name,
    open_items_and_aging_follow_the_due_date,
    a_wrong_file_is_refused_whole,
    a_payment_registered_by_hand_counts_once,
);
