//! Test only: a component implementing the same world as the invoicing component, that
//! misbehaves on purpose so the host's defences can be shown to hold. `create-draft` takes the
//! misbehaviour's name as its customer id; every other export refuses.

#[cfg(target_arch = "wasm32")]
mod component {
    mod wit {
        wit_bindgen::generate!({ path: "../../wit", world: "invoicing-component" });
    }

    use std::hint::black_box;
    use wit::erp::invoicing::{documents, ledger, outbox, sequences, types as t};
    use wit::exports::erp::invoicing::invoicing::Guest;

    struct Hostile;
    wit::export!(Hostile with_types_in wit);

    type R<T> = Result<T, t::Error>;

    fn deep(n: u64) -> u64 {
        if black_box(n) == u64::MAX {
            return 0;
        }
        deep(black_box(n + 1)) + 1
    }

    fn index() -> documents::Index {
        documents::Index {
            customer_id: "c-bygg".into(),
            customer_name: "x".into(),
            buyer_reference: None,
            our_reference: None,
            order_reference: None,
            issue_date: Some("2026-11-28".into()),
            payable: "125.00".into(),
            currency: "NOK".into(),
        }
    }

    fn posting(account: u32, debit: &str, credit: &str) -> t::Posting {
        t::Posting {
            account,
            debit: debit.into(),
            credit: credit.into(),
            customer_id: None,
            vat_code: None,
            text: "x".into(),
            currency: None,
        }
    }

    fn voucher(number: u64, balanced: bool) -> t::Voucher {
        t::Voucher {
            date: "2026-11-28".into(),
            document_number: number,
            postings: vec![
                posting(1500, "125.00", "0.00"),
                posting(3000, "0.00", if balanced { "125.00" } else { "100.00" }),
            ],
        }
    }

    fn facts() -> t::DeliveryFacts {
        t::DeliveryFacts {
            recipient_name: "x".into(),
            email: None,
            organisation_number: None,
            address: t::Address {
                street: None,
                postcode: None,
                city: None,
                country: None,
            },
            language: t::Language::Nb,
            attach_ehf: false,
            kid: None,
            due_date: "2026-12-12".into(),
            payable: "125.00".into(),
            seller_name: "x".into(),
            seller_account: None,
            credited_invoice: None,
            currency: "NOK".into(),
        }
    }

    fn store(number: u64) -> R<String> {
        documents::issue(&documents::NewDocument {
            kind: t::DocumentKind::Invoice,
            number,
            idempotency_key: None,
            index: index(),
            facts: facts(),
            body: "{}".into(),
            ehf: None,
            pdf: None,
        })
    }

    /// Take a number, store a document, post, enqueue: stopping after `steps` of them.
    fn issue(balanced: bool, steps: u32) -> R<String> {
        let number = sequences::next(sequences::Series::Invoice, 10001)?;
        if steps == 1 {
            panic!("trap after the number was taken");
        }
        let id = store(number)?;
        if steps == 2 {
            panic!("trap after the document was stored");
        }
        ledger::post(&id, &voucher(number, balanced))?;
        if steps == 3 {
            panic!("trap after the voucher was posted");
        }
        outbox::enqueue(&id, t::Channel::Print, "x", &[])?;
        if steps == 4 {
            panic!("trap after the delivery was queued");
        }
        Ok(id)
    }

    fn refuse<T>() -> R<T> {
        // Any refusal will do: the tests look at what the host kept, not at the case.
        Err(t::Error::NotAllowed(t::Refusal::NotAnInvoice))
    }

    /// What one call leaves behind for the next to look for: a static, and 4 MiB of heap.
    static LEFT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    const MARK: u64 = 0x5EC2_E7C0_FFEE_D00D;

    /// The mark's byte `k`, worked out each time (black-boxed) so that no copy of the pattern
    /// sits in the component's data or on the stack for the search to find.
    fn mark_byte(k: usize) -> u8 {
        (black_box(MARK).rotate_left(8 * (k % 8) as u32) >> 56) as u8 ^ (k / 8) as u8
    }

    fn leave_secret() {
        LEFT.store(MARK, std::sync::atomic::Ordering::Relaxed);
        let heap: Vec<u8> = (0..4 << 20).map(|i| mark_byte(i % 16)).collect();
        std::mem::forget(heap);
    }

