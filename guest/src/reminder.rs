//! Purring and inkassovarsel: what an overdue invoice may be sent on a day, with which fee,
//! deadline and late interest (receivables.md §0–§1.5). The law's figures are dated data
//! ([`Figures`], `legal/receivables-no.json`, each value with its source), handed in by the
//! host: nothing here knows a rate or an amount, and a newer table (the next half-year, the new
//! inkasso law) needs no new component.
//!
//! Where the sources leave a point open, the rule chosen (docs/reminders.md says why):
//! - **First interest day**: the day after the due date; the day of payment counts.
//! - **Day count**: actual days / 365, in a leap year too.
//! - **Rounding**: each half-year's interest half-up to øre, the total their sum (so a
//!   letter's lines add up).
//! - **A payment covers** the fees first, then the interest, then the principal.
//! - **§ 3a compensation**: the figure of the half-year of the due date, per invoice, less the
//!   fees already charged on it; business customers only.

use crate::money::round2;
use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;

/// A value of the law for the days `from`..=`to` (open-ended without `to`).
#[derive(Clone, Debug, Deserialize)]
pub struct Dated<T> {
    pub from: NaiveDate,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    pub value: T,
    pub source: String,
    /// False where no primary source confirmed the value (receivables.md §5).
    #[serde(default)]
    pub confirmed: bool,
}

