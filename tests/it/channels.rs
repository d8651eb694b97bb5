//! Distribution: each customer gets the channel that suits them, and what the channels receive
//! is real: a Nets AvtaleGiro file netsgiro parses, a MIME message with the PDF attached.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use std::process::Command;

fn each_fixture_customer_lands_on_its_channel_and_the_files_are_real() {
    let mut env = Env::active();
    let out = deliver_to_tempdir(&mut env, None);
    let expected = [
        ("c-bygg", Channel::Ehf),
        ("c-kommune", Channel::Ehf),
        ("c-kari", Channel::Efaktura),
        ("c-ola", Channel::Avtalegiro),
        ("c-lise", Channel::Email),
        ("c-per", Channel::Print),
    ];
    let mut docs = Vec::new();
    for (customer, channel) in expected {
        let inv = env.invoice(
            customer,
            vec![free_line("Tjeneste æøå", "2", "1234.56", VatCode::Standard)],
        );
        let inv = env.host.open("fjord", &inv.id).unwrap();
        assert_eq!(inv.deliveries.len(), 1);
        assert_eq!(
            (inv.deliveries[0].channel, inv.deliveries[0].state),
            (channel, DeliveryState::Sent),
            "{customer}: {}",
            inv.deliveries[0].reason
        );
        docs.push(inv);
    }
    // Tromsø kommune takes Invoice but not CreditNote in Peppol: its credit note goes by e-mail.
    let cn = env
        .host
        .credit("fjord", &docs[1].id, None, "Feil", "cn")
        .unwrap();
    env.host.dispatch();
    assert_eq!(
        cn.deliveries[0].channel,
        Channel::Email,
        "{}",
        cn.deliveries[0].reason
    );
    // ... and it asked for the EHF XML beside the PDF.
    let eml = std::fs::read_to_string(
        out.path()
            .join(format!("email/fjord-kreditnota-{}.eml", cn.number)),
    )
    .unwrap();
    assert!(
        eml.contains("Content-Type: application/pdf")
            && eml.contains("Content-Type: application/xml"),
        "PDF and EHF attached"
    );
    for dir in ["ehf", "efaktura", "avtalegiro", "email", "print"] {
        assert!(
            out.path().join(dir).read_dir().unwrap().count() > 0,
            "{dir}/ is empty"
        );
    }
    // A second dispatch finds nothing queued: nothing is sent twice.
    let cfg = host_harness::channels::Config::new(out.path(), None);
    assert_eq!(
        host_harness::channels::dispatch(env.host.store(), &cfg).unwrap(),
        0
    );
    assert_eq!(env.count("SELECT count(*) FROM delivery_attempts"), 7);

    let ola = &docs[3];
    let nets = nets_files(&out.path().join("avtalegiro"))
        .pop()
        .expect("a claim file");
    let raw = std::fs::read(&nets).unwrap();
    assert!(
        raw.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .all(|l| l.len() == 81 && l.ends_with(b"\r")),
        "80 characters + CR LF per record"
    );
    if let Some(got) = netsgiro(&nets) {
        let (kid, amount, due) = (
            ola.kid.as_deref().unwrap(),
            &ola.totals.payable,
            &ola.due_date,
        );
        let expected = format!("TRANSACTIONS 1 4 {amount} {due} {due} 86011117947\n1 AVTALEGIRO_WITH_PAYEE_NOTIFICATION {kid} {amount} {due} Ola Nordma\n");
        assert_eq!(got, expected);
    }

    let lise = &docs[4];
    let eml = out
        .path()
        .join(format!("email/fjord-faktura-{}.eml", lise.number));
    if let Some(py) = python(&["email"]) {
        let script = "import sys, email\nfrom email import policy\nm = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)\nprint(m['To']); print(m['Subject'])\nfor p in m.iter_attachments():\n    data = p.get_content()\n    print(p.get_content_type(), p.get_filename(), data[:5].decode(), len(data))\n";
        let got = stdout_of(Command::new(py).arg("-c").arg(script).arg(&eml));
        let got = String::from_utf8(got).unwrap();
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines[0], "Lise O'Brien <lise@example.com>");
        assert_eq!(
            lines[1],
            format!("Invoice {} from Fjord Regnskap AS", lise.number),
            "English for an English customer"
        );
        assert!(
            lines[2].starts_with(&format!(
                "application/pdf fjord-faktura-{}.pdf %PDF-",
                lise.number
            )),
            "{got}"
        );
    }
}

