//! The recurring run: every occurrence due by today, for one client, issued exactly once.
//!
//! The component decides what is due and issues each occurrence; the host only groups the
//! calls: a batch of occurrences is one unit of work (one durable commit), each occurrence
//! behind its own savepoint, so one that fails is rolled back alone and never stops the others.
//! A run that dies loses at most its open batch, and a run started again issues the rest: an
//! occurrence's idempotency is its series and date, and its series moves on in the same commit.
//! With several workers, they render occurrences in parallel on snapshots while one writer
//! applies what they wrote, in order (`parallel`, `store/staged.rs`).

use crate::bindings::{Error, Occurrence, Recurring, Refusal};
use crate::runtime::{Batch, CallError, Harness};
use crate::store::staged::{Staged, StagedUnit};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::runtime::BATCH_TIME;
pub const BATCH_MAX: usize = 1_000;

/// What became of each occurrence that was due.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub client: String,
    pub date: String,
    pub due: usize,
    /// (series, date, invoice number), in the order issued.
    pub issued: Vec<(String, String, u64)>,
    /// Not issued because the series does not allow it now (paused or ended meanwhile, an
    /// earlier occurrence of it not issued, or issued meanwhile by another run): the next run
    /// looks again.
    pub skipped: Vec<Missed>,
    /// Not issued because something is wrong (a customer gone, no channel, invalid data).
    pub failed: Vec<Missed>,
    /// Durable commits the run made.
    pub commits: usize,
    /// Occurrences a worker rendered whose writes the writer applied as they were; the rest
    /// the writer ran itself.
    pub rendered_in_parallel: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct Missed {
    pub series: String,
    pub date: String,
    pub customer: String,
    pub reason: String,
}

/// Issue every occurrence of `client` due by the harness's today. With more than one worker,
/// the workers render in parallel (staged calls on snapshots) while this thread writes; with
/// one, this thread does both. `progress` hears the number due, then once per occurrence.
/// An error means the store failed: what the open batch held was rolled back, what was
/// committed stays, and the run can simply be started again.
pub fn run(
    h: &mut Harness,
    client: &str,
    workers: usize,
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
    if due.is_empty() {
        return Ok(report);
    }
    if workers <= 1 || due.len() < 2 {
        let batch_time = h.batch_time;
        let mut w = Writer::new(h.batch(client)?, batch_time, &mut report);
        for o in &due {
            let result = w
                .batch
                .call_recurring(|r, s| r.call_issue_occurrence(s, &o.series_id, &o.date));
            w.record(o, result.map(|d| d.number))?;
            progress(Progress::Done);
        }
        w.finish()?;
    } else {
        parallel(h, client, &due, workers, &mut report, &mut progress)?;
    }
    Ok(report)
}

/// The one writer: a batch that commits by time and count, and the report.
struct Writer<'h, 'r> {
    batch: Batch<'h>,
    report: &'r mut Report,
    started: Instant,
    batch_time: Duration,
    calls: usize,
    /// The series this batch moved on, until it commits.
    uncommitted: HashSet<String>,
}

impl<'h, 'r> Writer<'h, 'r> {
    fn new(batch: Batch<'h>, batch_time: Duration, report: &'r mut Report) -> Self {
        Writer {
            batch,
            report,
            started: Instant::now(),
            batch_time,
            calls: 0,
            uncommitted: HashSet::new(),
        }
    }

    /// What became of `o`; a store failure ends the run. Commits when the batch is full.
    fn record(&mut self, o: &Occurrence, result: Result<u64, CallError>) -> Result<(), CallError> {
        match result {
            Ok(number) => {
                self.batch.write(|u, client| {
                    crate::events::occurrence(u, client, &o.series_id, &o.date, number)
                })?;
                self.uncommitted.insert(o.series_id.clone());
                self.report
                    .issued
                    .push((o.series_id.clone(), o.date.clone(), number))
            }
            Err(CallError::Host(e)) => return Err(CallError::Host(e)),
            // The series does not allow it now (the next run looks again), or another run
            // issued it: skipped. Every other refusal is something to fix: failed.
            Err(
                e @ CallError::Component(Error::NotAllowed(
                    Refusal::SeriesPaused
                    | Refusal::SeriesEnded
                    | Refusal::NotNextOccurrence(_)
                    | Refusal::IssuedMeanwhile(_),
                )),
            ) => self.report.skipped.push(missed_of(o, &e)),
            Err(e) => self.report.failed.push(missed_of(o, &e)),
        }
        self.calls += 1;
        if self.calls >= BATCH_MAX || self.started.elapsed() >= self.batch_time {
            self.batch.checkpoint()?;
            self.report.commits += 1;
            self.started = Instant::now();
            self.calls = 0;
            self.uncommitted.clear();
        }
        Ok(())
    }

    fn finish(self) -> Result<(), CallError> {
        self.batch.commit()?;
        self.report.commits += 1;
        Ok(())
    }
}

/// A staged call: which occurrence, and the number it is to take (`offset` after `after`).
struct Job {
    seq: usize,
    generation: u64,
    after: Option<u64>,
    offset: u64,
}

struct Done {
    seq: usize,
    generation: u64,
    staged: Staged,
    result: Result<u64, CallError>,
}