/// The figures, each a list of dated values (receivables.md §0).
#[derive(Clone, Debug, Deserialize)]
pub struct Figures {
    pub published: NaiveDate,
    pub inkassosats: Vec<Dated<Decimal>>,
    /// A reminder's or inkassovarsel's fee as a fraction of the sats (1/20).
    pub notice_fee_fraction: Vec<Dated<Decimal>>,
    pub notice_fee_whole_kroner: Vec<Dated<bool>>,
    /// Whether the creditor's own notices may carry the fee at all.
    pub own_notice_fee_allowed: Vec<Dated<bool>>,
    pub fee_earliest_days_after_due: Vec<Dated<u32>>,
    pub notice_min_deadline_days: Vec<Dated<u32>>,
    pub max_notice_fees: Vec<Dated<u32>>,
    /// Forsinkelsesrente, percent a year.
    pub late_interest_percent: Vec<Dated<Decimal>>,
    /// FRL § 3a, NOK.
    pub standard_compensation: Vec<Dated<Decimal>>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FigureError {
    #[error("the table of legal figures is not readable: {0}")]
    Unreadable(String),
    #[error("the table has no {what} for {day}")]
    Missing { what: &'static str, day: NaiveDate },
    #[error("the table's {what} overlap or are out of order at {day}")]
    Overlap { what: &'static str, day: NaiveDate },
}

type R<T> = Result<T, FigureError>;

fn value_at<T: Clone>(list: &[Dated<T>], what: &'static str, day: NaiveDate) -> R<T> {
    list.iter()
        .rev()
        .find(|d| d.from <= day && d.to.is_none_or(|to| day <= to))
        .map(|d| d.value.clone())
        .ok_or(FigureError::Missing { what, day })
}

/// The last day `list` (sorted) holds a value for, from `day` on without a gap: where a
/// period of interest must end to change its rate.
fn end_of<T>(list: &[Dated<T>], day: NaiveDate) -> Option<NaiveDate> {
    list.iter()
        .rev()
        .find(|d| d.from <= day && d.to.is_none_or(|to| day <= to))
        .and_then(|d| d.to)
}

fn ordered<T>(list: &[Dated<T>], what: &'static str) -> R<()> {
    for pair in list.windows(2) {
        let ends = pair[0].to.ok_or(FigureError::Overlap {
            what,
            day: pair[1].from,
        })?;
        if ends >= pair[1].from || pair[0].from > ends {
            return Err(FigureError::Overlap {
                what,
                day: pair[1].from,
            });
        }
    }
    Ok(())
}

impl Figures {
    /// Read the table as the host hands it over, and check each list is in order.
    pub fn parse(json: &str) -> R<Self> {
        let f: Figures =
            serde_json::from_str(json).map_err(|e| FigureError::Unreadable(e.to_string()))?;
        ordered(&f.inkassosats, "inkassosats")?;
        ordered(&f.notice_fee_fraction, "notice fee fractions")?;
        ordered(&f.notice_fee_whole_kroner, "rounding rules")?;
        ordered(&f.own_notice_fee_allowed, "fee permissions")?;
        ordered(&f.fee_earliest_days_after_due, "earliest fee days")?;
        ordered(&f.notice_min_deadline_days, "deadline minimums")?;
        ordered(&f.max_notice_fees, "fee counts")?;
        ordered(&f.late_interest_percent, "late interest rates")?;
        ordered(&f.standard_compensation, "standard compensations")?;
        Ok(f)
    }

    /// The fee a reminder or an inkassovarsel sent on `day` may carry (INKF § 1-2): 1/20 of
    /// the sats on the day it is sent, to whole kroner where the table says so.
    pub fn notice_fee(&self, day: NaiveDate) -> R<Decimal> {
        if !value_at(&self.own_notice_fee_allowed, "fee permission", day)? {
            return Ok(Decimal::ZERO);
        }
        let sats = value_at(&self.inkassosats, "inkassosats", day)?;
        let fraction = value_at(&self.notice_fee_fraction, "notice fee fraction", day)?;
        let fee = sats * fraction;
        Ok(
            if value_at(&self.notice_fee_whole_kroner, "rounding rule", day)? {
                fee.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                    .round_dp(2)
            } else {
                round2(fee)
            },
        )
    }

    /// Late interest on `principal` due on `due`, to `until` (the day of payment, or the day
    /// the letter is written), split where the rate changes.
    pub fn late_interest(
        &self,
        principal: Decimal,
        due: NaiveDate,
        until: NaiveDate,
    ) -> R<Interest> {
        let mut periods = Vec::new();
        let mut day = due + Days::new(1);
        while day <= until && principal > Decimal::ZERO {
            let percent = value_at(&self.late_interest_percent, "late interest rate", day)?;
            let mut last = until.min(half_year_end(day));
            if let Some(end) = end_of(&self.late_interest_percent, day) {
                last = last.min(end);
            }
            let days = (last - day).num_days() + 1;
            let amount = round2(
                principal * percent / Decimal::ONE_HUNDRED * Decimal::from(days)
                    / Decimal::from(365),
            );
            periods.push(InterestPeriod {
                from: day,
                to: last,
                days,
                percent,
                amount,
            });
            day = last + Days::new(1);
        }
        Ok(Interest {
            amount: periods.iter().map(|p| p.amount).sum(),
            periods,
        })
    }

    /// FRL § 3a for a business customer: the half-year's figure of the due date, less the
    /// reminder fees already charged on the invoice (it offsets them, never stacks).
    pub fn compensation(&self, due: NaiveDate, fees_charged: Decimal) -> R<Decimal> {
        let full = value_at(&self.standard_compensation, "standard compensation", due)?;
        Ok((full - fees_charged).max(Decimal::ZERO))
    }
}

fn half_year_end(day: NaiveDate) -> NaiveDate {
    let (m, d) = if day.month() <= 6 { (6, 30) } else { (12, 31) };
    NaiveDate::from_ymd_opt(day.year(), m, d).unwrap_or(day)
}

#[derive(Clone, Debug, PartialEq)]
pub struct InterestPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    pub percent: Decimal,
    pub amount: Decimal,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Interest {
    pub periods: Vec<InterestPeriod>,
    pub amount: Decimal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Reminder,
    Inkassovarsel,
}

/// A notice sent before, as the history keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub sent: NaiveDate,
    pub deadline: NaiveDate,
    pub fee: Decimal,
    /// The § 3a compensation it charged.
    pub compensation: Decimal,
}

/// The client's reminder policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Days after the due date before the first reminder (at least the day after).
    pub first_after_days: u32,
    /// The deadline each notice gives, in days from sending.
    pub deadline_days: u32,
    pub fee: bool,
    pub interest: bool,
    /// Reminders before the inkassovarsel (0: the first notice is the inkassovarsel).
    pub reminders: u32,
    pub inkassovarsel: bool,
    /// Claim the § 3a standard compensation from business customers.
    pub compensation: bool,
}

/// One overdue invoice as the decision needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    pub due: NaiveDate,
    /// What is left of the invoice itself (principal), after credits and payments.
    pub open: Decimal,
    /// The customer's credit balance elsewhere (what it has paid over), ≥ 0.
    pub customer_credit: Decimal,
    pub opted_out: bool,
    /// An AvtaleGiro claim the bank still handles.
    pub avtalegiro: bool,
    pub payment_agreement: bool,
    /// A business customer (FRL § 3a applies between businesses only).
    pub business: bool,
}