fn a_crash_between_accept_and_record_never_sends_twice() {
    let mut env = Env::active();
    let out = deliver_to_tempdir(&mut env, None);
    let inv = env.invoice(
        "c-per",
        vec![free_line("Vare", "1", "100", VatCode::Standard)],
    );
    let files = |dir: &std::path::Path| std::fs::read_dir(dir.join("print")).unwrap().count();
    let before = files(out.path());
    // The channel accepted it, then the dispatcher died before recording "sent".
    env.execute("UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = 0")
        .unwrap();
    env.host.dispatch();
    assert_eq!(
        files(out.path()),
        before,
        "nothing new reached the print service"
    );
    let doc = env.host.open("fjord", &inv.id).unwrap();
    assert_eq!(
        (
            doc.deliveries.len(),
            doc.deliveries[0].state,
            doc.deliveries[0].attempts
        ),
        (1, DeliveryState::Sent, 1)
    );
    assert!(doc.deliveries[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("repeat dropped"));
}

/// A one-shot SMTP server on loopback that refuses every recipient for good (550).
fn refusing_smtp() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::new(s);
        w.write_all(b"220 refuser ESMTP\r\n").unwrap();
        let mut line = String::new();
        while r.read_line(&mut line).unwrap_or(0) > 0 {
            let reply: &[u8] = if line.starts_with("RCPT") {
                b"550 5.1.1 no such user\r\n"
            } else if line.starts_with("QUIT") {
                b"221 bye\r\n"
            } else {
                b"250 ok\r\n"
            };
            w.write_all(reply).unwrap();
            line.clear();
        }
    });
    addr
}

fn a_permanent_refusal_falls_to_the_next_channel_and_a_transient_one_is_retried_later() {
    let mut env = Env::active();
    let out = deliver_to_tempdir(&mut env, Some(refusing_smtp()));
    let inv = env.invoice(
        "c-lise",
        vec![free_line("Consulting", "1", "100", VatCode::Standard)],
    );
    let doc = env.host.open("fjord", &inv.id).unwrap();
    let states = routes(&doc);
    assert_eq!(
        states,
        [
            (Channel::Email, DeliveryState::Failed),
            (Channel::Print, DeliveryState::Sent)
        ]
    );
    assert!(
        doc.deliveries[0].detail.as_deref().unwrap().contains("550"),
        "{:?}",
        doc.deliveries[0].detail
    );
    assert!(doc.deliveries[1]
        .reason
        .starts_with("fallback after email failed"));

    // Nothing listens on this port: transient, so it stays queued with a backoff.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    env.host.delivery = Some(host_harness::channels::Config::new(out.path(), Some(closed)).boxed());
    let inv = env.invoice(
        "c-lise",
        vec![free_line("Consulting", "2", "100", VatCode::Standard)],
    );
    let d = &env.host.open("fjord", &inv.id).unwrap().deliveries[0];
    assert_eq!(
        (d.channel, d.state, d.attempts),
        (Channel::Email, DeliveryState::Queued, 1)
    );
    assert!(d
        .detail
        .as_deref()
        .unwrap()
        .starts_with("transient, will retry"));
    assert_eq!(
        env.count("SELECT count(*) FROM outbox WHERE state = 'queued' AND next_attempt_at > 0"),
        1
    );
}

fn an_e_mail_reaches_a_real_smtp_server_with_the_pdf_attached() {
    let Some(py) = python(&["aiosmtpd"]) else {
        return;
    };
    let maildir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(&py)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir.path().join("inbox"))
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(started.elapsed().as_secs() < 20, "aiosmtpd did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut env = Env::active();
    let _out = deliver_to_tempdir(&mut env, Some(addr.clone()));
    let inv = env.invoice(
        "c-lise",
        vec![free_line(
            "Tax return assistance",
            "1",
            "1100",
            VatCode::Standard,
        )],
    );
    let d = &env.host.open("fjord", &inv.id).unwrap().deliveries[0];
    assert_eq!(d.state, DeliveryState::Sent, "{:?}", d.detail);
    let script = "import sys, mailbox\nfrom email import policy\nfor m in mailbox.Maildir(sys.argv[1], factory=None):\n    import email\n    m = email.message_from_bytes(m.as_bytes(), policy=policy.default)\n    print(m['To']); print(m['Subject'])\n    for p in m.iter_attachments():\n        data = p.get_content()\n        print(p.get_content_type(), data[:5].decode(), len(data))\n";
    let run = Command::new(&py)
        .arg("-c")
        .arg(script)
        .arg(maildir.path().join("inbox"))
        .output()
        .unwrap();
    server.kill().ok();
    server.wait().ok();
    let got = String::from_utf8_lossy(&run.stdout).to_string();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines[0], "Lise O'Brien <lise@example.com>");
    assert_eq!(
        lines[1],
        format!("Invoice {} from Fjord Regnskap AS", inv.number)
    );
    assert!(lines[2].starts_with("application/pdf %PDF-"), "{got}");
}

