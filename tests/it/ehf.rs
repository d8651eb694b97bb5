//! EHF: every invoice and credit note we issue is a valid Peppol BIS Billing 3.0 document.
//! Checked by outside tools (UBL 2.1 XSD, our independent Python checks of BR-CO-10..17 and
//! the NO rules, and the official validator when it is set up), compared byte for byte with
//! golden files, and held against the voucher for the same document.

use crate::common;
use common::*;
use host_harness::{fixtures, scenario};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Run the scenarios that exercise every VAT case; write every EHF document to `dir`.
fn issue_everything(
    env: &mut Env,
    dir: &Path,
) -> Vec<(String, host_harness::bindings::IssuedDocument)> {
    let mut docs = Vec::new();
    for name in ["ehf-cases.json", "unregistered.json", "accountant.json"] {
        let sc: scenario::Scenario =
            fixtures::read(&fixtures::dir().join("scenarios").join(name)).unwrap();
        let report = scenario::run(&mut env.host, &sc).unwrap();
        docs.extend(
            report
                .documents
                .into_iter()
                .map(|d| (report.client.clone(), d.document)),
        );
    }
    for (client, d) in &docs {
        let n: i64 = d.id.strip_prefix("doc-").unwrap().parse().unwrap();
        let files =
            host_harness::store::with_unit(env.host.store(), |u| u.reports()?.files(client, n))
                .unwrap()
                .unwrap();
        if let Some(xml) = files.ehf {
            let kind = if d.kind == host_harness::bindings::DocumentKind::Invoice {
                "invoice"
            } else {
                "credit-note"
            };
            std::fs::write(dir.join(format!("{client}-{kind}-{}.xml", d.number)), xml).unwrap();
        }
    }
    docs
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    v.sort();
    v
}

fn every_document_passes_xsd_and_the_en16931_and_norwegian_checks_and_matches_its_voucher() {
    let mut env = Env::new();
    let out = tempfile::tempdir().unwrap();
    let docs = issue_everything(&mut env, out.path());
    let files = xml_files(out.path());
    assert_eq!(
        files.len() + 1,
        docs.len(),
        "every document to an organisation has an EHF form (one consumer invoice has none)"
    );
    assert_eq!(files.len(), 11, "4 invoices and 7 credit notes");
    let Some(py) = python(&["lxml", "peppol", "stdnum"]) else {
        return;
    };
    let run = Command::new(&py)
        .arg(repo().join("tests/ehf_check.py"))
        .args(&files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "EHF checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for r in &results {
        let (client, doc) = docs
            .iter()
            .find(|(c, d)| {
                r["file"].as_str().unwrap().starts_with(c.as_str())
                    && d.number.to_string() == r["id"].as_str().unwrap()
            })
            .expect("document for file");
        // The EHF states what the ledger posts: payable on 1500, base per revenue line, VAT per 27xx line.
        let posted = |account: fn(u32) -> bool| -> Vec<String> {
            doc.voucher
                .postings
                .iter()
                .filter(|p| account(p.account))
                .map(|p| {
                    if p.debit != "0.00" {
                        p.debit.clone()
                    } else {
                        p.credit.clone()
                    }
                })
                .collect()
        };
        assert_eq!(
            posted(|a| a == 1500),
            [r["payable"].as_str().unwrap()],
            "{client} {}",
            doc.number
        );
        let mut bases: Vec<String> = r["subtotals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s["base"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches('-')
                    .to_string()
            })
            .collect();
        let mut revenue = posted(|a| (3000..4000).contains(&a));
        bases.sort();
        revenue.sort();
        assert_eq!(bases, revenue, "{client} {}", doc.number);
        let mut vats: Vec<String> = r["subtotals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["vat"].as_str().unwrap().to_string())
            .filter(|v| v != "0.00")
            .collect();
        let mut vat_posted = posted(|a| (2700..2710).contains(&a));
        vat_posted.retain(|v| v != "0.00");
        vats.sort();
        vat_posted.sort();
        assert_eq!(vats, vat_posted);
        assert_eq!(r["payable"].as_str().unwrap(), doc.totals.payable);
        assert_eq!(r["kid"].as_str(), doc.kid.as_deref());
    }
    // Text survives: XML specials, æøå and characters outside Latin-1.
    let texts = results
        .iter()
        .flat_map(|r| {
            r["texts"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|t| t.as_str())
        })
        .collect::<Vec<_>>()
        .join("\n");
    for s in [
        "Småvarer: skruer & bolter <M8> \"galvanisert\" – Ωmega",
        "Ola & \"Kari\" <innkjøp>",
        "Ωmega ✓ 東京 'sitat' & <tegn>",
    ] {
        assert!(texts.contains(s), "{s:?} did not survive");
    }
    official_validator(&files);
}

fn golden_invoice_and_credit_note_are_unchanged_byte_for_byte() {
    let mut env = Env::new();
    let out = tempfile::tempdir().unwrap();
    issue_everything(&mut env, out.path());
    for (file, golden) in [
        ("fjord-invoice-10001.xml", "faktura-10001.xml"),
        ("fjord-credit-note-50001.xml", "kreditnota-50001.xml"),
    ] {
        let ours = std::fs::read_to_string(out.path().join(file)).unwrap();
        let path = fixtures::dir().join("golden").join(golden);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &ours).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!("{} missing: run with UPDATE_GOLDEN=1 once", path.display())
        });
        assert!(ours == expected, "{file} differs from {}; if the change is intended, run with UPDATE_GOLDEN=1 and review the diff", path.display());
    }
}

/// The PDF an EHF carries is, byte for byte, the PDF the document was issued with (decoded by
/// Python's own base64, strictly).
fn the_embedded_pdf_is_the_issued_pdf() {
    let mut env = Env::active();
    let inv = env.invoice("c-bygg", worked_example());
    let n: i64 = inv.id.strip_prefix("doc-").unwrap().parse().unwrap();
    let files =
        host_harness::store::with_unit(env.host.store(), |u| u.reports()?.files("fjord", n))
            .unwrap()
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (xml, pdf) = (dir.path().join("doc.xml"), dir.path().join("doc.pdf"));
    std::fs::write(&xml, files.ehf.unwrap()).unwrap();
    std::fs::write(&pdf, &files.pdf).unwrap();
    let Some(py) = python(&["base64"]) else {
        return;
    };
    let check = "import base64, re, sys\n\
        x = open(sys.argv[1]).read()\n\
        b = re.search(r'<cbc:EmbeddedDocumentBinaryObject[^>]*>([^<]*)<', x).group(1)\n\
        sys.exit(0 if base64.b64decode(b, validate=True) == open(sys.argv[2], 'rb').read() else 1)";
    let run = Command::new(py)
        .args(["-c", check])
        .arg(&xml)
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

crate::on_both_stores!(
    the_embedded_pdf_is_the_issued_pdf,
    every_document_passes_xsd_and_the_en16931_and_norwegian_checks_and_matches_its_voucher,
    golden_invoice_and_credit_note_are_unchanged_byte_for_byte,
);
