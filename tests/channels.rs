//! Distribution: each customer gets the channel that suits them, and what the channels receive
//! is real: a Nets AvtaleGiro file netsgiro parses, a MIME message with the PDF attached.

mod common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use std::process::Command;

#[test]
fn each_fixture_customer_lands_on_its_channel_and_the_files_are_real() {
    let mut env = Env::active();
    let out = tempfile::tempdir().unwrap();
    env.host.out_dir = Some(out.path().to_path_buf());
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
            vec![free_line("Tjeneste æøå", "2", "1234.56", "25")],
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
    assert_eq!(
        cn.deliveries[0].channel,
        Channel::Email,
        "{}",
        cn.deliveries[0].reason
    );
    for dir in ["ehf", "efaktura", "avtalegiro", "email", "print"] {
        assert!(
            out.path().join(dir).read_dir().unwrap().count() > 0,
            "{dir}/ is empty"
        );
    }
    // A second dispatch finds nothing queued: nothing is sent twice.
    assert_eq!(
        host_harness::channels::dispatch(env.host.conn(), out.path()).unwrap(),
        0
    );
    assert_eq!(env.count("SELECT count(*) FROM delivery_attempts"), 7);

    let ola = &docs[3];
    let nets = out
        .path()
        .join(format!("avtalegiro/fjord-faktura-{}.nets", ola.number));
    let raw = std::fs::read(&nets).unwrap();
    assert!(
        raw.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .all(|l| l.len() == 81 && l.ends_with(b"\r")),
        "80 characters + CR LF per record"
    );
    if let Some(py) = python(&["netsgiro"]) {
        let script = "import sys, netsgiro\nt = netsgiro.parse(open(sys.argv[1], 'rb').read().decode('iso-8859-1'))\nfor a in t.assignments:\n    print(a.get_num_transactions(), a.get_num_records(), f'{a.get_total_amount():.2f}', a.account, a.get_earliest_transaction_date())\n    for tx in a.transactions:\n        print(tx.kid, f'{tx.amount:.2f}', tx.date, tx.payer_name, tx.type.name)\n";
        let run = Command::new(py)
            .arg("-c")
            .arg(script)
            .arg(&nets)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "netsgiro refused our file: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let got = String::from_utf8(run.stdout).unwrap();
        let (kid, amount, due) = (
            ola.kid.as_deref().unwrap(),
            &ola.totals.payable,
            &ola.due_date,
        );
        let expected = format!("1 4 {amount} 86011117947 {due}\n{kid} {amount} {due} Ola Nordma AVTALEGIRO_WITH_PAYEE_NOTIFICATION\n");
        assert_eq!(got, expected);
    }

    let lise = &docs[4];
    let eml = out
        .path()
        .join(format!("email/fjord-faktura-{}.eml", lise.number));
    if let Some(py) = python(&["email"]) {
        let script = "import sys, email\nfrom email import policy\nm = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)\nprint(m['To']); print(m['Subject'])\nfor p in m.iter_attachments():\n    data = p.get_content()\n    print(p.get_content_type(), p.get_filename(), data[:5].decode(), len(data))\n";
        let run = Command::new(py)
            .arg("-c")
            .arg(script)
            .arg(&eml)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let got = String::from_utf8(run.stdout).unwrap();
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines[0], "lise@example.com");
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
