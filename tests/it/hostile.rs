//! Hostile input: texts no document may carry, identifiers that would become paths, a cache a
//! stranger could plant code in, and arbitrary sequences of calls with arbitrary values, which
//! must never trap, never issue an ill-formed EHF and never unbalance the books.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use proptest::prelude::*;

fn texts_with_control_or_xml_forbidden_characters_are_refused_naming_the_field() {
    let mut env = Env::active();
    let d = env.draft("c-bygg", worked_example());
    for bad in [
        "a\u{0}b",
        "a\u{7}b",
        "a\u{b}b",
        "a\u{c}b",
        "a\u{1b}b",
        "a\u{fffe}b",
        "a\u{ffff}b",
        "a\rb",
    ] {
        let e = env
            .change(&d, DraftChange::SetNote(Some(bad.into())))
            .unwrap_err();
        assert_eq!(e.fields(), ["note"], "{bad:?}");
        let e = env
            .change(
                &d,
                DraftChange::AddLines(vec![free_line(bad, "1", "1", VatCode::Standard)]),
            )
            .unwrap_err();
        assert_eq!(e.fields(), ["lines[2].description"], "{bad:?}");
        let refs = References {
            buyer_reference: Some(bad.into()),
            our_reference: None,
            order_reference: None,
        };
        let e = env
            .change(&d, DraftChange::SetReferences(refs))
            .unwrap_err();
        assert_eq!(e.fields(), ["references.buyer-reference"], "{bad:?}");
    }
    let inv = env.invoice("c-bygg", worked_example());
    let e = env
        .host
        .credit("fjord", &inv.id, None, "feil\u{1}", "k")
        .unwrap_err();
    assert_eq!(e.fields(), ["reason"]);
    // What the host's register hands over is checked the same way.
    edit_customer(&env, "fjord", "c-kari", |c| {
        c.name = "Kari\u{1b}[31m".into()
    });
    let e = env.host.create_draft("fjord", "c-kari").unwrap_err();
    assert_eq!(e.fields(), ["customer.name"]);
}

