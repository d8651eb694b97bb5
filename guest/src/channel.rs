//! Choosing the channel that suits the customer (norway.md §6): the customer's preference
//! first, then the client's order; the first channel that can take the document wins.

use crate::model::{Channel, Customer, Kind, Seller};

/// The eFaktura directory's answer for a consumer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Efaktura {
    Found,
    #[default]
    NotFound,
    NoConsent,
    Blocked,
}

/// What the host's directories say about one customer.
#[derive(Clone, Debug, Default)]
pub struct Reach {
    /// The Peppol directory lists the buyer for this document type.
    pub peppol: bool,
    pub efaktura: Efaktura,
    /// An active AvtaleGiro mandate.
    pub avtalegiro: bool,
    /// What the document asks the customer to pay, and its KID: the payment channels carry
    /// a claim, so they take only a positive amount with an all-digit KID.
    pub payable: rust_decimal::Decimal,
    pub kid: Option<String>,
    /// The document is in a currency other than NOK: eFaktura and AvtaleGiro carry NOK only.
    pub foreign: bool,
}

/// Whether `channel` can take this document, and why (or why not).
pub fn can_take(
    channel: Channel,
    kind: Kind,
    customer: &Customer,
    reach: &Reach,
) -> Result<String, String> {
    match channel {
        Channel::Ehf if customer.orgnr.is_none() => {
            Err("EHF: the customer has no organisation number".into())
        }
        Channel::Ehf if reach.peppol => Ok(format!(
            "EHF: 0192:{} accepts {} in the Peppol directory",
            customer.orgnr.as_deref().unwrap_or(""),
            kind_name(kind)
        )),
        Channel::Ehf => Err(format!(
            "EHF: the Peppol directory does not list the buyer for {}",
            kind_name(kind)
        )),
        Channel::Efaktura if kind == Kind::CreditNote => {
            Err("eFaktura: credit notes are not sent by eFaktura".into())
        }
        Channel::Efaktura if reach.foreign => {
            Err("eFaktura: NOK only, and the invoice is in another currency".into())
        }
        Channel::Efaktura if reach.payable <= rust_decimal::Decimal::ZERO => {
            Err("eFaktura: nothing to pay, so no payment request".into())
        }
        Channel::Efaktura => match reach.efaktura {
            Efaktura::Found => Ok("eFaktura: the consumer has consented and not blocked us".into()),
            Efaktura::NotFound => Err("eFaktura: not-found".into()),
            Efaktura::NoConsent => Err("eFaktura: no-consent".into()),
            Efaktura::Blocked => Err("eFaktura: blocked".into()),
        },
        Channel::Avtalegiro if kind == Kind::CreditNote => {
            Err("AvtaleGiro: only invoices are claimed".into())
        }
        Channel::Avtalegiro if reach.foreign => {
            Err("AvtaleGiro: NOK only, and the invoice is in another currency".into())
        }
        Channel::Avtalegiro if reach.payable <= rust_decimal::Decimal::ZERO => {
            Err("AvtaleGiro: nothing to pay, so no claim".into())
        }
        // A MOD11 KID whose remainder is 1 ends in '-': a Nets claim's KID is digits only.
        Channel::Avtalegiro
            if !reach
                .kid
                .as_deref()
                .is_some_and(|k| k.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Err("AvtaleGiro: the KID is not all digits (MOD11 check '-'), which a claim cannot carry".into())
        }
        Channel::Avtalegiro if reach.avtalegiro => {
            Ok("AvtaleGiro: the customer has an active mandate".into())
        }
        Channel::Avtalegiro => Err("AvtaleGiro: no active mandate".into()),
        Channel::Email => match &customer.email {
            Some(e) if valid_email(e) => Ok(format!("e-mail to {e}")),
            Some(_) => Err("e-mail: the address is not valid".into()),
            None => Err("e-mail: no address".into()),
        },
        Channel::Print if customer.address.is_complete() => {
            Ok("print: complete postal address".into())
        }
        Channel::Print => Err("print: the postal address is incomplete".into()),
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Invoice => "Invoice",
        Kind::CreditNote => "CreditNote",
    }
}

