//! The bank's files of incoming payments, read by the host and handed to the component to
//! match (`payments.import-statement`): the OCR giro file and ISO 20022 camt.054. A file is
//! read twice, as a stream both times: first whole, keeping nothing, so a file that is wrong
//! anywhere (its control sums, another account, another currency) is refused before any of
//! it is registered; then in parts of [`CHUNK`] payments, each part one call and one unit of
//! work. A run that dies half-way is simply run again: what was registered is a `duplicate`
//! the second time, and the rest is registered once.

mod camt054;
mod ocr;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use invoicing_host::bindings::{BankPayment, BankStatement, PaymentResult};
use invoicing_host::runtime::Harness;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Payments per call: well inside a call's fuel, and a durable commit per 1 000 (BENCHMARKS.md:
/// 500 gave 18 800 payments/s, 1 000 gave 22 500, 2 000 gave 23 200 on SQLite).
pub const CHUNK: usize = 1000;

/// One payment as a file gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Payment {
    pub bank_reference: String,
    pub kid: Option<String>,
    /// Signed: a reversal is negative.
    pub ore: i64,
    pub date: NaiveDate,
    pub payer: Option<String>,
    pub text: Option<String>,
}

/// Where a parser hands what it reads.
pub trait Sink {
    /// The account the file credits (once per assignment or notification).
    fn account(&mut self, account: &str) -> Result<()>;
    fn currency(&mut self, currency: &str) -> Result<()>;
    fn payment(&mut self, p: Payment) -> Result<()>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Format {
    Ocr,
    Camt054,
}

/// What the first pass found: one account, one currency, and the payments' count and sum.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Checked {
    pub format: Format,
    pub account: String,
    pub currency: String,
    pub payments: u64,
    pub ore: i64,
}