/// Workers run `issue-occurrence` in staged units, each with the number it will get if every
/// occurrence before it is issued; the writer applies their writes in order, each behind a
/// savepoint. Where the store is not as the snapshot was (an occurrence failed, so numbers
/// moved; another host issued it), the writer runs that occurrence itself and the workers'
/// later work is staged again with the numbers as they now are.
fn parallel(
    h: &mut Harness,
    client: &str,
    due: &[Occurrence],
    workers: usize,
    report: &mut Report,
    progress: &mut impl FnMut(Progress),
) -> Result<(), CallError> {
    let (rt, store, today) = (h.rt.clone(), h.store_arc(), h.today);
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let jobs_rx = Mutex::new(jobs_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (jobs_rx, done_tx, store) = (&jobs_rx, done_tx.clone(), store.clone());
            let mut worker = Harness::on(rt.clone(), store.clone());
            worker.today = today;
            scope.spawn(move || loop {
                let job = match jobs_rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                    Ok(job) => job,
                    Err(_) => return,
                };
                let o = &due[job.seq];
                let log = Arc::new(Mutex::new(Staged::default()));
                let result = match store.begin_read() {
                    Ok(read) => {
                        let unit = StagedUnit::new(read, job.after, job.offset, log.clone());
                        worker
                            .run(client, Box::new(unit), |r: &Recurring, s: &mut _| {
                                r.call_issue_occurrence(s, &o.series_id, &o.date)
                            })
                            .1
                            .map(|d| d.number)
                    }
                    Err(e) => Err(CallError::Host(e)),
                };
                let staged = std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()));
                let done = Done {
                    seq: job.seq,
                    generation: job.generation,
                    staged,
                    result,
                };
                if done_tx.send(done).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let outcome = write(
            h, client, due, workers, &jobs_tx, &done_rx, report, progress,
        );
        drop(jobs_tx);
        outcome
    })
}

/// The writer's side of `parallel`.
#[allow(clippy::too_many_arguments)]
fn write(
    h: &mut Harness,
    client: &str,
    due: &[Occurrence],
    workers: usize,
    jobs: &mpsc::Sender<Job>,
    done: &mpsc::Receiver<Done>,
    report: &mut Report,
    progress: &mut impl FnMut(Progress),
) -> Result<(), CallError> {
    let batch_time = h.batch_time;
    let mut w = Writer::new(h.batch(client)?, batch_time, report);
    let gone = || CallError::Host(anyhow::anyhow!("the workers stopped"));
    // Numbers are handed out from here: `offset` after `after`.
    let mut after = w.batch.last_invoice_number()?;
    let mut offset = 0;
    let mut generation = 0;
    let mut waiting: VecDeque<usize> = (0..due.len()).collect();
    // In order: the occurrence, and whether a worker stages it (else the writer runs it).
    let mut in_flight: VecDeque<(usize, bool)> = VecDeque::new();
    let mut arrived: HashMap<usize, Done> = HashMap::new();
    // Far enough ahead that the workers keep rendering while the writer waits for a commit's
    // fsync (4 per worker left them idle then: the run took 10 % longer).
    let window = workers * 32;
    loop {
        while in_flight.len() < window {
            let Some(seq) = waiting.pop_front() else {
                break;
            };
            // An occurrence whose series moved on in writes no snapshot shows yet (in flight,
            // or not committed) would be staged on a stale series: the writer runs it.
            let series = &due[seq].series_id;
            let stale = w.uncommitted.contains(series)
                || in_flight.iter().any(|(s, _)| &due[*s].series_id == series);
            if !stale {
                jobs.send(Job {
                    seq,
                    generation,
                    after,
                    offset,
                })
                .map_err(|_| gone())?;
            }
            offset += 1;
            in_flight.push_back((seq, !stale));
        }
        let Some(&(next, staged)) = in_flight.front() else {
            break;
        };
        let d = loop {
            if !staged {
                break None;
            }
            if let Some(d) = arrived.remove(&next) {
                break Some(d);
            }
            let d = done.recv().map_err(|_| gone())?;
            if d.generation == generation {
                arrived.insert(d.seq, d);
            }
        };
        in_flight.pop_front();
        let o = &due[next];
        let expected = match &d {
            Some(Done { result: Ok(n), .. }) => Some(*n),
            _ => None,
        };
        let applied = match d {
            Some(Done {
                result: Ok(number),
                staged,
                ..
            }) => w
                .batch
                .apply(|unit| staged.apply(unit, client, crate::events::issued))?
                .then_some(number),
            _ => None,
        };
        if let Some(number) = applied {
            w.report.rendered_in_parallel += 1;
            w.record(o, Ok(number))?;
        } else {
            // Run it here, on the store as it is now.
            let result = w
                .batch
                .call_recurring(|r, s| r.call_issue_occurrence(s, &o.series_id, &o.date))
                .map(|d| d.number);
            // What follows was staged on the numbers this one was to leave: if it took
            // another or none, stage it again with the numbers as they now are.
            let moved = match (&result, expected) {
                (Ok(n), Some(e)) => *n != e,
                (Ok(_), None) => false,
                (Err(_), _) => true,
            };
            w.record(o, result)?;
            if moved {
                after = w.batch.last_invoice_number()?;
                offset = 0;
                generation += 1;
                arrived.clear();
                while let Some((seq, _)) = in_flight.pop_back() {
                    waiting.push_front(seq);
                }
            }
        }
        progress(Progress::Done);
    }
    w.finish()
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
        match (self.issued.first(), self.issued.last()) {
            (Some(a), Some(b)) if a.2 == b.2 => out += &format!(" (number {})", a.2),
            (Some(a), Some(b)) => out += &format!(" (numbers {}–{})", a.2, b.2),
            _ => {}
        }
        out += &format!(
            ", {} skipped, {} failed\n",
            self.skipped.len(),
            self.failed.len()
        );
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