/// Why nothing is sent (now, or ever).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    Paid,
    CoveredByCredit,
    OptedOut,
    AvtaleGiro,
    PaymentAgreement,
    /// Not overdue until the day after the due date.
    NotOverdue,
    /// The policy's first day is later.
    NotYet,
    /// The last notice's deadline is still running.
    DeadlineRunning,
    /// Every notice the policy has was sent (after an inkassovarsel: collection).
    AllSent,
}

/// Why a notice may carry no fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoFee {
    /// The policy charges none.
    Off,
    /// The law gives the creditor's own notices none.
    NotAllowed,
    /// Before due date + 14 days.
    TooEarly(NaiveDate),
    /// A notice's deadline has not passed.
    DeadlineRunning(NaiveDate),
    /// The claim carries the most fees it may.
    TooMany(u32),
    /// The fee before gave a deadline shorter than the law's minimum.
    ShortDeadline,
    /// The § 3a compensation charged covers the cost of chasing: no fee beside it.
    Compensated,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Send(Step),
    Wait { until: NaiveDate, why: Hold },
    Never(Hold),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub kind: NoticeKind,
    pub fee: Result<Decimal, NoFee>,
    /// The § 3a compensation this notice charges (zero if none).
    pub compensation: Decimal,
    pub deadline: NaiveDate,
    pub interest: Option<Interest>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("a notice's deadline of {days} days is shorter than the law's {min}")]
    DeadlineTooShort { days: u32, min: u32 },
    #[error(transparent)]
    Figures(#[from] FigureError),
}

/// The fee a notice sent on `today` may carry, or why none.
pub fn fee(
    claim: &Claim,
    history: &[Notice],
    policy: &Policy,
    today: NaiveDate,
    f: &Figures,
) -> Result<Result<Decimal, NoFee>, FigureError> {
    if !policy.fee {
        return Ok(Err(NoFee::Off));
    }
    let earliest = claim.due
        + Days::new(value_at(&f.fee_earliest_days_after_due, "earliest fee day", today)?.into());
    if today < earliest {
        return Ok(Err(NoFee::TooEarly(earliest)));
    }
    if let Some(last) = history.last().filter(|n| today <= n.deadline) {
        return Ok(Err(NoFee::DeadlineRunning(last.deadline)));
    }
    let charged: Vec<&Notice> = history.iter().filter(|n| n.fee > Decimal::ZERO).collect();
    let max = value_at(&f.max_notice_fees, "fee count", today)?;
    if charged.len() as u32 >= max {
        return Ok(Err(NoFee::TooMany(max)));
    }
    let min = value_at(&f.notice_min_deadline_days, "deadline minimum", today)?;
    if charged
        .last()
        .is_some_and(|n| (n.deadline - n.sent).num_days() < i64::from(min))
    {
        return Ok(Err(NoFee::ShortDeadline));
    }
    let amount = f.notice_fee(today)?;
    Ok(if amount.is_zero() {
        Err(NoFee::NotAllowed)
    } else {
        Ok(amount)
    })
}