/// The format by the file's first bytes: XML, or an OCR start record.
fn format_of(path: &Path) -> Result<Format> {
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    let head = String::from_utf8_lossy(&head[..n]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('<') {
        Ok(Format::Camt054)
    } else if head.starts_with("NY000010") {
        Ok(Format::Ocr)
    } else {
        bail!("neither an OCR giro file nor a camt.054 notification")
    }
}

fn read(path: &Path, sink: &mut dyn Sink) -> Result<Format> {
    let format = format_of(path)?;
    let input = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    match format {
        Format::Ocr => ocr::read(input, sink),
        Format::Camt054 => camt054::read(input, sink),
    }
    .with_context(|| format!("{} ({format:?})", path.display()))?;
    Ok(format)
}

/// The first pass: the whole file read and checked, nothing kept.
pub fn check(path: &Path) -> Result<Checked> {
    #[derive(Default)]
    struct Count {
        accounts: Vec<String>,
        currencies: Vec<String>,
        payments: u64,
        ore: i64,
    }
    impl Sink for Count {
        fn account(&mut self, a: &str) -> Result<()> {
            if !self.accounts.iter().any(|x| x == a) {
                self.accounts.push(a.to_owned());
            }
            Ok(())
        }
        fn currency(&mut self, c: &str) -> Result<()> {
            if !self.currencies.iter().any(|x| x == c) {
                self.currencies.push(c.to_owned());
            }
            Ok(())
        }
        fn payment(&mut self, p: Payment) -> Result<()> {
            self.payments += 1;
            self.ore += p.ore;
            Ok(())
        }
    }
    let mut count = Count::default();
    let format = read(path, &mut count)?;
    let one = |what: &str, mut v: Vec<String>| -> Result<String> {
        match v.len() {
            0 => bail!("the file names no {what}"),
            1 => Ok(v.remove(0)),
            _ => bail!(
                "the file is for several {what}s ({}): nothing was imported",
                v.join(", ")
            ),
        }
    };
    let account = one("account", count.accounts)?;
    // OCR giro is in NOK by definition; camt.054 says so on every amount.
    let currency = match format {
        Format::Ocr if count.currencies.is_empty() => "NOK".to_owned(),
        _ => one("currency", count.currencies)?,
    };
    Ok(Checked {
        format,
        account,
        currency,
        payments: count.payments,
        ore: count.ore,
    })
}

/// The second pass: the payments in parts of `n`.
pub fn chunks(path: &Path, n: usize, f: impl FnMut(Vec<Payment>) -> Result<()>) -> Result<()> {
    struct Chunks<F> {
        n: usize,
        part: Vec<Payment>,
        f: F,
    }
    impl<F: FnMut(Vec<Payment>) -> Result<()>> Sink for Chunks<F> {
        fn account(&mut self, _: &str) -> Result<()> {
            Ok(())
        }
        fn currency(&mut self, _: &str) -> Result<()> {
            Ok(())
        }
        fn payment(&mut self, p: Payment) -> Result<()> {
            self.part.push(p);
            if self.part.len() == self.n {
                (self.f)(std::mem::take(&mut self.part))?;
            }
            Ok(())
        }
    }
    let mut c = Chunks {
        n,
        part: Vec::with_capacity(n),
        f,
    };
    read(path, &mut c)?;
    if !c.part.is_empty() {
        (c.f)(std::mem::take(&mut c.part))?;
    }
    Ok(())
}

/// What an import came to.
#[derive(Debug, serde::Serialize)]
pub struct Imported {
    pub file: Checked,
    /// When the same file (by its SHA-256) was imported before, if it was.
    pub seen_before: Option<String>,
    /// How many payments had each outcome.
    pub outcomes: BTreeMap<String, u64>,
    /// Every payment's result, in the file's order (empty when `keep_results` is false).
    pub results: Vec<PaymentResult>,
}

/// Import a bank file for `client`: checked whole, then matched by the component in parts.
/// The component's refusal (another account, another currency) is a [`invoicing_host::CallError`]
/// inside the error.
pub fn import(h: &mut Harness, client: &str, path: &Path, keep_results: bool) -> Result<Imported> {
    import_in(h, client, path, keep_results, CHUNK)
}

/// [`import`] in parts of `chunk` payments (the crash tests take small parts, to die between).
///
/// On a store that takes several writers at once (PostgreSQL), the parts are matched by as
/// many workers as there are cores, each with its own instance and connection: the host's
/// work and the database's then overlap, and the import goes at twice the speed on this
/// machine's two cores (BENCHMARKS.md, "money in"). A payment goes to the worker of its KID
/// (of its bank reference, if it has none), so every payment to one invoice is decided by one
/// worker in the file's order, and each outcome is what one worker alone would have said.
pub fn import_in(
    h: &mut Harness,
    client: &str,
    path: &Path,
    keep_results: bool,
    chunk: usize,
) -> Result<Imported> {
    let sha256 = sha256_of(path)?;
    let seen_before = {
        let mut unit = h.store().begin_read()?;
        unit.receivables()?.bank_file(client, &sha256)?
    };
    let file = check(path)?;
    let workers = if h.store().concurrent_writers() {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    };
    let chunk = chunk.max(1);
    let mut worked = Worked::default();
    if workers == 1 {
        let mut place = 0;
        chunks(path, chunk, |list| {
            let first = place;
            place += list.len();
            let part = (first..).zip(list).collect();
            worked.part(h, client, &file, part, keep_results)
        })?;
    } else {
        worked = in_parallel(h, client, path, &file, keep_results, chunk, workers)?;
    }
    worked.results.sort_by_key(|(place, _)| *place);
    let Worked { outcomes, results } = worked;
    let results = results.into_iter().map(|(_, r)| r).collect();
    invoicing_host::fault::crash_point("bank-before-file-recorded");
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    invoicing_host::store::with_unit(h.store(), |u| {
        u.receivables()?
            .record_bank_file(client, &sha256, &name, file.payments)
    })?;
    Ok(Imported {
        file,
        seen_before,
        outcomes,
        results,
    })
}

/// What the import did: how many of each outcome, and the results (with their places in
/// the file) when they are kept.
#[derive(Default)]
struct Worked {
    outcomes: BTreeMap<String, u64>,
    results: Vec<(usize, PaymentResult)>,
}

impl Worked {
    /// Match one part (one call, one unit of work).
    fn part(
        &mut self,
        h: &mut Harness,
        client: &str,
        file: &Checked,
        part: Vec<(usize, Payment)>,
        keep_results: bool,
    ) -> Result<()> {
        let (places, payments): (Vec<usize>, Vec<Payment>) = part.into_iter().unzip();
        let statement = BankStatement {
            account: file.account.clone(),
            currency: file.currency.clone(),
            payments: payments.into_iter().map(bank_payment).collect(),
        };
        let done = h
            .call_payments(client, |p, s| p.call_import_statement(s, &statement))
            .map_err(anyhow::Error::new)?;
        for (place, r) in places.into_iter().zip(done) {
            *self
                .outcomes
                .entry(invoicing_host::names::Name::name(r.outcome).to_owned())
                .or_default() += 1;
            if keep_results {
                self.results.push((place, r));
            }
        }
        invoicing_host::fault::crash_point("bank-after-part");
        Ok(())
    }

    fn add(&mut self, other: Worked) {
        self.results.extend(other.results);
        for (o, n) in other.outcomes {
            *self.outcomes.entry(o).or_default() += n;
        }
    }
}

/// The second pass with `workers` threads, each with its own instance and connection; this
/// thread reads the file and hands each worker its parts.
fn in_parallel(
    h: &Harness,
    client: &str,
    path: &Path,
    file: &Checked,
    keep_results: bool,
    chunk: usize,
    workers: usize,
) -> Result<Worked> {
    std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for k in 0..workers {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(usize, Payment)>>(1);
            senders.push(tx);
            let mut own = Harness::on(h.rt.clone(), h.store_arc());
            own.today = h.today;
            handles.push(scope.spawn(move || -> Result<Worked> {
                let mut worked = Worked::default();
                for part in rx {
                    worked
                        .part(&mut own, client, file, part, keep_results)
                        .with_context(|| format!("worker {k}"))?;
                }
                Ok(worked)
            }));
        }
        let mut parts: Vec<Vec<(usize, Payment)>> = vec![Vec::new(); workers];
        let mut place = 0;
        let read = chunks(path, chunk, |list| {
            for p in list {
                let k = worker_of(&p, workers);
                parts[k].push((place, p));
                place += 1;
                if parts[k].len() == chunk {
                    // A worker that stopped (its error comes from its handle) takes no more.
                    senders[k]
                        .send(std::mem::take(&mut parts[k]))
                        .map_err(|_| anyhow::anyhow!("a worker stopped"))?;
                }
            }
            Ok(())
        });
        for (k, part) in parts.into_iter().enumerate() {
            if read.is_ok() && !part.is_empty() {
                let _ = senders[k].send(part);
            }
        }
        drop(senders);
        let mut all = Worked::default();
        let mut failed = None;
        for handle in handles {
            match handle.join().expect("a worker panicked") {
                Ok(worked) => all.add(worked),
                Err(e) => failed = failed.or(Some(e)),
            }
        }
        match failed {
            Some(e) => Err(e),
            None => read.map(|()| all),
        }
    })
}

/// The worker a payment goes to: by its KID, so one invoice's payments meet in one worker.
fn worker_of(p: &Payment, workers: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    p.kid.as_deref().unwrap_or(&p.bank_reference).hash(&mut h);
    (h.finish() % workers as u64) as usize
}

fn bank_payment(p: Payment) -> BankPayment {
    BankPayment {
        bank_reference: p.bank_reference,
        kid: p.kid,
        amount: invoicing_host::money::from_ore(p.ore),
        date: p.date.to_string(),
        payer: p.payer,
        text: p.text,
    }
}

fn sha256_of(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut f = BufReader::new(std::fs::File::open(path)?);
    loop {
        let buf = f.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        hasher.update(buf);
        let n = buf.len();
        f.consume(n);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