fn a_document_can_be_sent_again_on_request() {
    let mut env = Env::active();
    let _out = deliver_to_tempdir(&mut env, None);
    let inv = env.invoice(
        "c-bygg",
        vec![free_line("Vare", "1", "100", VatCode::Standard)],
    );
    let id = env
        .host
        .resend("fjord", &inv.id, Some(Channel::Email))
        .unwrap();
    let again = env.host.resend("fjord", &inv.id, None).unwrap();
    assert_ne!(id, again);
    env.host.dispatch();
    let doc = env.host.open("fjord", &inv.id).unwrap();
    let sent = routes(&doc);
    assert_eq!(
        sent,
        [
            (Channel::Ehf, DeliveryState::Sent),
            (Channel::Email, DeliveryState::Sent),
            (Channel::Ehf, DeliveryState::Sent)
        ]
    );
    assert!(doc.deliveries[1].reason.starts_with("resent on request"));
    let refused = env
        .host
        .resend("fjord", &inv.id, Some(Channel::Efaktura))
        .unwrap_err();
    assert_eq!(
        refused.kind(),
        "not-allowed",
        "c-bygg is not in the eFaktura directory: {refused}"
    );
    assert_eq!(
        env.host
            .resend("fjord", "doc-999", None)
            .unwrap_err()
            .kind(),
        "not-found"
    );
}

fn fully_crediting_an_avtalegiro_invoice_sends_the_bank_a_deletion() {
    let mut env = Env::active();
    let out = deliver_to_tempdir(&mut env, None);
    let inv = env.invoice(
        "c-ola",
        vec![free_line("Abonnement", "1", "399", VatCode::Standard)],
    );
    let deletion = out.path().join(format!(
        "avtalegiro/fjord-faktura-{}.deletion.nets",
        inv.number
    ));
    env.host
        .credit(
            "fjord",
            &inv.id,
            Some(&[CreditLine {
                line_id: 1,
                amount: Some("100".into()),
                quantity: None,
            }]),
            "Delvis",
            "cn1",
        )
        .unwrap();
    env.host.dispatch();
    assert!(!deletion.exists(), "a partial credit leaves the claim");
    env.host
        .credit("fjord", &inv.id, None, "Avsluttet", "cn2")
        .unwrap();
    env.host.dispatch();
    assert!(deletion.exists(), "a full credit deletes the claim");
    // The deletion request is a delivery of its own, recorded like any other.
    let doc = env.host.open("fjord", &inv.id).unwrap();
    assert_eq!(
        routes(&doc),
        [
            (Channel::Avtalegiro, DeliveryState::Sent),
            (Channel::Avtalegiro, DeliveryState::Sent)
        ]
    );
    if let Some(got) = netsgiro(&deletion) {
        let (kid, amount, due) = (
            inv.kid.as_deref().unwrap(),
            &inv.totals.payable,
            &inv.due_date,
        );
        let expected = format!("AVTALEGIRO_CANCELLATIONS 1 4 {amount} {due} {due} 86011117947\n1 AVTALEGIRO_CANCELLATION {kid} {amount} {due} Ola Nordma\n");
        assert_eq!(got, expected);
    }
}

