//! What is wrong with a field, worded in the user's language from the contract's case
//! (`field-problem`). The component decides what is wrong; the console only says it, with
//! numbers and dates as the user reads them.

use super::numbers;
use super::registers::FormProblem;
use super::words::Lang;
use invoicing_host::bindings::{FieldError, FieldProblem as P};
use invoicing_host::store::EfakturaStatus;

impl Lang {
    /// "Linje 3, Antall: må være over 0": the field as the page names it, then the problem.
    pub fn field_error(self, f: &FieldError) -> String {
        format!("{}: {}", self.field(&f.field), self.problem(f))
    }

    /// The problem alone, for a message beside its field.
    pub fn problem(self, f: &FieldError) -> String {
        let nb = self == Lang::Nb;
        let field = |path: &str| self.field(path).to_lowercase();
        let value = |v: &str| {
            if v.len() == 10 && v.as_bytes()[4] == b'-' {
                numbers::date(self, v)
            } else {
                numbers::shown(self, v)
            }
        };
        match &f.problem {
            P::Missing if nb => "må fylles ut".into(),
            P::Missing => "is required".into(),
            P::TooLong(n) if nb => format!("høyst {n} tegn"),
            P::TooLong(n) => format!("at most {n} characters"),
            P::BadCharacter(c) if c == "U+000A" && nb => "må stå på én linje".into(),
            P::BadCharacter(c) if c == "U+000A" => "must be on one line".into(),
            P::BadCharacter(c) if nb => format!("inneholder et tegn som ikke kan brukes ({c})"),
            P::BadCharacter(c) => format!("holds a character that cannot be used ({c})"),
            P::NotANumber(t) if nb => format!("«{t}» er ikke et tall"),
            P::NotANumber(t) => format!("'{t}' is not a number"),
            P::TooManyDecimals(n) if nb => format!("høyst {n} desimaler"),
            P::TooManyDecimals(n) => format!("at most {n} decimals"),
            P::NotADate(t) if nb => format!("«{t}» er ikke en dato"),
            P::NotADate(t) => format!("'{t}' is not a date"),
            P::OutOfRange(b) => match (b.min.as_deref().map(value), b.max.as_deref().map(value)) {
                (Some(a), Some(b)) if nb => format!("må være mellom {a} og {b}"),
                (Some(a), Some(b)) => format!("must be between {a} and {b}"),
                (Some(a), None) if nb => format!("må være minst {a}"),
                (Some(a), None) => format!("must be at least {a}"),
                (None, Some(b)) if nb => format!("kan være høyst {b}"),
                (None, Some(b)) => format!("must be at most {b}"),
                (None, None) => f.message.clone(),
            },
            P::LineTooLarge(max) if nb => format!(
                "antall × pris blir over {} kr, det meste én linje kan utgjøre",
                value(max)
            ),
            P::LineTooLarge(max) => format!(
                "quantity × price comes to more than {}, the most one line may",
                value(max)
            ),
            P::Zero if nb => "kan ikke være 0".into(),
            P::Zero => "cannot be zero".into(),
            P::NotPositive if nb => "må være over 0".into(),
            P::NotPositive => "must be above zero".into(),
            P::Negative if nb => "kan ikke være negativ: rett med en kreditnota".into(),
            P::Negative => "cannot be negative: correct with a credit note".into(),
            P::Before(other) if nb => format!("kan ikke være før {}", field(other)),
            P::Before(other) => format!("cannot be before the {}", field(other)),
            P::InTheFuture(today) if nb => {
                format!("kan ikke være etter dagens dato ({})", value(today))
            }
            P::InTheFuture(today) => format!("cannot be after today ({})", value(today)),
            P::BeforeIssued(i) if nb => format!(
                "er før {}, datoen på nummer {} som alt er utstedt: numrene må følge datoene",
                value(&i.issue_date),
                i.number
            ),
            P::BeforeIssued(i) => format!(
                "is before {}, the date of number {} already issued: numbers must follow the dates",
                value(&i.issue_date),
                i.number
            ),
            P::TooFarBack(days) if nb => format!(
                "er mer enn {days} dager tilbake: første kjøring ville fakturert hver periode siden"
            ),
            P::TooFarBack(days) => format!(
                "is more than {days} days back: the first run would bill every period since"
            ),
            P::Unknown(t) if nb => format!("«{t}» finnes ikke"),
            P::Unknown(t) => format!("'{t}' does not exist"),
            P::NotValid(t) if nb => format!("«{t}» er ikke gyldig"),
            P::NotValid(t) => format!("'{t}' is not valid"),
            P::FileTooLarge(bytes) if nb => format!("filen kan være høyst {} KiB", bytes / 1024),
            P::FileTooLarge(bytes) => format!("the file may be at most {} KiB", bytes / 1024),
            P::NotAJpeg if nb => "må være et JPEG-bilde".into(),
            P::NotAJpeg => "must be a JPEG image".into(),
            P::NoRoom if nb => "gir ikke plass til fakturanummer og kontrollsiffer".into(),
            P::NoRoom => "leaves no room for the invoice number and check digit".into(),
            P::OtherAccount(a) if nb => {
                format!("filen gjelder en annen konto enn klientens ({a}): ingenting ble lest inn")
            }
            P::OtherAccount(a) => format!(
                "the file is for another account than the client's ({a}): nothing was imported"
            ),
            P::AlreadyAllocated(n) if nb => format!("innbetalingen er alt ført på faktura {n}"),
            P::AlreadyAllocated(n) => format!("the payment is given to invoice {n} already"),
            P::DatedAtIssue if nb => {
                "en gjentakende faktura dateres når den utstedes: oppgi betalingsfrist i dager"
                    .into()
            }
            P::DatedAtIssue => {
                "a recurring invoice is dated when it is issued: give payment terms instead".into()
            }
            P::Duplicate if nb => "er oppgitt to ganger".into(),
            P::Duplicate => "is given twice".into(),
            P::MoreThanLeft(left) if nb => format!("bare {} er igjen å kreditere", value(left)),
            P::MoreThanLeft(left) => format!("only {} is left to credit", value(left)),
            P::OneOf(fields) => {
                let names: Vec<String> = fields.iter().map(|f| field(f)).collect();
                if nb {
                    format!("oppgi enten {}", names.join(" eller "))
                } else {
                    format!("give either {}", names.join(" or "))
                }
            }
            P::Needs(other) if nb => format!("krever også {}", field(other)),
            P::Needs(other) => format!("needs the {} as well", field(other)),
            P::OnlyUnregisteredSeller if nb => {
                "«utenfor mva-loven» er bare for den som ikke er mva-registrert".into()
            }
            P::OnlyUnregisteredSeller => {
                "'outside the VAT Act' is only for a seller not registered for VAT".into()
            }
            P::KeyReused(n) if nb => {
                format!("nøkkelen er alt brukt av en annen forespørsel (nummer {n}): bruk en ny")
            }
            P::KeyReused(n) => {
                format!("the key was used by another request (number {n}): use a new one")
            }
            P::EhfRule(r) if nb => format!("dokumentet ville brutt EHF-regelen {r}"),
            P::EhfRule(r) => format!("the document would break EHF rule {r}"),
            P::NoExchangeRate(d) if nb => {
                format!("ingen valutakurs på eller før {d}: importer kursene")
            }
            P::NoExchangeRate(d) => format!("no exchange rate on or before {d}: import the rates"),
            // A component built before 0.5.0: its own words, in English.
            P::Other => f.message.clone(),
        }
    }
}

