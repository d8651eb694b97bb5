//! Number series and the dates they carry, and what an idempotency key has done already: the
//! rules the adapter applies around taking a number, given what the host's documents say.
//!
//! Within a number series numbers ascend with dates (bokføringsforskriften § 5-1-1 no. 1:
//! "fortløpende nummerert"; a number dated before the one before it breaks the sequence a
//! reader checks).

use crate::error::Problem;
use crate::model::Kind;
use chrono::NaiveDate;

/// The number series a document of `kind` takes its number from (named by the kind it is
/// kept for) and the series' first number: credit notes take invoice numbers unless the
/// client gave them a series of their own.
pub fn series_for(kind: Kind, invoice_start: u64, credit_note_start: Option<u64>) -> (Kind, u64) {
    match (kind, credit_note_start) {
        (Kind::CreditNote, Some(start)) => (Kind::CreditNote, start),
        _ => (Kind::Invoice, invoice_start),
    }
}

/// The kinds of document that share `kind`'s number series: credit notes take invoice numbers
/// unless the client gave them a series of their own.
pub fn series_kinds(credit_notes_numbered_apart: bool, kind: Kind) -> &'static [Kind] {
    match (kind, credit_notes_numbered_apart) {
        (_, false) => &[Kind::Invoice, Kind::CreditNote],
        (Kind::Invoice, true) => &[Kind::Invoice],
        (Kind::CreditNote, true) => &[Kind::CreditNote],
    }
}

/// A document already issued in a series: its number and date.
pub type Issued = (u64, NaiveDate);

/// What is wrong with `issue` as a draft's issue date, checked when it is set: it may not be
/// after `today`, nor before the date of `later`, the first document of its series issued
/// after it (the next number would carry an earlier date than the one before it).
pub fn issue_date_problem(
    issue: NaiveDate,
    today: NaiveDate,
    later: Option<Issued>,
) -> Option<Problem> {
    if issue > today {
        return Some(Problem::InTheFuture(today));
    }
    later.map(|(number, issue_date)| Problem::BeforeIssued { number, issue_date })
}

/// What is wrong with dating a new number `date`, given `previous`, the document numbered
/// just before it in the same series: it may not be dated after `date`. (By induction the
/// document before is the latest one.)
pub fn date_order_problem(previous: Option<Issued>, date: NaiveDate) -> Option<Problem> {
    previous
        .filter(|(_, before)| *before > date)
        .map(|(number, issue_date)| Problem::BeforeIssued { number, issue_date })
}

/// What an idempotency key has done already.
#[derive(Debug, PartialEq, Eq)]
pub enum Replay {
    /// Nothing: the request is new.
    Fresh,
    /// This same request: answer with the document it issued.
    Same,
    /// Another request, which issued the document of this number: refused, never answered
    /// with another document.
    Reused(u64),
}

/// `done`: the request and number of the document the key issued, if it issued one.
pub fn replay(done: Option<(Option<&str>, u64)>, request: &str) -> Replay {
    match done {
        None => Replay::Fresh,
        Some((asked, _)) if asked == Some(request) => Replay::Same,
        Some((_, number)) => Replay::Reused(number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::dates::parse(s).unwrap()
    }

    #[test]
    fn credit_notes_share_the_invoice_series_unless_numbered_apart() {
        use Kind::*;
        let taken = [
            (Invoice, None, (Invoice, 10001)),
            (CreditNote, None, (Invoice, 10001)),
            (Invoice, Some(50001), (Invoice, 10001)),
            (CreditNote, Some(50001), (CreditNote, 50001)),
        ];
        for (kind, credit_start, want) in taken {
            assert_eq!(series_for(kind, 10001, credit_start), want, "{kind:?}");
            // the kinds that share the series taken from are the ones the date rule reads
            let shared = series_kinds(credit_start.is_some(), kind);
            assert!(shared.contains(&want.0), "{kind:?}");
        }
        let cases = [
            (false, Invoice, &[Invoice, CreditNote][..]),
            (false, CreditNote, &[Invoice, CreditNote][..]),
            (true, Invoice, &[Invoice][..]),
            (true, CreditNote, &[CreditNote][..]),
        ];
        for (apart, kind, want) in cases {
            assert_eq!(series_kinds(apart, kind), want, "{kind:?}, apart: {apart}");
        }
    }

    #[test]
    fn an_issue_date_is_never_in_the_future_nor_before_a_later_number() {
        let today = d("2026-12-04");
        let before = |n, s| {
            Some(Problem::BeforeIssued {
                number: n,
                issue_date: d(s),
            })
        };
        let cases = [
            ("2026-12-04", None, None),
            ("2026-11-01", None, None),
            ("2026-12-05", None, Some(Problem::InTheFuture(today))),
            // the future is named first: it is wrong whatever was issued
            (
                "2026-12-05",
                Some((10042, d("2026-12-04"))),
                Some(Problem::InTheFuture(today)),
            ),
            (
                "2026-11-01",
                Some((10042, d("2026-11-02"))),
                before(10042, "2026-11-02"),
            ),
        ];
        for (issue, later, want) in cases {
            assert_eq!(issue_date_problem(d(issue), today, later), want, "{issue}");
        }
    }

    #[test]
    fn a_number_is_never_dated_before_the_number_before_it() {
        let cases = [
            (None, "2026-12-04", None),
            (Some((10041, d("2026-12-03"))), "2026-12-04", None),
            // the same day is in order
            (Some((10041, d("2026-12-04"))), "2026-12-04", None),
            (
                Some((10041, d("2026-12-05"))),
                "2026-12-04",
                Some(Problem::BeforeIssued {
                    number: 10041,
                    issue_date: d("2026-12-05"),
                }),
            ),
        ];
        for (previous, date, want) in cases {
            assert_eq!(date_order_problem(previous, d(date)), want, "{date}");
        }
    }

    #[test]
    fn a_key_answers_its_own_request_and_refuses_any_other() {
        let cases = [
            (None, "finalize draft-1", Replay::Fresh),
            (
                Some((Some("finalize draft-1"), 10001)),
                "finalize draft-1",
                Replay::Same,
            ),
            (
                Some((Some("finalize draft-1"), 10001)),
                "finalize draft-2",
                Replay::Reused(10001),
            ),
            // a document from before requests were bound to keys answers no request
            (
                Some((None, 10001)),
                "finalize draft-1",
                Replay::Reused(10001),
            ),
        ];
        for (done, request, want) in cases {
            assert_eq!(replay(done, request), want, "{request}");
        }
    }
}
