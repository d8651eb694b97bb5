//! Money in: what a payment does to an invoice, where an invoice stands, how old what is open
//! is, and the vouchers of each (receivables.md §2.4, §4). Pure rules: the `payments` export
//! reads the host's records and hands them here.

use crate::checkdigits::{kid_mod10, kid_mod11};
use crate::error::Problem;
use crate::model::{KidAlgorithm, Posting, Seller};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// NS 4102 / SAF-T standard accounts a payment posts to.
pub const BANK: u32 = 1920;
pub const RECEIVABLES: u32 = 1500;
/// Payments nobody has matched yet wait here ("uidentifiserte innbetalinger") until a person
/// gives them to an invoice: 2999 Annen kortsiktig gjeld, as DNB Regnskap uses an interim
/// account (receivables.md §2.4, §4).
pub const SUSPENSE: u32 = 2999;
/// Agio and disagio: what a payment in another currency brought in above, or below, the NOK
/// its receivable was booked at (NS 4102; Odoo's l10n_no and Tripletex use the same).
pub const CURRENCY_GAIN: u32 = 8060;
pub const CURRENCY_LOSS: u32 = 8160;

/// What became of a payment (the contract's `payment-outcome`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    PartlyPaid,
    Overpaid,
    AlreadyPaid,
    ToCreditedInvoice,
    UnknownKid,
    InvalidKid,
    NoKid,
    Duplicate,
    Reversal,
    Refund,
}

/// Where an invoice stands in money (the contract's `item-state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Open,
    PartlyPaid,
    Paid,
    Overpaid,
    Credited,
}

/// One invoice's money as the host sums it.
#[derive(Clone, Debug, PartialEq)]
pub struct Money {
    pub payable: Decimal,
    pub credited: Decimal,
    pub paid: Decimal,
    /// The fees and interest its notices charged (contract 0.5.1): owed beside the invoice.
    pub charged: Decimal,
}

impl Money {
    /// What is left to pay; negative: a credit balance the customer has.
    pub fn open(&self) -> Decimal {
        self.payable + self.charged - self.credited - self.paid
    }

    /// What payments left unpaid of the invoice itself, and of its charges: a payment covers
    /// the charges first, then the principal (`reminder::cover`, docs/reminders.md).
    pub fn principal_and_charges(&self) -> (Decimal, Decimal) {
        let [fees, _, principal, _] = crate::reminder::cover(
            self.paid,
            self.charged,
            Decimal::ZERO,
            self.payable - self.credited,
        );
        (
            self.payable - self.credited - principal,
            self.charged - fees,
        )
    }

    pub fn state(&self) -> State {
        let open = self.open();
        if open < Decimal::ZERO {
            State::Overpaid
        } else if open.is_zero() {
            if self.paid.is_zero() {
                State::Credited
            } else {
                State::Paid
            }
        } else if self.paid > Decimal::ZERO {
            State::PartlyPaid
        } else {
            State::Open
        }
    }
}

/// Why a KID cannot be an invoice of this client's: it is not the length the client's bank
/// agreement fixes, or its check digit is wrong (never in OCR, possible in camt.054).
pub fn kid_problem(kid: &str, seller: &Seller) -> Option<String> {
    let len = seller.kid_length as usize;
    if kid.len() != len || !kid.bytes().take(len - 1).all(|b| b.is_ascii_digit()) {
        return Some(format!("not {len} digits"));
    }
    let (base, check) = kid.split_at(len - 1);
    let expected = match seller.kid_algorithm {
        KidAlgorithm::Mod10 => kid_mod10(base),
        KidAlgorithm::Mod11 => kid_mod11(base),
    };
    (!check.starts_with(expected)).then(|| "wrong check digit".to_owned())
}