/// The channel order for this customer: the preferred (if enabled), then the client's order.
pub fn order(seller: &Seller, customer: &Customer) -> Vec<Channel> {
    let mut order: Vec<Channel> = customer
        .preferred_channel
        .filter(|c| seller.channels.contains(c))
        .into_iter()
        .collect();
    order.extend(
        seller
            .channels
            .iter()
            .copied()
            .filter(|c| Some(*c) != customer.preferred_channel),
    );
    order
}

/// Where a document goes: the channel, why, and the others that could take it, in order, for
/// the host to fall back to if the first refuses for good.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub channel: Channel,
    pub reason: String,
    pub fallbacks: Vec<Channel>,
}

/// The route for this document; or every reason no channel can take it. The chosen channel's
/// reason also says why each channel before it could not take the document (a person reading
/// "e-mail" wants to know why not EHF).
pub fn choose(
    seller: &Seller,
    customer: &Customer,
    kind: Kind,
    reach: &Reach,
) -> Result<Route, Vec<String>> {
    let mut refusals = Vec::new();
    let mut takers = Vec::new();
    for c in order(seller, customer) {
        match can_take(c, kind, customer, reach) {
            Ok(reason) if takers.is_empty() => {
                let mut why = if customer.preferred_channel == Some(c) {
                    format!("preferred; {reason}")
                } else {
                    reason
                };
                if !refusals.is_empty() {
                    why = format!("{why} (not {})", refusals.join("; not "));
                }
                takers.push((c, why));
            }
            Ok(reason) => takers.push((c, reason)),
            Err(r) => refusals.push(r),
        }
    }
    let mut takers = takers.into_iter();
    match takers.next() {
        Some((channel, reason)) => Ok(Route {
            channel,
            reason,
            fallbacks: takers.map(|(c, _)| c).collect(),
        }),
        None => Err(refusals),
    }
}

/// The route for a notice (reminder, inkassovarsel): a letter by e-mail or print, the two
/// channels that carry one (EHF Reminder is not sent yet: docs/reminders.md), among those the
/// client has enabled, the customer's preference first.
pub fn choose_for_notice(
    seller: &Seller,
    customer: &Customer,
    payable: rust_decimal::Decimal,
    kid: Option<&str>,
) -> Result<Route, Vec<String>> {
    let mut letters = seller.clone();
    letters
        .channels
        .retain(|c| matches!(c, Channel::Email | Channel::Print));
    if letters.channels.is_empty() {
        return Err(vec!["neither e-mail nor print is enabled".into()]);
    }
    let reach = Reach {
        peppol: false,
        efaktura: Efaktura::NotFound,
        avtalegiro: false,
        payable,
        kid: kid.map(Into::into),
        foreign: false,
    };
    choose(&letters, customer, Kind::Invoice, &reach)
}