fn a_dispatcher_killed_between_accept_and_record_delivers_exactly_once_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (db, out) = (new_store(dir.path()), dir.path().join("out"));
    let harness = env!("CARGO_BIN_EXE_host-harness");
    let scenarios = host_harness::fixtures::dir().join("scenarios");
    let first = Command::new(harness)
        .args([
            "run",
            scenarios.join("print-one.json").to_str().unwrap(),
            "--db",
            &db,
            "--out",
            out.to_str().unwrap(),
        ])
        .env("INVOICING_CRASH_AT", "after-accept")
        .env("INVOICING_LEASE_MS", "200")
        .output()
        .unwrap();
    assert!(
        !first.status.success(),
        "the process died after the print service accepted"
    );
    let state = |state: &str, attempts: i64| {
        scalar_at(
            &db,
            &format!(
                "SELECT count(*) FROM outbox WHERE state = '{state}' AND attempts = {attempts}"
            ),
        ) == 1
    };
    assert!(
        state("queued", 0),
        "the invoice was committed, its delivery not recorded"
    );
    // Restart once the dead dispatcher's lease has run out: start-up dispatch finds the
    // delivery, the print service recognises it and drops the repeat.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let second = Command::new(harness)
        .args([
            "run",
            scenarios.join("nothing.json").to_str().unwrap(),
            "--db",
            &db,
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(state("sent", 1));
    let pdfs = std::fs::read_dir(out.join("print"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pdf")
        })
        .count();
    assert_eq!(pdfs, 1, "delivered exactly once");
    assert_eq!(
        scalar_at(
            &db,
            "SELECT count(*) FROM outbox WHERE detail LIKE '%repeat dropped%'"
        ),
        1
    );
}

/// A receipt that exists proves the receiver took the document, whatever is in it: one left
/// empty (a process killed while writing it in place, as receipts once were) must be answered
/// as accepted, never parsed into a transient failure that ends in a fallback by another
/// channel (the document would reach the customer twice). And receipts are now written whole.
fn a_receipt_that_exists_is_acceptance_even_unreadable_and_never_leads_to_a_fallback() {
    let mut env = Env::active();
    let out = deliver_to_tempdir(&mut env, None);
    let inv = env.invoice(
        "c-bygg",
        vec![free_line("Vare", "1", "100", VatCode::Standard)],
    );
    let receipts: Vec<_> = std::fs::read_dir(out.path().join("ehf/receipts"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(receipts.len(), 1);
    let whole: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&receipts[0]).unwrap()).unwrap();
    assert_eq!(whole["channel"], "ehf");
    std::fs::write(&receipts[0], "").unwrap();
    // The dispatcher died before recording "sent": every later attempt meets the empty receipt.
    for _ in 0..attempts_past_giving_up() {
        env.execute("UPDATE outbox SET state = 'queued', next_attempt_at = 0")
            .unwrap();
        env.host.dispatch();
    }
    let doc = env.host.open("fjord", &inv.id).unwrap();
    assert_eq!(
        routes(&doc),
        [(Channel::Ehf, DeliveryState::Sent)],
        "no fallback"
    );
    assert!(!out.path().join("email").exists() && !out.path().join("print").exists());
    let xmls = std::fs::read_dir(out.path().join("ehf"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "xml"))
        .count();
    assert_eq!(xmls, 1);
}

/// As many attempts as make a delivery count as refused, and one more.
fn attempts_past_giving_up() -> u32 {
    host_harness::channels::MAX_ATTEMPTS + 1
}

fn nets_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().ends_with(".nets")
                && !p.to_string_lossy().ends_with(".deletion.nets")
        })
        .collect();
    v.sort();
    v
}