/// What a payment of `amount` does to an invoice whose money is `m` (before it).
pub fn outcome(m: &Money, amount: Decimal) -> Outcome {
    if amount < Decimal::ZERO {
        return Outcome::Reversal;
    }
    let open = m.open();
    if open <= Decimal::ZERO {
        return if m.payable - m.credited <= Decimal::ZERO {
            Outcome::ToCreditedInvoice
        } else {
            Outcome::AlreadyPaid
        };
    }
    match (open - amount).cmp(&Decimal::ZERO) {
        std::cmp::Ordering::Equal => Outcome::Paid,
        std::cmp::Ordering::Greater => Outcome::PartlyPaid,
        std::cmp::Ordering::Less => Outcome::Overpaid,
    }
}

/// How late an invoice is on `today`: the first overdue day and the days since the due date,
/// while something is open. The first overdue day is the day after the due date: a payment on
/// the due date is in time (receivables.md §1.5 leaves weekends open; no roll-forward here).
pub fn overdue(m: &Money, due: NaiveDate, today: NaiveDate) -> Option<(NaiveDate, u32)> {
    if m.open() <= Decimal::ZERO || today <= due {
        return None;
    }
    let days = (today - due).num_days();
    Some((due.succ_opt()?, u32::try_from(days).unwrap_or(u32::MAX)))
}

/// Open amounts by days past due: not due, 1–30, 31–60, 61–90, over 90.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aging {
    pub buckets: [Decimal; 5],
}

impl Aging {
    /// Count what is open of one invoice (credit balances are not aged).
    pub fn add(&mut self, open: Decimal, days_overdue: u32) {
        if open <= Decimal::ZERO {
            return;
        }
        let i = match days_overdue {
            0 => 0,
            1..=30 => 1,
            31..=60 => 2,
            61..=90 => 3,
            _ => 4,
        };
        self.buckets[i] += open;
    }

    pub fn total(&self) -> Decimal {
        self.buckets.iter().sum()
    }
}

/// The NOK a payment of `paid` (in the invoice's currency) closes of a receivable booked at
/// `booked` NOK for `payable` in the currency, when `open` was left before it: the booked
/// share of what was open before less that of what is open after. Payment by payment it adds
/// up to exactly the booked NOK when the invoice is paid, however it was split.
pub fn closed_nok(payable: Decimal, booked: Decimal, open: Decimal, paid: Decimal) -> Decimal {
    if payable.is_zero() {
        return Decimal::ZERO;
    }
    let share = |x: Decimal| crate::money::round2(x * booked / payable);
    share(open) - share(open - paid)
}

/// A payment in another currency: the bank gets what it credited in NOK (`received`), the
/// customer's receivable closes at the NOK it was booked at (`closed`), and the difference is
/// agio (8060, credit) or disagio (8160, debit) (currency.md §4).
pub fn foreign_postings(
    customer_id: &str,
    received: Decimal,
    closed: Decimal,
    text: &str,
    in_currency: crate::model::CurrencyAmount,
) -> Vec<Posting> {
    let line = |account, debit: Decimal, credit: Decimal, customer_id: Option<&str>| Posting {
        account,
        debit,
        credit,
        customer_id: customer_id.map(Into::into),
        vat_code: None,
        text: text.to_owned(),
        currency: None,
    };
    let mut out = vec![
        line(BANK, received, Decimal::ZERO, None),
        Posting {
            currency: Some(in_currency),
            ..line(RECEIVABLES, Decimal::ZERO, closed, Some(customer_id))
        },
    ];
    let gain = received - closed;
    if gain > Decimal::ZERO {
        out.push(line(CURRENCY_GAIN, Decimal::ZERO, gain, None));
    } else if gain < Decimal::ZERO {
        out.push(line(CURRENCY_LOSS, -gain, Decimal::ZERO, None));
    }
    out
}

/// Where the money of a payment goes: an invoice's customer, or suspense.
#[derive(Clone, Debug, PartialEq)]
pub enum Side<'a> {
    Customer(&'a str),
    Suspense,
}