impl Lang {
    /// A register form's field (`orgnr`, `unit-price`) by the label the form gives it.
    pub fn form_field(self, field: &str) -> &'static str {
        let w = self.words();
        match field {
            "number" => w.number,
            "name" => w.name,
            "orgnr" => w.orgnr,
            "street" => w.street,
            "postcode" => w.postcode,
            "city" => w.city,
            "country" => w.country,
            "email" => w.email,
            "unit-price" => w.unit_price,
            _ => "Id",
        }
    }

    /// What a register's form found wrong, in this language.
    pub fn form_problem(self, p: &FormProblem) -> String {
        let nb = self == Lang::Nb;
        match p {
            FormProblem::Required if nb => "må fylles ut".into(),
            FormProblem::Required => "is required".into(),
            FormProblem::BadId if nb => "1 til 64 tegn av a–z, 0–9 og bindestrek".into(),
            FormProblem::BadId => "1 to 64 characters of a–z, 0–9 and hyphen".into(),
            FormProblem::IdTaken if nb => "er alt i bruk".into(),
            FormProblem::IdTaken => "is taken".into(),
            FormProblem::NumberTaken(name, id) if nb => format!("er alt brukt av {name} ({id})"),
            FormProblem::NumberTaken(name, id) => format!("is taken by {name} ({id})"),
            FormProblem::Digits if nb => "må være et helt tall".into(),
            FormProblem::Digits => "must be a whole number".into(),
            FormProblem::NotOrgnr if nb => "ikke et gyldig organisasjonsnummer (9 siffer)".into(),
            FormProblem::NotOrgnr => "not a valid organisation number (9 digits)".into(),
            FormProblem::NotOneLine if nb => {
                "må stå på én linje, uten kontroll- eller retningstegn".into()
            }
            FormProblem::NotOneLine => {
                "must be one line, without control or text-direction characters".into()
            }
            FormProblem::NotCurrency if nb => "ikke en valutakode (tre bokstaver, som EUR)".into(),
            FormProblem::NotCurrency => "not a currency code (three letters, such as EUR)".into(),
            FormProblem::NotEmail if nb => "ikke en e-postadresse".into(),
            FormProblem::NotEmail => "not an e-mail address".into(),
            FormProblem::NotANumber if nb => "må være et tall, som 1 234,50".into(),
            FormProblem::NotANumber => "must be a number, such as 1,234.50".into(),
        }
    }

    /// The eFaktura directory's answer, in words.
    pub fn efaktura(self, s: EfakturaStatus) -> &'static str {
        match s {
            EfakturaStatus::Found => self.say("Funnet", "Found"),
            EfakturaStatus::NotFound => self.say("Ikke funnet", "Not found"),
            EfakturaStatus::NoConsent => self.say("Uten samtykke", "No consent"),
            EfakturaStatus::Blocked => self.say("Sperret", "Blocked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoicing_host::bindings::{Bounds, IssuedBefore};

    fn at(field: &str, problem: P) -> FieldError {
        FieldError {
            field: field.into(),
            problem,
            message: "the component's English".into(),
        }
    }

    #[test]
    fn problems_read_in_the_users_language() {
        let nb = |f: &str, p: P| Lang::Nb.field_error(&at(f, p));
        let en = |f: &str, p: P| Lang::En.field_error(&at(f, p));
        assert_eq!(
            nb("lines[2].quantity", P::NotPositive),
            "Linje 3, Antall: må være over 0"
        );
        assert_eq!(
            en("lines[2].quantity", P::NotPositive),
            "Line 3, Quantity: must be above zero"
        );
        assert_eq!(
            nb("dates.due-date", P::Before("dates.issue-date".into())),
            "Forfallsdato: kan ikke være før fakturadato"
        );
        let bounds = Bounds {
            min: None,
            max: Some("1000000000".into()),
        };
        assert_eq!(
            nb("lines[0].unit-price", P::OutOfRange(bounds.clone())),
            "Linje 1, Pris: kan være høyst 1\u{a0}000\u{a0}000\u{a0}000"
        );
        assert_eq!(
            en("lines[0].unit-price", P::OutOfRange(bounds)),
            "Line 1, Unit price: must be at most 1,000,000,000"
        );
        assert_eq!(
            nb(
                "dates.issue-date",
                P::BeforeIssued(IssuedBefore {
                    number: 10042,
                    issue_date: "2026-12-04".into()
                })
            ),
            "Fakturadato: er før 04.12.2026, datoen på nummer 10042 som alt er utstedt: numrene må følge datoene"
        );
        assert_eq!(
            nb("lines[0].unit", P::Unknown("stykk".into())),
            "Linje 1, Enhet: «stykk» finnes ikke"
        );
        assert_eq!(
            nb("lines[1].amount", P::MoreThanLeft("1234.5".into())),
            "Linje 2, Beløp: bare 1\u{a0}234,5 er igjen å kreditere"
        );
        assert_eq!(
            Lang::Nb.form_problem(&FormProblem::NumberTaken("Bygg AS".into(), "bygg".into())),
            "er alt brukt av Bygg AS (bygg)"
        );
        assert_eq!(Lang::Nb.form_field("orgnr"), Lang::Nb.words().orgnr);
        // A component built before 0.5.0 said it in English only.
        assert_eq!(
            nb("reason", P::Other),
            "Begrunnelse: the component's English"
        );
    }
}