/// What to do about `claim` on `today`, given the notices sent before (oldest first).
pub fn next(
    claim: &Claim,
    history: &[Notice],
    policy: &Policy,
    today: NaiveDate,
    f: &Figures,
) -> Result<Decision, PolicyError> {
    let min = value_at(&f.notice_min_deadline_days, "deadline minimum", today)?;
    if policy.deadline_days < min {
        return Err(PolicyError::DeadlineTooShort {
            days: policy.deadline_days,
            min,
        });
    }
    let hold = if claim.open <= Decimal::ZERO {
        Some(Hold::Paid)
    } else if claim.customer_credit >= claim.open {
        Some(Hold::CoveredByCredit)
    } else if claim.opted_out {
        Some(Hold::OptedOut)
    } else if claim.avtalegiro {
        Some(Hold::AvtaleGiro)
    } else if claim.payment_agreement {
        Some(Hold::PaymentAgreement)
    } else {
        None
    };
    if let Some(h) = hold {
        return Ok(Decision::Never(h));
    }
    if today <= claim.due {
        return Ok(Decision::Wait {
            until: claim.due + Days::new(1),
            why: Hold::NotOverdue,
        });
    }
    let reminders = history
        .iter()
        .filter(|n| n.kind == NoticeKind::Reminder)
        .count() as u32;
    let varsel_sent = history.iter().any(|n| n.kind == NoticeKind::Inkassovarsel);
    let kind = if varsel_sent {
        return Ok(Decision::Never(Hold::AllSent));
    } else if reminders < policy.reminders {
        NoticeKind::Reminder
    } else if policy.inkassovarsel {
        NoticeKind::Inkassovarsel
    } else {
        return Ok(Decision::Never(Hold::AllSent));
    };
    if let Some(last) = history.last().filter(|n| today <= n.deadline) {
        return Ok(Decision::Wait {
            until: last.deadline + Days::new(1),
            why: Hold::DeadlineRunning,
        });
    }
    let first = claim.due + Days::new(u64::from(policy.first_after_days.max(1)));
    if history.is_empty() && today < first {
        return Ok(Decision::Wait {
            until: first,
            why: Hold::NotYet,
        });
    }
    // Each notice charges the interest since the one before (or since the due date), so
    // interest is never charged twice for a day.
    let since = history.last().map_or(claim.due, |n| n.sent.max(claim.due));
    let interest = if policy.interest {
        Some(f.late_interest(claim.open, since, today)?)
    } else {
        None
    };
    let (fee, compensation) = with_compensation(
        fee(claim, history, policy, today, f)?,
        claim,
        history,
        policy,
        f,
    )?;
    Ok(Decision::Send(Step {
        kind,
        fee,
        compensation,
        deadline: today + Days::new(policy.deadline_days.into()),
        interest,
    }))
}

/// The § 3a standard compensation for a business customer, where the policy claims it: once
/// per invoice, at the figure of the due date's half-year less the fees charged before and
/// now (it offsets them, never stacks); after it, a notice carries no fee.
fn with_compensation(
    fee: Result<Decimal, NoFee>,
    claim: &Claim,
    history: &[Notice],
    policy: &Policy,
    f: &Figures,
) -> Result<(Result<Decimal, NoFee>, Decimal), FigureError> {
    if !(policy.compensation && claim.business) {
        return Ok((fee, Decimal::ZERO));
    }
    if history.iter().any(|n| n.compensation > Decimal::ZERO) {
        return Ok((Err(NoFee::Compensated), Decimal::ZERO));
    }
    let fees: Decimal = history.iter().map(|n| n.fee).sum::<Decimal>() + fee.unwrap_or_default();
    Ok((fee, f.compensation(claim.due, fees)?))
}

