//! Exchange rates as the host imports them (currency.md §5): Norges Bank's CSV as its data API
//! publishes it, and an override file (`date;currency;rate_per_unit;source`) for a rate a
//! client must use instead. Rates are kept per (currency, day), NOK per one unit; the
//! component asks for a day's (`rates.rate`) and freezes it on what it issues. The host never
//! reaches the network: a person, or a scheduled job, fetches the file.

use crate::bindings::ExchangeRate;
use anyhow::{bail, Context, Result};
use rust_decimal::Decimal;
use std::path::Path;

/// The source Norges Bank's rates are kept under.
pub const NORGES_BANK: &str = "Norges Bank";

/// The rates in a file of either kind, told apart by its header.
pub fn read(path: &Path) -> Result<Vec<ExchangeRate>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let header = text.lines().next().unwrap_or_default();
    let rates = if header.contains("OBS_VALUE") {
        norges_bank(&text)
    } else {
        overrides(&text)
    };
    rates.with_context(|| path.display().to_string())
}

/// Keep the rates of `path` in `store`; how many.
pub fn import(store: &dyn crate::store::Store, path: &Path) -> Result<usize> {
    let rates = read(path)?;
    crate::store::with_unit(store, |u| u.rates()?.put_rates(&rates))
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// Norges Bank's CSV: one row per currency and day, read by its column names. SEK, DKK, JPY …
/// are quoted per 100 units: `UNIT_MULT` (a power of ten) says so, and the rate kept is per one.
pub fn norges_bank(text: &str) -> Result<Vec<ExchangeRate>> {
    let mut r = reader(text);
    let headers = r.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let need = |name: &str| column(name).with_context(|| format!("no column {name}"));
    let (base, day, value) = (need("BASE_CUR")?, need("TIME_PERIOD")?, need("OBS_VALUE")?);
    let (quote, mult) = (column("QUOTE_CUR"), column("UNIT_MULT"));
    let mut out = Vec::new();
    for (i, row) in r.records().enumerate() {
        let row = row?;
        let line = i + 2;
        let at = |c: usize| row.get(c).unwrap_or_default();
        if quote.is_some_and(|q| at(q) != "NOK") {
            bail!(
                "line {line}: quoted in {}, not NOK",
                at(quote.unwrap_or_default())
            );
        }
        let observed = at(value);
        if observed.is_empty() {
            continue; // a day with no observation
        }
        // The Norwegian locale writes a decimal comma.
        let observed: Decimal = observed
            .replace(',', ".")
            .parse()
            .with_context(|| format!("line {line}: OBS_VALUE '{observed}'"))?;
        let power: u32 = match mult.map(at) {
            None | Some("") => 0,
            Some(m) => m
                .parse()
                .with_context(|| format!("line {line}: UNIT_MULT '{m}'"))?,
        };
        anyhow::ensure!(power <= 6, "line {line}: UNIT_MULT {power}");
        out.push(rate(
            at(base),
            at(day),
            observed / Decimal::from(10u32.pow(power)),
            NORGES_BANK,
            line,
        )?);
    }
    Ok(out)
}

/// The override file: `date;currency;rate_per_unit;source`, with that header.
pub fn overrides(text: &str) -> Result<Vec<ExchangeRate>> {
    let mut r = reader(text);
    let headers: Vec<String> = r.headers()?.iter().map(str::to_owned).collect();
    anyhow::ensure!(
        headers == ["date", "currency", "rate_per_unit", "source"],
        "an override file's header is date;currency;rate_per_unit;source, not {}",
        headers.join(";")
    );
    let mut out = Vec::new();
    for (i, row) in r.records().enumerate() {
        let row = row?;
        let line = i + 2;
        let at = |c: usize| row.get(c).unwrap_or_default();
        let value: Decimal = at(2)
            .replace(',', ".")
            .parse()
            .with_context(|| format!("line {line}: rate_per_unit '{}'", at(2)))?;
        anyhow::ensure!(!at(3).is_empty(), "line {line}: no source");
        out.push(rate(at(1), at(0), value, at(3), line)?);
    }
    Ok(out)
}

fn rate(
    currency: &str,
    day: &str,
    per_unit: Decimal,
    source: &str,
    line: usize,
) -> Result<ExchangeRate> {
    anyhow::ensure!(
        crate::money::is_currency_code(currency),
        "line {line}: '{currency}' is not an ISO 4217 currency"
    );
    anyhow::ensure!(currency != "NOK", "line {line}: NOK needs no rate");
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .with_context(|| format!("line {line}: '{day}' is not a date"))?;
    anyhow::ensure!(per_unit > Decimal::ZERO, "line {line}: rate {per_unit}");
    Ok(ExchangeRate {
        currency: currency.into(),
        rate: per_unit.normalize().to_string(),
        date: day.into(),
        source: source.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SEK is quoted per 100: 102.93 is 1.0293 NOK per krona.
    #[test]
    fn a_per_100_quote_is_kept_per_unit() {
        let text =
            std::fs::read_to_string(crate::fixtures::dir().join("rates/norges-bank-2024-12.csv"))
                .unwrap();
        let rates = norges_bank(&text).unwrap();
        let on = |c: &str, d: &str| {
            rates
                .iter()
                .find(|r| r.currency == c && r.date == d)
                .map(|r| r.rate.as_str())
        };
        assert_eq!(on("SEK", "2024-12-31"), Some("1.0293"));
        assert_eq!(on("EUR", "2024-12-31"), Some("11.795"));
        assert_eq!(on("USD", "2024-12-31"), Some("11.3534"));
        assert!(rates.iter().all(|r| r.source == NORGES_BANK));
    }

    #[test]
    fn bad_files_are_refused_naming_the_line() {
        let bad = "BASE_CUR;QUOTE_CUR;TIME_PERIOD;OBS_VALUE\nEUR;NOK;2024-12-31;elleve\n";
        assert!(format!("{:#}", norges_bank(bad).unwrap_err()).contains("line 2"));
        let other = "BASE_CUR;QUOTE_CUR;TIME_PERIOD;OBS_VALUE\nEUR;SEK;2024-12-31;11.4\n";
        assert!(norges_bank(other).is_err());
        let header = "day;currency;rate;source\n2024-12-31;EUR;11.7;x\n";
        assert!(overrides(header).is_err());
        let comma = "date;currency;rate_per_unit;source\n2024-12-31;GBP;14,235;Avtale\n";
        assert_eq!(overrides(comma).unwrap()[0].rate, "14.235");
    }
}