    /// Whether anything an earlier call left is still in this instance's memory.
    fn find_secret() -> bool {
        if LEFT.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            return true;
        }
        let end = core::arch::wasm32::memory_size(0) * 65536;
        // SAFETY: every address below the memory's size is readable in wasm; this only reads.
        let memory = unsafe { std::slice::from_raw_parts(std::ptr::null::<u8>().add(1), end - 1) };
        let first = mark_byte(0);
        (0..memory.len().saturating_sub(16))
            .any(|i| memory[i] == first && (1..16).all(|k| memory[i + k] == mark_byte(k)))
    }

    impl Guest for Hostile {
        fn create_draft(what: String) -> R<t::Draft> {
            match what.as_str() {
                "loop" => loop {
                    black_box(());
                },
                "alloc" => {
                    let mut hoard = Vec::new();
                    loop {
                        hoard.push(black_box(vec![1u8; 1 << 20]));
                    }
                }
                "recurse" => {
                    black_box(deep(0));
                }
                "trap-before-number" => panic!("trap before anything"),
                "trap-after-number" => drop(issue(true, 1)),
                "trap-after-issue" => drop(issue(true, 2)),
                "trap-after-post" => drop(issue(true, 3)),
                "trap-after-enqueue" => drop(issue(true, 4)),
                "unbalanced" => {
                    issue(false, 5)?;
                }
                "reuse-number" => {
                    // The number just used, once more: the host accepts each taken number once.
                    let number = sequences::next(sequences::Series::Invoice, 10001)?;
                    store(number)?;
                    store(number)?;
                }
                "invent-number" => {
                    store(424242)?;
                }
                "leave-secret" => leave_secret(),
                // The control: the search finds what this very call left.
                "find-own-secret" => {
                    leave_secret();
                    if find_secret() {
                        return Err(t::Error::Host("found its own secret".into()));
                    }
                }
                "find-secret" if find_secret() => {
                    return Err(t::Error::Host("saw an earlier call's memory".into()));
                }
                "other-client" => {
                    // A document id that belongs to another client: the host must not know it.
                    if documents::get_document("doc-1").is_some() {
                        return Err(t::Error::Host("saw another client's document".into()));
                    }
                    ledger::post("doc-1", &voucher(10001, true))?;
                }
                _ => {}
            }
            refuse()
        }
        fn activate() -> R<()> {
            refuse()
        }
        fn deactivate(_: String) -> R<()> {
            refuse()
        }
        fn update_draft(_: String, _: u64, _: t::DraftChange) -> R<t::Draft> {
            refuse()
        }
        fn get_draft(_: String) -> R<t::Draft> {
            refuse()
        }
        fn delete_draft(_: String) -> R<()> {
            refuse()
        }
        fn preview(_: String) -> R<Vec<u8>> {
            refuse()
        }
        fn finalize(_: String, _: String) -> R<t::IssuedDocument> {
            refuse()
        }
        fn credit_left(_: String) -> R<t::Creditable> {
            refuse()
        }
        fn credit(
            _: String,
            _: Option<Vec<t::CreditLine>>,
            _: String,
            _: String,
        ) -> R<t::IssuedDocument> {
            refuse()
        }
        fn overview(_: t::OverviewFilter) -> R<Vec<t::Summary>> {
            refuse()
        }
        fn open(_: String) -> R<t::IssuedDocument> {
            refuse()
        }
        fn resend(_: String, _: Option<t::Channel>) -> R<String> {
            refuse()
        }
    }

    // Recurring series: refused, as every export but `create-draft` is.
    /// Payments (contract 0.4.1): `register` posts its payment of 125.00 with an unbalanced
    /// voucher (when the payer is `unbalanced`), and then the same bank reference again; the
    /// host must refuse both. With the payer `swallow` the second list holds a new payment
    /// beside the repeated one, the refusal is ignored and the call ends well: the host must
    /// have kept nothing of that list. The rest refuses.
    impl wit::exports::erp::invoicing::payments::Guest for Hostile {
        fn register(p: t::PaymentInput) -> R<t::PaymentResult> {
            use wit::erp::invoicing::receivables as rcv;
            let new = rcv::NewPayment {
                bank_reference: p.bank_reference.clone(),
                idempotency_key: Some(p.idempotency_key.clone()),
                kid: None,
                amount: "125.00".into(),
                date: p.date.clone(),
                payer: None,
                text: None,
                outcome: t::PaymentOutcome::NoKid,
                invoice_id: None,
                customer_id: None,
            };
            let mut v = voucher(0, p.payer.as_deref() != Some("unbalanced"));
            v.postings[0].account = 1920;
            v.postings[1].account = 2999;
            let keep = rcv::PaymentToKeep {
                payment: new,
                voucher: v,
            };
            let ids = rcv::insert_payments(std::slice::from_ref(&keep))?;
            if p.payer.as_deref() == Some("swallow") {
                let mut fresh = keep.clone();
                fresh.payment.bank_reference = Some("bank-fresh".into());
                fresh.payment.idempotency_key = Some("key-fresh".into());
                let refused = rcv::insert_payments(&[fresh, keep.clone()]).is_err();
                return Ok(t::PaymentResult {
                    bank_reference: p.bank_reference,
                    outcome: t::PaymentOutcome::NoKid,
                    payment: t::Payment {
                        id: ids.into_iter().next().unwrap_or_default(),
                        bank_reference: keep.payment.bank_reference,
                        kid: None,
                        amount: keep.payment.amount,
                        date: keep.payment.date,
                        payer: Some(format!("refused: {refused}")),
                        text: None,
                        outcome: t::PaymentOutcome::NoKid,
                        invoice_id: None,
                        invoice_number: None,
                        customer_id: None,
                    },
                    open_after: None,
                });
            }
            rcv::insert_payments(&[keep])?;
            refuse()
        }
        fn import_statement(_: t::BankStatement) -> R<Vec<t::PaymentResult>> {
            refuse()
        }
        fn allocate(_: String, _: String) -> R<t::PaymentResult> {
            refuse()
        }
        fn refund(_: String, _: String, _: String, _: String) -> R<t::PaymentResult> {
            refuse()
        }
        fn list_payments(_: t::PaymentFilter) -> R<Vec<t::Payment>> {
            refuse()
        }
        fn open_items(_: Option<String>) -> R<Vec<t::OpenItem>> {
            refuse()
        }
        fn item(_: String) -> R<t::OpenItem> {
            refuse()
        }
        fn balance(_: String) -> R<t::CustomerBalance> {
            refuse()
        }
        fn aging_report(_: Option<String>) -> R<t::Aging> {
            refuse()
        }
    }

    impl wit::exports::erp::invoicing::reminders::Guest for Hostile {
        fn due(_: Option<String>) -> R<Vec<t::ReminderDue>> {
            refuse()
        }
        fn preview(_: String) -> R<Vec<u8>> {
            refuse()
        }
        /// Keep a notice the host must refuse (`foreign`: another client's invoice;
        /// `unbalanced`: its voucher; `negative-fee`), or one step `twice` (the second
        /// refused, and the refusal swallowed: the first alone stays).
        fn send(what: String) -> R<t::SendOutcome> {
            use wit::erp::invoicing::notices as nt;
            let invoice = if what == "foreign" {
                "doc-1".to_owned()
            } else {
                store(sequences::next(sequences::Series::Invoice, 10001)?)?
            };
            let plan = t::NoticePlan {
                kind: t::NoticeKind::Reminder,
                step: 1,
                principal: "125.00".into(),
                earlier_charges: "0.00".into(),
                fee: if what == "negative-fee" {
                    "-38.00"
                } else {
                    "38.00"
                }
                .into(),
                no_fee: None,
                compensation: "0.00".into(),
                interest: Vec::new(),
                interest_total: "0.00".into(),
                total: "163.00".into(),
                deadline: "2026-12-12".into(),
            };
            let new = nt::NewNotice {
                invoice_id: invoice,
                sent: "2026-11-28".into(),
                plan,
                facts: facts(),
                pdf: b"%PDF".to_vec(),
                ehf: None,
            };
            let mut v = voucher(0, what != "unbalanced");
            v.postings[1].account = 3900;
            nt::insert(&new, &v)?;
            let again = nt::insert(&new, &v);
            Ok(t::SendOutcome::Never(if again.is_err() {
                t::Hold::AllSent
            } else {
                t::Hold::Paid
            }))
        }
        fn history(_: String) -> R<Vec<t::Notice>> {
            refuse()
        }
    }

    impl wit::exports::erp::invoicing::recurring::Guest for Hostile {
        fn make_recurring(_: String, _: u64, _: t::Schedule) -> R<t::Series> {
            refuse()
        }
        fn get_series(_: String) -> R<t::Series> {
            refuse()
        }
        fn list_series() -> R<Vec<t::Series>> {
            refuse()
        }
        fn change_series(_: String, _: u64, _: t::SeriesChange) -> R<t::Series> {
            refuse()
        }
        fn due() -> R<Vec<t::Occurrence>> {
            refuse()
        }
        fn issue_occurrence(_: String, _: String) -> R<t::IssuedDocument> {
            refuse()
        }
    }
}