/// What a payment of `amount` covers of an invoice's fees, interest and principal, in that
/// order (receivables.md §1.5: practice, not law); what is left over comes last.
pub fn cover(
    amount: Decimal,
    fees: Decimal,
    interest: Decimal,
    principal: Decimal,
) -> [Decimal; 4] {
    let mut left = amount;
    let mut take = |owed: Decimal| {
        let t = left.min(owed.max(Decimal::ZERO));
        left -= t;
        t
    };
    let f = take(fees);
    let i = take(interest);
    let p = take(principal);
    [f, i, p, left]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> Figures {
        Figures::parse(include_str!("../../legal/receivables-no.json")).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn policy() -> Policy {
        Policy {
            first_after_days: 1,
            deadline_days: 14,
            fee: true,
            interest: true,
            reminders: 2,
            inkassovarsel: true,
            compensation: false,
        }
    }

    fn claim(due: &str) -> Claim {
        Claim {
            due: d(due),
            open: dec("10000.00"),
            customer_credit: Decimal::ZERO,
            opted_out: false,
            avtalegiro: false,
            payment_agreement: false,
            business: false,
        }
    }

    fn sent(kind: NoticeKind, on: &str, days: u64, fee: &str) -> Notice {
        Notice {
            kind,
            sent: d(on),
            deadline: d(on) + Days::new(days),
            fee: dec(fee),
            compensation: Decimal::ZERO,
        }
    }

    /// receivables.md §1.1's worked example: 10 000 kr due 2026-05-15, paid 2026-08-14:
    /// 46 days at 12.00 % + 45 days at 12.25 %.
    #[test]
    fn late_interest_splits_at_the_half_year() {
        let i = figures()
            .late_interest(dec("10000"), d("2026-05-15"), d("2026-08-14"))
            .unwrap();
        let shape: Vec<_> = i
            .periods
            .iter()
            .map(|p| (p.days, p.percent, p.amount))
            .collect();
        assert_eq!(
            shape,
            [
                (46, dec("12.00"), dec("151.23")),
                (45, dec("12.25"), dec("151.03"))
            ]
        );
        assert_eq!(i.amount, dec("302.26"));
        // Paid on the due date, or the day after it: no interest, or one day's.
        let f = figures();
        assert!(f
            .late_interest(dec("10000"), d("2026-05-15"), d("2026-05-15"))
            .unwrap()
            .periods
            .is_empty());
        assert_eq!(
            f.late_interest(dec("10000"), d("2026-05-15"), d("2026-05-16"))
                .unwrap()
                .amount,
            dec("3.29")
        );
        // Past the last rate the table holds: refused, never guessed.
        assert_eq!(
            f.late_interest(dec("10000"), d("2026-12-15"), d("2027-01-10")),
            Err(FigureError::Missing {
                what: "late interest rate",
                day: d("2027-01-01")
            })
        );
    }

    #[test]
    fn the_fee_follows_the_sats_of_the_day_it_is_sent() {
        let f = figures();
        for (day, fee) in [
            ("2025-01-01", "35.00"),
            ("2025-06-30", "35.00"),
            ("2025-12-31", "35.00"),
            ("2026-01-01", "38.00"),
            ("2026-07-01", "38.00"),
            ("2026-12-31", "38.00"),
        ] {
            assert_eq!(f.notice_fee(d(day)).unwrap(), dec(fee), "{day}");
        }
        assert_eq!(
            f.notice_fee(d("2020-01-01")),
            Err(FigureError::Missing {
                what: "fee permission",
                day: d("2020-01-01")
            })
        );
    }

    /// The timeline for due date D (the table).
    #[test]
    fn the_timeline_of_one_claim() {
        let f = figures();
        let c = claim("2026-03-02");
        let p = policy();
        let step = |history: &[Notice], day: &str| next(&c, history, &p, d(day), &f).unwrap();
        // D: not overdue; D+1: a reminder, but free.
        assert_eq!(
            step(&[], "2026-03-02"),
            Decision::Wait {
                until: d("2026-03-03"),
                why: Hold::NotOverdue
            }
        );
        let Decision::Send(s) = step(&[], "2026-03-03") else {
            panic!()
        };
        assert_eq!(
            (s.kind, s.fee, s.deadline),
            (
                NoticeKind::Reminder,
                Err(NoFee::TooEarly(d("2026-03-16"))),
                d("2026-03-17")
            )
        );
        // D+13: still no fee; D+14: the fee of 2026.
        let Decision::Send(s) = step(&[], "2026-03-15") else {
            panic!()
        };
        assert_eq!(s.fee, Err(NoFee::TooEarly(d("2026-03-16"))));
        let Decision::Send(s) = step(&[], "2026-03-16") else {
            panic!()
        };
        assert_eq!(s.fee, Ok(dec("38.00")));
        // A second notice before the first deadline has passed: none (and no fee for one).
        let first = [sent(NoticeKind::Reminder, "2026-03-16", 14, "38")];
        assert_eq!(
            step(&first, "2026-03-30"),
            Decision::Wait {
                until: d("2026-03-31"),
                why: Hold::DeadlineRunning
            }
        );
        assert_eq!(
            fee(&c, &first, &p, d("2026-03-30"), &f).unwrap(),
            Err(NoFee::DeadlineRunning(d("2026-03-30")))
        );
        // After it: the second reminder with the second fee.
        let Decision::Send(s) = step(&first, "2026-03-31") else {
            panic!()
        };
        assert_eq!((s.kind, s.fee), (NoticeKind::Reminder, Ok(dec("38.00"))));
        // Then the inkassovarsel, but a third fee never.
        let two = [
            sent(NoticeKind::Reminder, "2026-03-16", 14, "38"),
            sent(NoticeKind::Reminder, "2026-03-31", 14, "38"),
        ];
        let Decision::Send(s) = step(&two, "2026-04-15") else {
            panic!()
        };
        assert_eq!(
            (s.kind, s.fee),
            (NoticeKind::Inkassovarsel, Err(NoFee::TooMany(2)))
        );
        // After the inkassovarsel: nothing more (the claim goes to collection).
        let three = [
            two[0].clone(),
            two[1].clone(),
            sent(NoticeKind::Inkassovarsel, "2026-04-15", 14, "0"),
        ];
        assert_eq!(step(&three, "2026-06-01"), Decision::Never(Hold::AllSent));
        // A free first reminder with a short deadline gives the next notice no second fee.
        let short = [sent(NoticeKind::Reminder, "2026-03-16", 10, "38")];
        assert_eq!(
            fee(&c, &short, &p, d("2026-04-01"), &f).unwrap(),
            Err(NoFee::ShortDeadline)
        );
        // An inkassovarsel (or any notice) with a 13-day deadline: refused.
        let p13 = Policy {
            deadline_days: 13,
            ..policy()
        };
        assert_eq!(
            next(&c, &[], &p13, d("2026-03-16"), &f),
            Err(PolicyError::DeadlineTooShort { days: 13, min: 14 })
        );
    }

    #[test]
    fn nothing_is_sent_for_what_is_paid_covered_or_held() {
        let f = figures();
        let p = policy();
        let day = d("2026-04-01");
        for (change, hold) in [
            (
                Claim {
                    open: Decimal::ZERO,
                    ..claim("2026-03-02")
                },
                Hold::Paid,
            ),
            (
                Claim {
                    open: dec("-5"),
                    ..claim("2026-03-02")
                },
                Hold::Paid,
            ),
            (
                Claim {
                    customer_credit: dec("10000"),
                    ..claim("2026-03-02")
                },
                Hold::CoveredByCredit,
            ),
            (
                Claim {
                    opted_out: true,
                    ..claim("2026-03-02")
                },
                Hold::OptedOut,
            ),
            (
                Claim {
                    avtalegiro: true,
                    ..claim("2026-03-02")
                },
                Hold::AvtaleGiro,
            ),
            (
                Claim {
                    payment_agreement: true,
                    ..claim("2026-03-02")
                },
                Hold::PaymentAgreement,
            ),
        ] {
            assert_eq!(
                next(&change, &[], &p, day, &f).unwrap(),
                Decision::Never(hold)
            );
        }
        // A partial credit balance does not cover the claim: it is reminded.
        let part = Claim {
            customer_credit: dec("9999.99"),
            ..claim("2026-03-02")
        };
        assert!(matches!(
            next(&part, &[], &p, day, &f).unwrap(),
            Decision::Send(_)
        ));
    }

    #[test]
    fn compensation_offsets_the_fees_and_payments_cover_fees_first() {
        let f = figures();
        assert_eq!(
            f.compensation(d("2026-03-02"), dec("76")).unwrap(),
            dec("384")
        );
        assert_eq!(
            f.compensation(d("2026-09-02"), Decimal::ZERO).unwrap(),
            dec("430")
        );
        assert_eq!(
            f.compensation(d("2026-09-02"), dec("500")).unwrap(),
            Decimal::ZERO
        );
        assert_eq!(
            cover(dec("100"), dec("38"), dec("30"), dec("1000")),
            [dec("38"), dec("30"), dec("32"), Decimal::ZERO]
        );
        assert_eq!(
            cover(dec("1100"), dec("38"), dec("30"), dec("1000")),
            [dec("38"), dec("30"), dec("1000"), dec("32")]
        );
    }

    #[test]
    fn a_business_is_charged_the_compensation_once_less_the_fees() {
        let f = figures();
        let p = Policy {
            compensation: true,
            ..policy()
        };
        let c = Claim {
            business: true,
            ..claim("2026-03-02")
        };
        // The first notice with its fee (38): the compensation of 2026 H1 (460) less it.
        let Decision::Send(s) = next(&c, &[], &p, d("2026-03-16"), &f).unwrap() else {
            panic!()
        };
        assert_eq!((s.fee, s.compensation), (Ok(dec("38.00")), dec("422.00")));
        // After it, no fee beside the compensation.
        let first = [Notice {
            compensation: s.compensation,
            ..sent(NoticeKind::Reminder, "2026-03-16", 14, "38")
        }];
        let Decision::Send(s) = next(&c, &first, &p, d("2026-03-31"), &f).unwrap() else {
            panic!()
        };
        assert_eq!(
            (s.fee, s.compensation),
            (Err(NoFee::Compensated), Decimal::ZERO)
        );
        // Never from a consumer.
        let consumer = Claim {
            business: false,
            ..c
        };
        let Decision::Send(s) = next(&consumer, &[], &p, d("2026-03-16"), &f).unwrap() else {
            panic!()
        };
        assert_eq!(s.compensation, Decimal::ZERO);
    }

    #[test]
    fn a_table_out_of_order_is_refused() {
        let json = include_str!("../../legal/receivables-no.json").replacen(
            "\"from\": \"2026-01-01\", \"value\": \"750\"",
            "\"from\": \"2025-06-01\", \"value\": \"750\"",
            1,
        );
        assert_eq!(
            Figures::parse(&json).unwrap_err(),
            FigureError::Overlap {
                what: "inkassosats",
                day: d("2025-06-01")
            }
        );
    }

    mod daily_runs {
        use super::*;
        use proptest::prelude::*;

        /// A day of the run: nothing, or a payment or a credit note (øre) before it.
        #[derive(Clone, Debug)]
        enum Event {
            Quiet,
            Paid(i64),
            Credited(i64),
        }

        fn event() -> impl Strategy<Value = Event> {
            prop_oneof![
                8 => Just(Event::Quiet),
                1 => (1i64..=600_000).prop_map(Event::Paid),
                1 => (1i64..=600_000).prop_map(Event::Credited),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]
            /// Any sequence of daily runs, payments and credits, over any policy and any due
            /// date of 2025–2026: never more fees than the law allows, never one before due
            /// date + 14 or after a deadline shorter than 14 days, never a notice before the
            /// last one's deadline has passed, never a notice for what is paid or credited,
            /// never anything after the inkassovarsel; and the fee is the one of its day.
            #[test]
            fn daily_runs_keep_the_law(
                due_offset in 0u64..600,
                first_after in 1u32..40,
                deadline_days in 14u32..30,
                reminders in 0u32..4,
                inkassovarsel in any::<bool>(),
                fee_on in any::<bool>(),
                compensation in any::<bool>(),
                business in any::<bool>(),
                days in proptest::collection::vec(event(), 1..120),
            ) {
                let f = figures();
                let due = d("2025-01-01") + Days::new(due_offset);
                let policy = Policy { first_after_days: first_after, deadline_days, fee: fee_on,
                                      interest: true, reminders, inkassovarsel, compensation };
                let mut c = Claim { due, open: dec("5000.00"), customer_credit: Decimal::ZERO,
                                    opted_out: false, avtalegiro: false, payment_agreement: false,
                                    business };
                let mut history: Vec<Notice> = Vec::new();
                for (k, e) in days.iter().enumerate() {
                    let today = due + Days::new(k as u64);
                    if today > d("2026-12-31") {
                        break;
                    }
                    match e {
                        Event::Quiet => {}
                        Event::Paid(o) | Event::Credited(o) => c.open -= Decimal::new(*o, 2),
                    }
                    let Decision::Send(step) = next(&c, &history, &policy, today, &f).unwrap() else {
                        continue;
                    };
                    prop_assert!(c.open > Decimal::ZERO, "a notice for a paid claim");
                    prop_assert!(today > due, "a notice before the due date passed");
                    prop_assert!(!history.iter().any(|n| n.kind == NoticeKind::Inkassovarsel));
                    if let Some(last) = history.last() {
                        prop_assert!(today > last.deadline, "a notice inside the last deadline");
                    }
                    prop_assert!((step.deadline - today).num_days() >= 14);
                    let fee = step.fee.unwrap_or(Decimal::ZERO);
                    if fee > Decimal::ZERO {
                        prop_assert!(fee_on);
                        prop_assert!(today >= due + Days::new(14));
                        prop_assert_eq!(fee, f.notice_fee(today).unwrap());
                    }
                    history.push(Notice { kind: step.kind, sent: today, deadline: step.deadline, fee,
                                          compensation: step.compensation });
                    let fees = history.iter().filter(|n| n.fee > Decimal::ZERO).count();
                    prop_assert!(fees <= 2, "{} fees", fees);
                    // § 3a: only from a business, once, and with the fees never above the
                    // half-year's figure (unless the fees alone were).
                    let charged: Decimal = history.iter().map(|n| n.fee + n.compensation).sum();
                    let comps = history.iter().filter(|n| n.compensation > Decimal::ZERO).count();
                    prop_assert!(comps <= 1 && (comps == 0 || (business && compensation)));
                    if comps == 1 {
                        let full = f.compensation(due, Decimal::ZERO).unwrap();
                        let fees_alone: Decimal = history.iter().map(|n| n.fee).sum();
                        prop_assert!(charged <= full.max(fees_alone), "{} > {}", charged, full);
                    }
                    let interest = step.interest.unwrap();
                    prop_assert_eq!(interest.amount, interest.periods.iter().map(|p| p.amount).sum::<Decimal>());
                }
            }
        }
    }
}