/// A plain, header-safe address a relay takes: one `@`; a local part of RFC 5322 atoms (no
/// spaces, quotes, brackets or control characters, no empty atom); a domain of labels with a
/// dot between them. The quoted forms RFC 5322 also allows are refused: no customer needs them,
/// and they are where header injection hides.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    // Letters beyond ASCII (æøå, an internationalised address) are taken as they are, without
    // the Unicode tables `is_alphanumeric` would add to the component.
    let letter = |c: char| {
        c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
    };
    let atext = |c: char| letter(c) || "!#$%&'*+-/=?^_`{|}~".contains(c);
    e.len() <= 254
        && local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext))
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| letter(c) || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    fn reach(peppol: bool, efaktura: &str, avtalegiro: bool) -> Reach {
        Reach {
            peppol,
            efaktura: match efaktura {
                "found" => Efaktura::Found,
                "no-consent" => Efaktura::NoConsent,
                "blocked" => Efaktura::Blocked,
                _ => Efaktura::NotFound,
            },
            avtalegiro,
            payable: 100.into(),
            kid: Some("1001100013".into()),
            foreign: false,
        }
    }

    #[test]
    fn payment_channels_need_something_to_pay_and_a_digit_kid() {
        let seller = testdata::seller();
        let mut consumer = testdata::customer();
        consumer.orgnr = None;
        let pick = |r: Reach| {
            choose(&seller, &consumer, Kind::Invoice, &r)
                .unwrap()
                .channel
        };
        assert_eq!(pick(reach(false, "found", true)), Channel::Efaktura);
        let nothing = Reach {
            payable: 0.into(),
            ..reach(false, "found", true)
        };
        assert_eq!(pick(nothing), Channel::Email);
        let dash = Reach {
            kid: Some("100110001-".into()),
            ..reach(false, "not-found", true)
        };
        assert_eq!(pick(dash), Channel::Email);
        // In euro: no payment channel, whatever the consumer agreed to.
        let euro = Reach {
            foreign: true,
            ..reach(false, "found", true)
        };
        assert_eq!(pick(euro), Channel::Email);
    }

    #[test]
    fn the_first_channel_that_can_take_the_document_wins() {
        let seller = testdata::seller();
        let business = testdata::customer();
        let mut consumer = testdata::customer();
        consumer.orgnr = None;
        let mut no_email = consumer.clone();
        no_email.email = None;
        let mut bad_email = consumer.clone();
        bad_email.email = Some("kari@example.no\r\nBcc: x@y.no".into());
        let mut prefers_print = business.clone();
        prefers_print.preferred_channel = Some(Channel::Print);
        let mut nowhere = no_email.clone();
        nowhere.address.street = None;
        use Channel::*;
        use Kind::*;
        let table: Vec<(&str, &Customer, Kind, Reach, Option<Channel>)> = vec![
            (
                "peppol lists the buyer",
                &business,
                Invoice,
                reach(true, "found", true),
                Some(Ehf),
            ),
            (
                "not in peppol, consumer found",
                &business,
                Invoice,
                reach(false, "found", true),
                Some(Efaktura),
            ),
            (
                "efaktura not found",
                &consumer,
                Invoice,
                reach(false, "not-found", true),
                Some(Avtalegiro),
            ),
            (
                "efaktura no consent",
                &consumer,
                Invoice,
                reach(false, "no-consent", true),
                Some(Avtalegiro),
            ),
            (
                "efaktura blocked, no mandate",
                &consumer,
                Invoice,
                reach(false, "blocked", false),
                Some(Email),
            ),
            (
                "credit note skips efaktura and avtalegiro",
                &consumer,
                CreditNote,
                reach(false, "found", true),
                Some(Email),
            ),
            (
                "no e-mail: print",
                &no_email,
                Invoice,
                reach(false, "not-found", false),
                Some(Print),
            ),
            (
                "header injection is not an address",
                &bad_email,
                Invoice,
                reach(false, "not-found", false),
                Some(Print),
            ),
            (
                "preference wins over the order",
                &prefers_print,
                Invoice,
                reach(true, "found", true),
                Some(Print),
            ),
            (
                "no channel at all",
                &nowhere,
                Invoice,
                reach(false, "blocked", false),
                None,
            ),
        ];
        for (case, customer, kind, r, expected) in table {
            let got = choose(&seller, customer, kind, &r).map(|r| r.channel).ok();
            assert_eq!(got, expected, "{case}");
        }
        let refusals =
            choose(&seller, &nowhere, Invoice, &reach(false, "blocked", false)).unwrap_err();
        assert_eq!(refusals.len(), 5, "one reason per channel: {refusals:?}");
        // The channel chosen says why each before it could not take the document.
        let route = choose(
            &seller,
            &no_email,
            Invoice,
            &reach(false, "not-found", false),
        )
        .unwrap();
        assert!(
            route
                .reason
                .starts_with("print: complete postal address (not EHF: "),
            "{}",
            route.reason
        );
        for why in [
            "not eFaktura: not-found",
            "not AvtaleGiro: ",
            "not e-mail: no address",
        ] {
            assert!(route.reason.contains(why), "{why}: {}", route.reason);
        }
    }

    #[test]
    fn only_enabled_channels_are_tried() {
        let mut seller = testdata::seller();
        seller.channels = vec![Channel::Email];
        let mut c = testdata::customer();
        c.preferred_channel = Some(Channel::Ehf);
        assert_eq!(
            choose(
                &seller,
                &c,
                Kind::Invoice,
                &Reach {
                    peppol: true,
                    ..Default::default()
                }
            )
            .unwrap()
            .channel,
            Channel::Email
        );
    }
}
