//! The recurring run: every occurrence due by today, for one client, issued exactly once.
//!
//! The component decides what is due and issues each occurrence; the host only groups the
//! calls: a batch of occurrences is one unit of work (one durable commit), each occurrence
//! behind its own savepoint, so one that fails is rolled back alone and never stops the others.
//! A run that dies loses at most its open batch, and a run started again issues the rest: an
//! occurrence's idempotency is its series and date, and its series moves on in the same commit.

use crate::bindings::{Error, Occurrence};
use crate::runtime::{CallError, Harness};
use std::time::{Duration, Instant};

/// A batch commits after this long or this many occurrences, whichever comes first: short
/// enough that other hosts on the store wait little, long enough that commits are few.
pub const BATCH_TIME: Duration = Duration::from_millis(200);
pub const BATCH_MAX: usize = 1_000;

/// What became of each occurrence that was due.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub client: String,
    pub date: String,
    pub due: usize,
    /// (series, date, invoice number), in the order issued.
    pub issued: Vec<(String, String, u64)>,
    /// Not issued because the series does not allow it now (paused or ended meanwhile, or an
    /// earlier occurrence of it was not issued): the next run looks again.
    pub skipped: Vec<Missed>,
    /// Not issued because something is wrong (a customer gone, no channel, invalid data).
    pub failed: Vec<Missed>,
    /// Durable commits the run made.
    pub commits: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct Missed {
    pub series: String,
    pub date: String,
    pub customer: String,
    pub reason: String,
}

/// Issue every occurrence of `client` due by the harness's today. `progress` hears the number
/// due, then once per occurrence. An error means the store failed: what the open batch held
/// was rolled back, what was committed stays, and the run can simply be started again.
pub fn run(
    h: &mut Harness,
    client: &str,
    mut progress: impl FnMut(Progress),
) -> Result<Report, CallError> {
    let due = h.due(client)?;
    progress(Progress::Due(due.len()));
    let mut report = Report {
        client: client.to_owned(),
        date: h.today.to_string(),
        due: due.len(),
        ..Report::default()
    };
    let mut rest = due.as_slice();
    while !rest.is_empty() {
        let (issued, missed) = {
            let mut batch = h.batch(client)?;
            let started = Instant::now();
            let mut issued = Vec::new();
            let mut missed = Vec::new();
            while let Some((o, tail)) = rest.split_first() {
                if issued.len() + missed.len() >= BATCH_MAX || started.elapsed() >= BATCH_TIME {
                    break;
                }
                rest = tail;
                match batch.call_recurring(|r, s| r.call_issue_occurrence(s, &o.series_id, &o.date))
                {
                    Ok(doc) => issued.push((o.series_id.clone(), o.date.clone(), doc.number)),
                    Err(CallError::Host(e)) => return Err(CallError::Host(e)),
                    Err(e) => missed.push((o, e)),
                }
                progress(Progress::Done);
            }
            batch.commit()?;
            (issued, missed)
        };
        report.commits += 1;
        report.issued.extend(issued);
        for (o, e) in missed {
            let skipped = matches!(e, CallError::Component(Error::NotAllowed(_)));
            let m = missed_of(o, &e);
            if skipped {
                report.skipped.push(m);
            } else {
                report.failed.push(m);
            }
        }
    }
    Ok(report)
}

/// What `run` tells as it goes.
pub enum Progress {
    Due(usize),
    Done,
}

fn missed_of(o: &Occurrence, e: &CallError) -> Missed {
    Missed {
        series: o.series_id.clone(),
        date: o.date.clone(),
        customer: o.customer_name.clone(),
        reason: e.to_string(),
    }
}

impl Report {
    /// The summary a person reads: what was issued, and each occurrence that was not, why.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{}: {} due by {}, {} issued",
            self.client,
            self.due,
            self.date,
            self.issued.len()
        );
        if let (Some(a), Some(b)) = (self.issued.first(), self.issued.last()) {
            out += &format!(" (numbers {}–{})", a.2, b.2);
        }
        out += &format!(", {} skipped, {} failed\n", self.skipped.len(), self.failed.len());
        for (what, list) in [("skipped", &self.skipped), ("failed", &self.failed)] {
            for m in list {
                out += &format!(
                    "  {what}: {} {} ({}): {}\n",
                    m.series, m.date, m.customer, m.reason
                );
            }
        }
        out
    }
}
