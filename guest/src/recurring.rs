//! Recurring invoices: a template draft and a schedule. The rules here are pure: which dates a
//! schedule has, which occurrences are due, what each one's period is called. The component
//! issues an occurrence through the same path as `finalize`.

use crate::error::{Error, Problem, Problems, Refusal};
use crate::model::{Draft, Language};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::limits::{MAX_CATCH_UP_DAYS, MAX_COUNT, MAX_INTERVAL_MONTHS, MAX_LEAD_DAYS};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub interval_months: u32,
    #[serde(with = "crate::dates::iso")]
    pub first: NaiveDate,
    #[serde(default, with = "crate::dates::iso_opt")]
    pub end: Option<NaiveDate>,
    pub count: Option<u32>,
    pub lead_days: u32,
    pub period_text: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Active,
    Paused,
    Ended,
}

/// A series as the host stores it (the component's own JSON: add fields, never rename).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// First, so that `Progress` reads it and serde skips the template after it.
    pub plan: Plan,
    pub template: Draft,
}

/// A stored series with its template left as the JSON it was stored as: an occurrence only
/// advances the plan, so the template is written back as it was read, not serialised anew.
#[derive(Serialize, Deserialize)]
pub struct Stored<'a> {
    pub plan: Plan,
    #[serde(borrow)]
    pub template: &'a serde_json::value::RawValue,
}

/// What `due` reads of a stored series: its plan and its customer's name.
#[derive(Deserialize)]
pub struct Progress {
    pub plan: Plan,
    pub template: Named,
}

#[derive(Deserialize)]
pub struct Named {
    pub customer: Name,
}

#[derive(Deserialize)]
pub struct Name {
    pub name: String,
}

/// A schedule and how far along it a series is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub schedule: Schedule,
    /// The schedule's index of the next occurrence (`first` is index 0).
    pub next_index: u32,
    /// Occurrences issued so far, under any schedule the series had.
    pub issued: u32,
    #[serde(default, with = "crate::dates::iso_opt")]
    pub last_date: Option<NaiveDate>,
    pub paused: bool,
    /// Ended by the user: final.
    pub stopped: bool,
}

impl Plan {
    pub fn new(schedule: Schedule) -> Plan {
        Plan {
            schedule,
            next_index: 0,
            issued: 0,
            last_date: None,
            paused: false,
            stopped: false,
        }
    }

    pub fn state(&self) -> State {
        if self.stopped || self.next_date().is_none() {
            State::Ended
        } else if self.paused {
            State::Paused
        } else {
            State::Active
        }
    }

    /// The next occurrence's date; none once ended or the schedule is spent.
    pub fn next_date(&self) -> Option<NaiveDate> {
        if self.stopped {
            return None;
        }
        self.date_after_issued(0)
    }

    /// The first day the next occurrence may be issued.
    pub fn issue_from(&self) -> Option<NaiveDate> {
        if self.state() == State::Ended {
            return None;
        }
        let next = self.next_date()?;
        Some(self.lead_from(next).unwrap_or(next))
    }

    /// Whether the occurrence of `date` may be issued `today`: the series is active, `date` is
    /// its next occurrence, and that one's first issuing day has come. A refusal names the
    /// occurrence that may be issued, if one may be today.
    pub fn may_issue(&self, date: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
        match self.state() {
            State::Active => {}
            State::Paused => return Err(Refusal::SeriesPaused),
            State::Ended => return Err(Refusal::SeriesEnded),
        }
        let next = self.next_date();
        let open = self.issue_from().is_some_and(|from| from <= today);
        if next == Some(date) && open {
            return Ok(());
        }
        Err(Refusal::NotNextOccurrence(next.filter(|_| open)))
    }

    fn lead_from(&self, date: NaiveDate) -> Option<NaiveDate> {
        date.checked_sub_days(Days::new(self.schedule.lead_days.into()))
    }

    /// The dates of the occurrences that may be issued by `today`, in order.
    pub fn due(&self, today: NaiveDate) -> Vec<NaiveDate> {
        if self.state() != State::Active {
            return Vec::new();
        }
        (0..)
            .map_while(|j| self.date_after_issued(j))
            .take_while(|d| self.lead_from(*d).is_some_and(|from| from <= today))
            .collect()
    }