/// What a register hands over that cannot make a valid document, or would make one that lies:
/// a name on two lines (fake address lines above the real one on the print channel's sheet),
/// direction overrides (a name or subject that displays as something else), an organisation
/// number the official rules refuse, a country that is none, an e-mail that is none. Each is
/// refused naming the customer's field, and nothing raw (a NUL) is echoed back in a message.
/// Written as people type them, the same data is accepted and normalised.
fn register_data_that_cannot_make_a_valid_document_is_refused_naming_the_field() {
    let mut env = Env::active();
    let refused = |env: &mut Env, f: &dyn Fn(&mut Customer)| {
        edit_customer(env, "fjord", "c-bygg", f);
        env.host.create_draft("fjord", "c-bygg").unwrap_err()
    };
    let original = env
        .host
        .store()
        .begin()
        .unwrap()
        .customer("fjord", "c-bygg")
        .unwrap()
        .unwrap()
        .customer;
    type Case = (&'static str, Box<dyn Fn(&mut Customer)>);
    let cases: Vec<Case> = vec![
        (
            "customer.name",
            Box::new(|c| c.name = "Bygg AS\nStorgata 99\n0001 Oslo".into()),
        ),
        (
            "customer.name",
            Box::new(|c| c.name = "Bygg \u{202E}SA gnyB".into()),
        ),
        (
            "customer.name",
            Box::new(|c| c.name = "Bygg \u{2066}AS".into()),
        ),
        (
            "customer.address.street",
            Box::new(|c| c.address.street = Some("Gata 1\nFalsk".into())),
        ),
        (
            "customer.organisation-number",
            Box::new(|c| c.organisation_number = Some("123".into())),
        ),
        (
            "customer.organisation-number",
            Box::new(|c| c.organisation_number = Some("914 778 272".into())),
        ),
        (
            "customer.address.country",
            Box::new(|c| c.address.country = Some("Narnia".into())),
        ),
        (
            "customer.email",
            Box::new(|c| c.email = Some("post@\u{7}bygg.no".into())),
        ),
        (
            "customer.email",
            Box::new(|c| c.email = Some("ikke en adresse".into())),
        ),
    ];
    for (field, f) in &cases {
        let e = refused(&mut env, &|c| {
            *c = original.clone();
            f(c)
        });
        assert_eq!(e.fields(), [*field], "{e}");
        assert!(
            !e.to_string().chars().any(|c| c.is_control()),
            "a control character echoed: {e:?}"
        );
    }
    // As people type them: accepted, and the documents carry the normalised form.
    edit_customer(&env, "fjord", "c-bygg", |c| {
        *c = original.clone();
        c.organisation_number = Some("NO 988 077 917 MVA".into());
        c.address.country = Some("Norge".into());
    });
    let inv = env.invoice("c-bygg", worked_example());
    let ehf = ehf_of(&env, &inv.id);
    assert!(ehf.contains(">988077917</cbc:EndpointID>"), "{ehf}");
    assert!(ehf.contains(">988077917</cbc:CompanyID>"), "{ehf}");
    assert!(ehf.contains("<cbc:IdentificationCode>NO</cbc:IdentificationCode>"));
    // A unit as people type it becomes its Rec 20 code; a NUL in a bad one is not echoed.
    let d = env.draft(
        "c-bygg",
        vec![LineInput {
            unit: Some("timer".into()),
            ..free_line("Rådgivning", "2", "1000", VatCode::Standard)
        }],
    );
    assert_eq!(d.lines[0].unit, "HUR");
    let e = env
        .change(
            &d,
            DraftChange::AddLines(vec![LineInput {
                unit: Some("x\u{0}y".into()),
                ..free_line("Vare", "1", "1", VatCode::Standard)
            }]),
        )
        .unwrap_err();
    assert_eq!(e.fields(), ["lines[1].unit"]);
    assert!(
        !e.to_string().contains('\u{0}') && e.to_string().contains("U+0000"),
        "{e}"
    );
}

/// A seller's name that would spoof the e-mail's From and Subject, or print on two lines, is
/// refused where the settings are checked.
fn seller_texts_that_would_spoof_or_split_are_refused() {
    let mut env = Env::active();
    edit_settings(&env, "fjord", |s| s.name = Some("Fjord \u{202E}SA".into()));
    let e = env.host.create_draft("fjord", "c-bygg").unwrap_err();
    assert!(e.fields().contains(&"name".to_string()), "{e}");
    edit_settings(&env, "fjord", |s| {
        s.name = Some("Fjord AS\nBcc: alle".into())
    });
    let e = env.host.create_draft("fjord", "c-bygg").unwrap_err();
    assert!(e.fields().contains(&"name".to_string()), "{e}");
}

fn identifiers_never_become_paths_or_headers() {
    let env = Env::new();
    for bad in [
        "../etc",
        "/abs",
        "a/b",
        "nul\u{0}",
        "cr\r\nlf",
        "",
        "UPPER",
        &"x".repeat(65),
    ] {
        let mut c: host_harness::fixtures::Client = serde_json::from_value(serde_json::json!({
            "id": "ok", "settings": {}
        }))
        .unwrap();
        c.id = bad.into();
        assert!(
            host_harness::fixtures::load_client(env.host.store(), &c, env.dir.path()).is_err(),
            "{bad:?}"
        );
    }
    let mut env = env;
    let e = env.host.activate("../fjord").unwrap_err();
    assert_eq!(e.kind(), "host");
    assert!(host_harness::runtime::valid_client_id("fjord-2"));
}

#[test]
fn the_compiled_component_is_cached_only_where_no_one_else_can_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert!(
        host_harness::runtime::trusted_cache_dir(&open).is_none(),
        "world-writable"
    );
    let mine = dir.path().join("mine");
    let got = host_harness::runtime::trusted_cache_dir(&mine).unwrap();
    assert_eq!(
        std::fs::metadata(got).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

fn the_same_call_gives_the_same_bytes() {
    let mut a = Env::active();
    let mut b = Env::active();
    let da = a.draft("c-bygg", worked_example());
    let db = b.draft("c-bygg", worked_example());
    assert_eq!(
        a.host.preview("fjord", &da.id).unwrap(),
        b.host.preview("fjord", &db.id).unwrap()
    );
}

/// One step of an arbitrary session.
#[derive(Debug, Clone)]
enum Step {
    Line(
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<VatCode>,
    ),
    Note(String),
    Dates(String, Option<String>),
    Finalize,
    Credit(Option<(u32, String, bool)>, String),
    Preview,
    Overview(Option<String>, Option<String>, Option<usize>, Option<u32>),
    Open(String),
    Resend(Option<u8>),
    SetCustomer(String),
    DeleteDraft,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z æøåÆØÅ&<>\"']{0,30}",
        any::<String>().prop_map(|s| s.chars().take(40).collect()),
        Just("\u{feff}\u{202e}x".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,12}(\\.[0-9]{1,5})?",
        Just("999999999.9999".to_owned()),
        Just("1e5".to_owned()),
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
        "-?[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}",
        any::<String>()
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (text(), number(), number(), proptest::option::of(number()), proptest::option::of("[A-Z0-9]{1,4}"), proptest::option::of(prop::sample::select(vec![VatCode::Standard, VatCode::Medium, VatCode::ZeroRated, VatCode::ReverseCharge, VatCode::Outside])))
            .prop_map(|(d, q, p, disc, unit, vat)| Step::Line(d, q, p, disc, unit, vat)),
        1 => text().prop_map(Step::Note),
        1 => (date(), proptest::option::of(date())).prop_map(|(i, d)| Step::Dates(i, d)),
        2 => Just(Step::Finalize),
        2 => (proptest::option::of((1u32..4, number(), any::<bool>())), text()).prop_map(|(l, r)| Step::Credit(l, r)),
        1 => Just(Step::Preview),
        1 => (proptest::option::of(text()), proptest::option::of(date()), proptest::option::of(0usize..4), proptest::option::of(0u32..300))
            .prop_map(|(r, d, s, l)| Step::Overview(r, d, s, l)),
        1 => prop_oneof![Just("doc-1".to_owned()), text()].prop_map(Step::Open),
        1 => proptest::option::of(0u8..5).prop_map(Step::Resend),
        1 => prop_oneof![Just("c-kari".to_owned()), Just("c-lise".to_owned()), text()].prop_map(Step::SetCustomer),
        1 => Just(Step::DeleteDraft),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("HOSTILE_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]
    #[test]
    fn arbitrary_calls_never_trap_and_keep_the_books(steps in proptest::collection::vec(step(), 1..12)) {
        let mut env = Env::active();
        let customers = ["c-bygg", "c-kari", "c-ola"];
        let mut draft = env.host.create_draft("fjord", customers[steps.len() % 3]).unwrap();
        let mut invoices: Vec<IssuedDocument> = Vec::new();
        for (n, s) in steps.iter().enumerate() {
            let outcome = match s {
                Step::Line(d, q, p, disc, unit, vat) => {
                    let l = LineInput { product_id: None, description: Some(d.clone()), quantity: q.clone(), unit: unit.clone(), unit_price: Some(p.clone()), discount_percent: disc.clone(), vat_code: *vat };
                    env.change(&draft, DraftChange::AddLines(vec![l])).map(|d| draft = d)
                }
                Step::Note(t) => env.change(&draft, DraftChange::SetNote(Some(t.clone()))).map(|d| draft = d),
                Step::Dates(i, due) => env
                    .change(&draft, DraftChange::SetDates(Dates { issue_date: Some(i.clone()), delivery_date: None, due_date: due.clone(), payment_terms_days: None }))
                    .map(|d| draft = d),
                Step::Finalize => env.host.finalize("fjord", &draft.id, &format!("k{n}")).map(|inv| {
                    invoices.push(inv);
                    draft = env.host.create_draft("fjord", "c-bygg").unwrap();
                }),
                Step::Preview | Step::Overview(..) | Step::Open(_) | Step::Resend(_) | Step::SetCustomer(_) | Step::DeleteDraft => Ok(()),
                Step::Credit(line, reason) => match invoices.last() {
                    None => Ok(()),
                    Some(inv) => {
                        let lines = line.as_ref().map(|(id, v, by_qty)| vec![CreditLine {
                            line_id: *id,
                            quantity: by_qty.then(|| v.clone()),
                            amount: (!by_qty).then(|| v.clone()),
                        }]);
                        env.host.credit("fjord", &inv.id, lines.as_deref(), reason, &format!("c{n}")).map(|_| ())
                    }
                },
            };
            let outcome = match (s, outcome) {
                (Step::Preview, _) => env.host.preview("fjord", &draft.id).map(|_| ()),
                (Step::Overview(reference, from, status, limit), _) => env
                    .host
                    .overview("fjord", &OverviewFilter { reference: reference.clone(), issued_from: from.clone(), status: status.map(|s| [DocumentStatus::Draft, DocumentStatus::Issued, DocumentStatus::PartiallyCredited, DocumentStatus::Credited][s]), limit: *limit, ..Default::default() })
                    .map(|_| ()),
                (Step::Open(id), _) => env.host.open("fjord", id).map(|_| ()),
                (Step::Resend(ch), _) => match invoices.last() {
                    None => Ok(()),
                    Some(inv) => {
                        let ch = ch.map(|c| [Channel::Ehf, Channel::Efaktura, Channel::Avtalegiro, Channel::Email, Channel::Print][c as usize]);
                        env.host.resend("fjord", &inv.id, ch).map(|_| ())
                    }
                },
                (Step::SetCustomer(c), _) => env.change(&draft, DraftChange::SetCustomer(c.clone())).map(|d| draft = d),
                (Step::DeleteDraft, _) => env.host.delete_draft("fjord", &draft.id).map(|_| {
                    draft = env.host.create_draft("fjord", "c-bygg").unwrap();
                }),
                (_, outcome) => outcome,
            };
            if let Err(e) = outcome {
                prop_assert!(!matches!(e.kind(), "trap" | "host"), "step {n} {s:?}: {e}");
            }
        }
        // Every EHF issued is well-formed and passes the component's own rules, read back here.
        for xml in stored_ehfs(&env, "fjord") {
            prop_assert_eq!(guest::ehf_check::check(&xml), Vec::<String>::new());
        }
        // The books: every voucher balances, and so does the trial balance.
        let mut vouchers = std::collections::BTreeMap::<i64, i64>::new();
        for r in env.journal() {
            *vouchers.entry(r.number).or_default() += r.debit_ore - r.credit_ore;
        }
        prop_assert!(vouchers.values().all(|net| *net == 0), "{vouchers:?}");
        for inv in &invoices {
            let credited: i64 = env.count(&format!("SELECT coalesce(sum(d.payable_ore), 0) FROM documents d WHERE d.credits = {}", host_harness::ids::Id::Doc.row(&inv.id).unwrap()));
            let payable: i64 = env.count(&format!("SELECT payable_ore FROM documents WHERE id = {}", host_harness::ids::Id::Doc.row(&inv.id).unwrap()));
            prop_assert!(credited <= payable, "credited {} of {}", credited, payable);
        }
    }
}

crate::on_both_stores!(
    texts_with_control_or_xml_forbidden_characters_are_refused_naming_the_field,
    register_data_that_cannot_make_a_valid_document_is_refused_naming_the_field,
    seller_texts_that_would_spoof_or_split_are_refused,
    identifiers_never_become_paths_or_headers,
    the_same_call_gives_the_same_bytes,
);