fn avtalegiro_claims_queued_together_go_to_the_bank_in_one_transmission() {
    let mut env = Env::active();
    // No dispatcher while invoicing (as a host that sends AvtaleGiro once a day would).
    let invoices: Vec<IssuedDocument> = [
        ("399", "2026-12-05"),
        ("1250.50", "2026-12-20"),
        ("99.90", "2026-12-12"),
    ]
    .into_iter()
    .map(|(price, due)| {
        let d = env.draft(
            "c-ola",
            vec![free_line("Abonnement", "1", price, VatCode::Standard)],
        );
        let d = env
            .change(
                &d,
                DraftChange::SetDates(Dates {
                    issue_date: None,
                    delivery_date: None,
                    due_date: Some(due.into()),
                    payment_terms_days: None,
                }),
            )
            .unwrap();
        env.host
            .finalize("fjord", &d.id, &format!("k-{price}"))
            .unwrap()
    })
    .collect();
    let out = deliver_to_tempdir(&mut env, None);
    env.host.dispatch();
    let files = nets_files(&out.path().join("avtalegiro"));
    assert_eq!(files.len(), 1, "one transmission");
    assert_eq!(env.deliveries(Some(DeliveryState::Sent)), 3);
    let Some(got) = netsgiro(&files[0]) else {
        return;
    };
    let total: rust_decimal::Decimal = invoices
        .iter()
        .map(|i| i.totals.payable.parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(
        total.to_string(),
        "2186.76",
        "half-up per invoice: 498.75 + 1563.13 + 124.88"
    );
    let mut expected = format!("TRANSACTIONS 3 8 {total} 2026-12-05 2026-12-20 86011117947\n");
    for (i, inv) in invoices.iter().enumerate() {
        expected += &format!(
            "{} AVTALEGIRO_WITH_PAYEE_NOTIFICATION {} {} {} Ola Nordma\n",
            i + 1,
            inv.kid.as_deref().unwrap(),
            inv.totals.payable,
            inv.due_date
        );
    }
    assert_eq!(got, expected);
}

fn efaktura_answers_a_consignment_it_holds_as_accepted_never_a_fallback() {
    let mut env = Env::active();
    let out = deliver_to_tempdir(&mut env, None);
    let inv = env.invoice(
        "c-kari",
        vec![free_line("Rådgivning", "1", "500", VatCode::Standard)],
    );
    env.host.resend("fjord", &inv.id, None).unwrap();
    env.host.dispatch();
    let doc = env.host.open("fjord", &inv.id).unwrap();
    assert_eq!(
        routes(&doc),
        [
            (Channel::Efaktura, DeliveryState::Sent),
            (Channel::Efaktura, DeliveryState::Sent)
        ],
        "the receiver already has it: success, and no second channel"
    );
    assert!(doc.deliveries[1]
        .detail
        .as_deref()
        .unwrap()
        .contains("already holds consignment fjord-10001"));
    assert!(!out.path().join("email").exists(), "nothing went by e-mail");
}

/// What netsgiro (PyPI, an independent parser of Nets files) reads in `file`: per assignment
/// `type transactions records total earliest-due latest-due account`, per transaction
/// `number type kid amount due payer`. None where netsgiro is not installed (outside CI).
fn netsgiro(file: &std::path::Path) -> Option<String> {
    let py = python(&["netsgiro"])?;
    let script = "import sys, netsgiro
t = netsgiro.parse(open(sys.argv[1], 'rb').read().decode('iso-8859-1'))
for a in t.assignments:
    print(a.type.name, a.get_num_transactions(), a.get_num_records(), f'{a.get_total_amount():.2f}', a.get_earliest_transaction_date(), a.get_latest_transaction_date(), a.account)
    for tx in a.transactions:
        print(int(tx.number), tx.type.name, tx.kid, f'{tx.amount:.2f}', tx.date, tx.payer_name)
";
    let run = Command::new(py)
        .arg("-c")
        .arg(script)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "netsgiro refused {}: {}",
        file.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    Some(String::from_utf8(run.stdout).unwrap())
}

/// Deliver to a fresh folder (and SMTP relay, if given) whenever the test dispatches.
fn deliver_to_tempdir(env: &mut Env, smtp: Option<String>) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    env.host.delivery = Some(host_harness::channels::Config::new(out.path(), smtp).boxed());
    out
}

/// Each delivery of a document as (channel, state), in the order they were queued.
fn routes(doc: &IssuedDocument) -> Vec<(Channel, DeliveryState)> {
    doc.deliveries
        .iter()
        .map(|d| (d.channel, d.state))
        .collect()
}