    /// The `j`-th occurrence from the next one, if the schedule has it.
    fn date_after_issued(&self, j: u32) -> Option<NaiveDate> {
        let s = &self.schedule;
        if s.count.is_some_and(|c| self.issued.saturating_add(j) >= c) {
            return None;
        }
        let date = date_at(s, self.next_index.checked_add(j)?)?;
        (s.end.is_none_or(|end| date <= end)).then_some(date)
    }

    /// Record that the next occurrence was issued.
    pub fn advance(&mut self, date: NaiveDate) {
        self.next_index += 1;
        self.issued += 1;
        self.last_date = Some(date);
    }

    /// A new schedule: the next occurrence is its first one after the last issued.
    pub fn reschedule(&mut self, schedule: Schedule) {
        self.schedule = schedule;
        self.next_index = match self.last_date {
            None => 0,
            Some(last) => (0..)
                .find(|&k| date_at(&self.schedule, k).is_none_or(|d| d > last))
                .unwrap_or(0),
        };
    }

    /// Resume a paused series. The occurrences that fell due while it was paused are skipped,
    /// not billed late: the next one is the first that is not yet due by `today`.
    pub fn resume(&mut self, today: NaiveDate) {
        self.paused = false;
        while let Some(d) = date_at(&self.schedule, self.next_index) {
            if self.lead_from(d).is_some_and(|from| from > today) {
                break;
            }
            self.next_index += 1;
        }
    }
}

/// Occurrence `k`'s date: `first` plus k intervals, counted from `first` each time so that a
/// 31st stays the 31st where the month has one (and is the month's last day where not). None
/// past the years a document may be dated in.
pub fn date_at(s: &Schedule, k: u32) -> Option<NaiveDate> {
    let months = k.checked_mul(s.interval_months)?;
    let d = s.first.checked_add_months(Months::new(months))?;
    crate::dates::YEARS.contains(&d.year()).then_some(d)
}

/// Check a schedule as the user gave it; every problem is named under `schedule.`.
pub fn check(s: &Schedule) -> Result<(), Error> {
    let mut p = Problems::default();
    if !(1..=MAX_INTERVAL_MONTHS).contains(&s.interval_months) {
        p.add(
            "schedule.interval",
            Problem::between(1, MAX_INTERVAL_MONTHS),
        );
    }
    if s.end.is_some_and(|end| end < s.first) {
        p.add(
            "schedule.end-date",
            Problem::Before("schedule.first-date".into()),
        );
    }
    if s.count.is_some_and(|c| !(1..=MAX_COUNT).contains(&c)) {
        p.add("schedule.count", Problem::between(1, MAX_COUNT));
    }
    if s.lead_days > MAX_LEAD_DAYS {
        p.add("schedule.lead-days", Problem::between(0, MAX_LEAD_DAYS));
    }
    p.into_result()
}

/// A series may start in the past, and the first run then bills every period since: at most a
/// year of them, so that a mistyped year never sends a customer dozens of invoices.
pub fn check_catch_up(plan: &Plan, today: NaiveDate) -> Result<(), Error> {
    let earliest = today - Days::new(MAX_CATCH_UP_DAYS.into());
    match plan.next_date() {
        Some(next) if next < earliest => Err(Error::invalid(
            "schedule.first-date",
            Problem::TooFarBack(MAX_CATCH_UP_DAYS),
        )),
        _ => Ok(()),
    }
}

/// The period an occurrence bills: from its date to the day before the next one.
pub fn period(s: &Schedule, k: u32) -> (NaiveDate, NaiveDate) {
    let start = date_at(s, k).unwrap_or(s.first);
    let next = s
        .first
        .checked_add_months(Months::new((k + 1).saturating_mul(s.interval_months)))
        .unwrap_or(start);
    (start, next.pred_opt().unwrap_or(start).max(start))
}