/// The postings of money moving between the bank (or suspense) and a customer's receivable:
/// `amount` positive moves it in (debit `from`, credit `to`), negative moves it back.
pub fn postings(from: u32, to: &Side, amount: Decimal, text: &str) -> Vec<Posting> {
    let (account, customer_id) = match to {
        Side::Customer(c) => (RECEIVABLES, Some((*c).to_owned())),
        Side::Suspense => (SUSPENSE, None),
    };
    let line = |account, debit: bool, customer_id: Option<String>| Posting {
        account,
        debit: if debit { amount.abs() } else { Decimal::ZERO },
        credit: if debit { Decimal::ZERO } else { amount.abs() },
        customer_id,
        vat_code: None,
        text: text.to_owned(),
        currency: None,
    };
    let inward = amount > Decimal::ZERO;
    vec![
        line(from, inward, None),
        line(account, !inward, customer_id),
    ]
}

/// Why a bank file cannot be the client's: it is for another account, or not in NOK. A file
/// is refused whole for either (receivables.md §2.4), before any of it is registered.
pub fn statement_problem(
    account: &str,
    currency: &str,
    seller: &Seller,
) -> Option<(&'static str, Problem)> {
    // Only NOK payments can be matched (foreign currency is not invoiced yet).
    if !currency.trim().eq_ignore_ascii_case("NOK") {
        return Some(("statement.currency", Problem::not_valid(currency)));
    }
    let compact: String = account
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect::<String>()
        .to_ascii_uppercase();
    let iban = seller
        .iban
        .as_deref()
        .map(|i| i.replace(' ', "").to_ascii_uppercase());
    // A Norwegian IBAN is NO, two check digits and the 11-digit account (BBAN).
    let bban = match compact.strip_prefix("NO") {
        Some(rest) if rest.len() == 13 => &rest[2..],
        _ => compact.as_str(),
    };
    if bban == seller.bank_account || iban.as_deref() == Some(compact.as_str()) {
        return None;
    }
    Some((
        "statement.account",
        Problem::OtherAccount(seller.bank_account.clone()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::seller;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn money(payable: &str, credited: &str, paid: &str) -> Money {
        Money {
            charged: Decimal::ZERO,
            payable: d(payable),
            credited: d(credited),
            paid: d(paid),
        }
    }

    #[test]
    fn a_payment_does_to_its_invoice_what_the_cases_say() {
        let open = money("1250.00", "0", "0");
        assert_eq!(outcome(&open, d("1250.00")), Outcome::Paid);
        assert_eq!(outcome(&open, d("1000.00")), Outcome::PartlyPaid);
        assert_eq!(outcome(&open, d("1250.01")), Outcome::Overpaid);
        assert_eq!(outcome(&open, d("-100")), Outcome::Reversal);
        let paid = money("1250.00", "0", "1250.00");
        assert_eq!(outcome(&paid, d("1250.00")), Outcome::AlreadyPaid);
        let credited = money("1250.00", "1250.00", "0");
        assert_eq!(outcome(&credited, d("1250.00")), Outcome::ToCreditedInvoice);
        // Credited in part: what is left is what a payment pays.
        let part = money("1250.00", "250.00", "0");
        assert_eq!(outcome(&part, d("1000.00")), Outcome::Paid);
    }

    #[test]
    fn an_invoice_stands_where_its_money_says() {
        assert_eq!(money("100", "0", "0").state(), State::Open);
        assert_eq!(money("100", "0", "40").state(), State::PartlyPaid);
        assert_eq!(money("100", "40", "60").state(), State::Paid);
        assert_eq!(money("100", "0", "120").state(), State::Overpaid);
        assert_eq!(money("100", "100", "0").state(), State::Credited);
        assert_eq!(money("100", "100", "100").state(), State::Overpaid);
        assert_eq!(money("100", "0", "120").open(), d("-20"));
    }

    #[test]
    fn overdue_from_the_day_after_the_due_date() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let m = money("100", "0", "0");
        assert_eq!(overdue(&m, due, due), None);
        let next = due.succ_opt().unwrap();
        assert_eq!(overdue(&m, due, next), Some((next, 1)));
        assert_eq!(overdue(&money("100", "0", "100"), due, next), None);
    }

    #[test]
    fn aging_puts_each_open_amount_in_its_bucket() {
        let mut a = Aging::default();
        for (open, days) in [
            ("10", 0),
            ("20", 1),
            ("30", 30),
            ("40", 31),
            ("50", 90),
            ("60", 91),
            ("-5", 400),
        ] {
            a.add(d(open), days);
        }
        assert_eq!(a.buckets, [d("10"), d("50"), d("40"), d("50"), d("60")]);
        assert_eq!(a.total(), d("210"));
    }

    #[test]
    fn a_kid_is_checked_by_the_clients_length_and_algorithm() {
        let s = seller(); // 10 digits, MOD10
        let good = crate::invoice::kid(&s, 1001, 10042).unwrap();
        assert_eq!(kid_problem(&good, &s), None);
        let mut bad = good.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '9' {
            '0'
        } else {
            char::from(last as u8 + 1)
        });
        assert_eq!(kid_problem(&bad, &s).as_deref(), Some("wrong check digit"));
        assert_eq!(kid_problem("123", &s).as_deref(), Some("not 10 digits"));
        assert_eq!(
            kid_problem("12345678a0", &s).as_deref(),
            Some("not 10 digits")
        );
    }

    #[test]
    fn a_file_for_another_account_or_currency_is_refused() {
        let s = seller();
        assert_eq!(statement_problem("86011117947", "NOK", &s), None);
        assert_eq!(statement_problem("8601.11.17947", "nok", &s), None);
        assert_eq!(statement_problem("NO93 8601 1117 947", "NOK", &s), None);
        assert_eq!(
            statement_problem("12345678903", "NOK", &s).unwrap().0,
            "statement.account"
        );
        assert_eq!(
            statement_problem("86011117947", "EUR", &s).unwrap().0,
            "statement.currency"
        );
    }

    /// currency.md §4: 1 250.00 EUR booked at 14 743.75 NOK, paid at 11.7173: the bank gets
    /// 14 646.63, the receivable closes at 14 743.75, and 97.12 is disagio on 8160.
    #[test]
    fn the_worked_payment_in_euro() {
        let closed = closed_nok(d("1250.00"), d("14743.75"), d("1250.00"), d("1250.00"));
        assert_eq!(closed, d("14743.75"));
        let eur = crate::model::CurrencyAmount {
            currency: "EUR".into(),
            amount: d("1250.00"),
            rate: d("11.7950"),
        };
        let p = foreign_postings("c-1", d("14646.63"), closed, "Innbetaling", eur);
        let rows: Vec<_> = p.iter().map(|p| (p.account, p.debit, p.credit)).collect();
        let z = Decimal::ZERO;
        assert_eq!(
            rows,
            [
                (BANK, d("14646.63"), z),
                (RECEIVABLES, z, d("14743.75")),
                (CURRENCY_LOSS, d("97.12"), z),
            ]
        );
        // In parts, it closes exactly the booked NOK.
        let (mut open, mut sum) = (d("1250.00"), Decimal::ZERO);
        for part in [d("333.33"), d("0.01"), d("916.66")] {
            sum += closed_nok(d("1250.00"), d("14743.75"), open, part);
            open -= part;
        }
        assert_eq!(sum, d("14743.75"));
    }

    #[test]
    fn every_voucher_balances_and_names_the_customer_on_1500() {
        for amount in [d("100.00"), d("-100.00")] {
            for side in [Side::Customer("c-1"), Side::Suspense] {
                let p = postings(BANK, &side, amount, "Innbetaling");
                let debit: Decimal = p.iter().map(|p| p.debit).sum();
                let credit: Decimal = p.iter().map(|p| p.credit).sum();
                assert_eq!(debit, credit);
                assert_eq!(debit, d("100.00"));
                for line in &p {
                    assert_eq!(line.customer_id.is_some(), line.account == RECEIVABLES);
                }
            }
        }
        // Money in: the bank is debited and the customer credited.
        let p = postings(BANK, &Side::Customer("c-1"), d("5"), "x");
        assert_eq!((p[0].account, p[0].debit), (BANK, d("5")));
        assert_eq!((p[1].account, p[1].credit), (RECEIVABLES, d("5")));
    }
}