/// Headers read back exactly by Python's `email` parser (policy `default`) for names with
/// æøå, quotes, angle brackets and commas, and a subject far over one encoded word's 75 chars.
#[test]
fn e_mail_headers_read_back_exactly_for_any_name() {
    let Some(py) = python(&["email"]) else {
        return;
    };
    let long = format!("Fjord Økonomi AS {}", "æøå ÆØÅ ".repeat(23));
    let cases = [
        ("Fjord Økonomi AS", "Kari Nordmann"),
        (
            "Brødrene \"Ærlig\" & Sønn <AS>, avd. Øst",
            "Ås, Ørjan \"Bløt\" <kunde>",
        ),
        (long.trim(), "Ola"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (seller, customer)) in cases.iter().enumerate() {
        let p = host_harness::channels::Parcel {
            store: "s1".into(),
            delivery: 7 + i as i64,
            client: "fjord".into(),
            kind: DocumentKind::Invoice,
            number: 10001,
            facts: DeliveryFacts {
                recipient_name: customer.to_string(),
                email: Some("kari@example.no".into()),
                organisation_number: None,
                address: Address {
                    street: None,
                    postcode: None,
                    city: None,
                    country: None,
                },
                language: Language::Nb,
                attach_ehf: true,
                kid: Some("1001100013".into()),
                due_date: "2026-12-12".into(),
                payable: "100.00".into(),
                seller_name: seller.to_string(),
                seller_account: Some("15032080119".into()),
                credited_invoice: None,
                currency: "NOK".into(),
            },
            ehf: Some("<Invoice/>".into()),
            pdf: b"%PDF-1.7 test".to_vec(),
            notice: None,
        };
        let file = dir.path().join(format!("{i}.eml"));
        let m = host_harness::channels::email::message(&p)
            .unwrap()
            .formatted();
        assert!(
            m.split(|&b| b == b'\n').all(|l| l.len() <= 998),
            "no line over RFC 5322's limit"
        );
        std::fs::write(&file, &m).unwrap();
        // CPython's address parser keeps the space between two adjacent encoded words in a
        // display name, which RFC 2047 §6.2 says to drop; lettre splits a long name over several
        // words. So a long name is also read with the stdlib's RFC 2047 decoder.
        let script = "import sys, json, email\nfrom email import policy\nfrom email.header import decode_header, make_header\nraw = open(sys.argv[1], 'rb').read()\nm = email.message_from_bytes(raw, policy=policy.default)\nf, t = m['From'].addresses[0], m['To'].addresses[0]\nraw_from = email.message_from_bytes(raw, policy=policy.compat32)['From']\nrfc2047 = str(make_header(decode_header(raw_from.rsplit('<', 1)[0].strip())))\nprint(json.dumps([f.display_name if len(f.display_name) < 75 else rfc2047, f.addr_spec, t.display_name, t.addr_spec, str(m['Subject']), m['Message-ID'], [a.get_filename() for a in m.iter_attachments()], [a.get_content()[:5].decode() for a in m.iter_attachments()]]))\n";
        let got = stdout_of(Command::new(&py).arg("-c").arg(script).arg(&file));
        let got: serde_json::Value = serde_json::from_slice(&got).unwrap();
        let subject = format!("Faktura 10001 fra {seller}");
        assert_eq!(
            got,
            serde_json::json!([
                seller,
                "faktura@invoicing.invalid",
                customer,
                "kari@example.no",
                subject,
                format!("<delivery-{}.fjord.s1@invoicing.invalid>", 7 + i),
                ["fjord-faktura-10001.pdf", "fjord-faktura-10001.xml"],
                ["%PDF-", "<Invo"]
            ]),
            "case {i}"
        );
    }
}

/// A fresh database writing to a folder another one used is another sender: its deliveries
/// are made, never dropped as repeats of the other's (delivery ids are keyed by the store).
fn a_fresh_database_with_a_reused_out_folder_delivers_everything() {
    let out = tempfile::tempdir().unwrap();
    for round in 0..2 {
        let mut env = Env::active();
        env.host.delivery = Some(host_harness::channels::Config::new(out.path(), None).boxed());
        for c in ["c-bygg", "c-kari", "c-ola", "c-lise", "c-per"] {
            let inv = env.invoice(c, vec![free_line("Vare", "1", "100", VatCode::Standard)]);
            let d = &env.host.open("fjord", &inv.id).unwrap().deliveries[0];
            assert_eq!(d.state, DeliveryState::Sent, "round {round} {c}");
            let detail = d.detail.as_deref().unwrap_or("");
            assert!(
                !detail.contains("already") && !detail.contains("repeat"),
                "round {round} {c}: {detail}"
            );
        }
    }
    assert_eq!(
        nets_files(&out.path().join("avtalegiro")).len(),
        2,
        "two payee systems, two claims"
    );
}

crate::on_both_stores!(
    each_fixture_customer_lands_on_its_channel_and_the_files_are_real,
    a_crash_between_accept_and_record_never_sends_twice,
    a_receipt_that_exists_is_acceptance_even_unreadable_and_never_leads_to_a_fallback,
    a_permanent_refusal_falls_to_the_next_channel_and_a_transient_one_is_retried_later,
    an_e_mail_reaches_a_real_smtp_server_with_the_pdf_attached,
    a_document_can_be_sent_again_on_request,
    fully_crediting_an_avtalegiro_invoice_sends_the_bank_a_deletion,
    a_dispatcher_killed_between_accept_and_record_delivers_exactly_once_after_restart,
    avtalegiro_claims_queued_together_go_to_the_bank_in_one_transmission,
    efaktura_answers_a_consignment_it_holds_as_accepted_never_a_fallback,
    a_fresh_database_with_a_reused_out_folder_delivers_everything,
);