const MONTHS_NB: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "Periode: november 2026", "Periode: oktober–desember 2026", or dates when the period does
/// not run from a month's first day to a month's last.
pub fn period_text(start: NaiveDate, end: NaiveDate, lang: Language) -> String {
    let names = match lang {
        Language::Nb => &MONTHS_NB,
        Language::En => &MONTHS_EN,
    };
    let month = |d: NaiveDate| names[d.month0() as usize];
    let whole_months = start.day() == 1 && end.succ_opt().is_none_or(|n| n.day() == 1);
    let span = if whole_months {
        if (start.year(), start.month()) == (end.year(), end.month()) {
            format!("{} {}", month(start), start.year())
        } else if start.year() == end.year() {
            format!("{}–{} {}", month(start), month(end), end.year())
        } else {
            format!(
                "{} {} – {} {}",
                month(start),
                start.year(),
                month(end),
                end.year()
            )
        }
    } else if lang == Language::En {
        format!("{start} – {end}")
    } else {
        format!("{}–{}", crate::dates::nb(start), crate::dates::nb(end))
    };
    let label = match lang {
        Language::Nb => "Periode",
        Language::En => "Period",
    };
    format!("{label}: {span}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse(s).unwrap()
    }

    fn monthly(first: &str) -> Schedule {
        Schedule {
            interval_months: 1,
            first: d(first),
            end: None,
            count: None,
            lead_days: 0,
            period_text: true,
        }
    }

    fn series(s: Schedule) -> Plan {
        Plan::new(s)
    }

    #[test]
    fn month_ends_keep_to_the_month_end() {
        let s = monthly("2026-01-31");
        let dates: Vec<_> = (0..4)
            .map(|k| date_at(&s, k).unwrap().to_string())
            .collect();
        assert_eq!(
            dates,
            ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]
        );
    }

    #[test]
    fn due_lists_every_missed_occurrence_and_honours_lead_days() {
        let mut s = series(monthly("2026-09-01"));
        assert_eq!(s.due(d("2026-08-31")), Vec::<NaiveDate>::new());
        assert_eq!(
            s.due(d("2026-12-01")),
            ["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"].map(d)
        );
        s.schedule.lead_days = 14;
        assert_eq!(s.due(d("2026-08-18")), [d("2026-09-01")]);
        assert_eq!(s.due(d("2026-08-17")), Vec::<NaiveDate>::new());
        s.advance(d("2026-09-01"));
        assert_eq!(s.next_date(), Some(d("2026-10-01")));
        assert_eq!(s.issue_from(), Some(d("2026-09-17")));
    }

    /// The occurrence gate: what `issue-occurrence` answers for a date asked on a day.
    #[test]
    fn only_the_next_occurrence_may_be_issued_and_only_from_its_first_day() {
        let mut lead = series(monthly("2026-09-01"));
        lead.schedule.lead_days = 14;
        let mut done = series(monthly("2026-09-01"));
        done.schedule.count = Some(1);
        done.advance(d("2026-09-01"));
        let mut paused = series(monthly("2026-09-01"));
        paused.paused = true;
        let mut stopped = series(monthly("2026-09-01"));
        stopped.stopped = true;
        let next = |s: &str| Err(Refusal::NotNextOccurrence(Some(d(s))));
        let cases: [(&Plan, &str, &str, Result<(), Refusal>); 9] = [
            (&lead, "2026-09-01", "2026-08-18", Ok(())),
            (&lead, "2026-09-01", "2026-09-30", Ok(())),
            // before the lead days: nothing may be issued yet
            (
                &lead,
                "2026-09-01",
                "2026-08-17",
                Err(Refusal::NotNextOccurrence(None)),
            ),
            // a later occurrence, or one that is not in the schedule, names the next
            (&lead, "2026-10-01", "2026-09-30", next("2026-09-01")),
            (&lead, "2026-09-02", "2026-09-30", next("2026-09-01")),
            // an earlier date than the next (issued already)
            (&lead, "2026-08-01", "2026-09-30", next("2026-09-01")),
            (
                &paused,
                "2026-09-01",
                "2026-09-01",
                Err(Refusal::SeriesPaused),
            ),
            (
                &stopped,
                "2026-09-01",
                "2026-09-01",
                Err(Refusal::SeriesEnded),
            ),
            (&done, "2026-10-01", "2026-10-01", Err(Refusal::SeriesEnded)),
        ];
        for (plan, date, today, want) in cases {
            assert_eq!(
                plan.may_issue(d(date), d(today)),
                want,
                "{date} asked on {today}"
            );
        }
    }

    #[test]
    fn count_and_end_date_end_a_series() {
        let mut s = series(Schedule {
            count: Some(2),
            ..monthly("2026-11-01")
        });
        assert_eq!(s.due(d("2027-06-01")).len(), 2);
        s.advance(d("2026-11-01"));
        s.advance(d("2026-12-01"));
        assert_eq!(s.state(), State::Ended);
        assert_eq!(s.issue_from(), None);
        let s = series(Schedule {
            end: Some(d("2027-01-15")),
            interval_months: 3,
            ..monthly("2026-11-01")
        });
        assert_eq!(s.due(d("2030-01-01")), [d("2026-11-01")]);
    }

    #[test]
    fn a_new_schedule_starts_after_the_last_issued_occurrence() {
        let mut s = series(monthly("2026-09-01"));
        s.advance(d("2026-09-01"));
        s.advance(d("2026-10-01"));
        s.reschedule(Schedule {
            interval_months: 3,
            ..monthly("2026-07-01")
        });
        assert_eq!(s.next_date(), Some(d("2027-01-01")));
        assert_eq!(s.issued, 2);
    }

    #[test]
    fn resume_skips_what_fell_due_while_paused() {
        let mut s = series(monthly("2026-09-01"));
        s.paused = true;
        assert!(s.due(d("2026-12-01")).is_empty());
        s.resume(d("2026-12-01"));
        assert_eq!(s.next_date(), Some(d("2027-01-01")));
    }

    #[test]
    fn progress_reads_what_due_needs_without_the_template() {
        let mut plan = series(monthly("2026-09-01"));
        plan.advance(d("2026-09-01"));
        let s = Series {
            plan,
            template: crate::testdata::draft(),
        };
        let json = serde_json::to_string(&s).unwrap();
        let p: Progress = serde_json::from_str(&json).unwrap();
        assert_eq!(p.plan, s.plan);
        assert_eq!(p.template.customer.name, "Kunde AS");
    }

    #[test]
    fn at_most_a_year_is_billed_late() {
        let today = d("2026-11-30");
        assert!(check_catch_up(&Plan::new(monthly("2025-12-01")), today).is_ok());
        let Err(Error::Invalid(f)) = check_catch_up(&Plan::new(monthly("2025-11-01")), today)
        else {
            panic!("a year and a month back")
        };
        assert_eq!(f[0].field, "schedule.first-date");
        // Rescheduled from long ago, but after the last issued occurrence: nothing to catch up.
        let mut p = Plan::new(monthly("2026-10-01"));
        p.advance(d("2026-10-01"));
        p.reschedule(monthly("2020-01-01"));
        assert_eq!(p.next_date(), Some(d("2026-11-01")));
        assert!(check_catch_up(&p, today).is_ok());
    }

    #[test]
    fn period_texts() {
        let s = monthly("2026-11-01");
        let (a, b) = period(&s, 0);
        assert_eq!(period_text(a, b, Language::Nb), "Periode: november 2026");
        assert_eq!(period_text(a, b, Language::En), "Period: November 2026");
        let q = Schedule {
            interval_months: 3,
            ..monthly("2026-11-01")
        };
        let (a, b) = period(&q, 0);
        assert_eq!(
            period_text(a, b, Language::Nb),
            "Periode: november 2026 – januar 2027"
        );
        let (a, b) = period(&q, 1);
        assert_eq!(
            period_text(a, b, Language::Nb),
            "Periode: februar–april 2027"
        );
        let (a, b) = period(&monthly("2026-11-15"), 0);
        assert_eq!(
            period_text(a, b, Language::Nb),
            "Periode: 15.11.2026–14.12.2026"
        );
    }

    #[test]
    fn bad_schedules_name_their_fields() {
        let bad = Schedule {
            interval_months: 0,
            end: Some(d("2026-01-01")),
            count: Some(0),
            lead_days: 91,
            ..monthly("2026-11-01")
        };
        let Err(Error::Invalid(f)) = check(&bad) else {
            panic!()
        };
        let fields: Vec<_> = f.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "schedule.interval",
                "schedule.end-date",
                "schedule.count",
                "schedule.lead-days"
            ]
        );
    }
}
