//! The console's pages, rendered with `maud` (which escapes every text it is given), and the
//! readers of their forms.

use super::numbers;
use super::registers::{FormProblem, Problems};
use super::words::{Lang, UNITS};
use super::{Ctx, Nav, Opened, OverviewQuery, Registers};
use invoicing_host::api::{free_line, product_line};
use invoicing_host::bindings::*;
use invoicing_host::names::Name;
use invoicing_host::runtime::CallError;
use invoicing_host::store::{CustomerRecord, EfakturaStatus};
use maud::{html, Markup, DOCTYPE};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// An action URL with the CSRF token (a plain form's POST carries it in its query).
/// What an empty id field will get.
fn id_hint(ctx: &Ctx) -> &'static str {
    ctx.lang
        .say("Tom: lages av navnet", "Empty: made from the name")
}

/// `address.street` → `field-address-street`: the id of a setting's input, which the
/// activation refusal links to.
pub fn field_id(path: &str) -> String {
    format!("field-{}", path.replace('.', "-"))
}

/// A page without the frame (its client may be unknown), in Bokmål with English below.
pub fn bare(nb: &str, en: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nb" {
            head { meta charset="utf-8"; title { (nb) } link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"; link rel="stylesheet" href="/assets/console.css"; }
            body { main id="main" { h1 { (nb) } p lang="en" { (en) } p { a href="/" { "← Til forsiden" } } } }
        }
    }
}

/// The frame of every page: the client picker, the navigation, "Deaktiver" at the bottom left.
pub(super) fn layout(ctx: &Ctx, nav: &Nav, title: &str, body: Markup) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let here = format!("/c/{c}/");
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title {
                    @if title != w.product { (title) " – " }
                    (w.product) " – " (nav.name)
                }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/console.css";
                script src="/assets/htmx.min.js" {}
            }
            body hx-headers=(format!(r#"{{"x-csrf": "{}"}}"#, ctx.csrf)) {
                a class="skip" href="#main" { (w.skip) }
                header {
                    span class="brand" { (w.product) " " span class="new" { "NY" } }
                    form method="get" action="/velg" class="switcher" {
                        label for="client-switch" { (w.client) }
                        select id="client-switch" name="klient" {
                            @for (id, name) in &nav.clients {
                                option value=(id) selected[id == c] { (name) }
                            }
                        }
                        button type="submit" { (w.switch) }
                    }
                    nav class="lang" aria-label=(w.language) {
                        a href=(format!("/sprak/nb?tilbake={here}")) lang="nb" { "Bokmål" }
                        " · "
                        a href=(format!("/sprak/en?tilbake={here}")) lang="en" { "English" }
                    }
                }
                div class="frame" {
                    nav class="side" aria-label=(w.product) {
                        @if nav.active {
                            a class="primary" href=(format!("/c/{c}/ny")) { (w.new_invoice) }
                            a href=(format!("/c/{c}/oversikt")) { (w.overview) }
                            a href=(format!("/c/{c}/innbetalinger")) { (ctx.lang.say("Innbetalinger", "Payments")) }
                            a href=(format!("/c/{c}/purringer")) { (ctx.lang.say("Purringer", "Reminders")) }
                        }
                        a href=(format!("/c/{c}/kunder")) { (w.customers) }
                        a href=(format!("/c/{c}/produkter")) { (w.products) }
                        a href=(format!("/c/{c}/innstillinger")) { (w.settings) }
                        a href=(format!("/c/{c}/api")) { "API" }
                        @if nav.active {
                            a class="bottom" href=(format!("/c/{c}/deaktiver")) { (w.deactivate) }
                        }
                    }
                    main id="main" tabindex="-1" { (body) }
                }
            }
        }
    }
}

/// A page's heading with its one primary action before it, top left ("Ny faktura", "Legg til").
fn title_row(title: &str, href: &str, action: &str) -> Markup {
    html! {
        div class="title-row" {
            a class="button primary" href=(href) { (action) }
            h1 { (title) }
        }
    }
}

fn problems_list(lang: super::Lang, problems: &[(&'static str, FormProblem)]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div class="problems" role="alert" {
                p { (lang.words().problems) }
                ul { @for (f, p) in problems { li { strong { (lang.form_field(f)) } ": " (lang.form_problem(p)) } } }
            }
        }
    }
}

fn call_error(ctx: &Ctx, e: Option<&CallError>) -> Markup {
    html! { @if let Some(e) = e { p class="error" role="alert" { (ctx.lang.error(e)) } } }
}

/// A setting (the contract's field path) by the label the settings form gives it.
pub fn setting_label(lang: super::Lang, path: &str) -> &str {
    let w = lang.words();
    let (nb, en) = match path {
        "name" => (w.name, w.name),
        "organisation-number" => (w.orgnr, w.orgnr),
        "address.street" => (w.street, w.street),
        "address.postcode" => (w.postcode, w.postcode),
        "address.city" => (w.city, w.city),
        "address.country" => (w.country, w.country),
        "language" => (w.language, w.language),
        "vat-registered" => ("MVA-registrert", "VAT registered"),
        "foretaksregisteret" => (
            "Registrert i Foretaksregisteret",
            "Registered in Foretaksregisteret",
        ),
        "template" => ("Fakturamal", "Invoice template"),
        "channels" => (
            "Kanaler, i den rekkefølgen de skal prøves",
            "Channels, in the order to try them",
        ),
        "invoice-start-number" => ("Første fakturanummer", "First invoice number"),
        "credit-note-start-number" => (
            "Første kreditnotanummer (tomt: fakturaserien)",
            "First credit note number (empty: the invoice series)",
        ),
        "payment-terms-days" => ("Betalingsfrist (dager)", "Payment terms (days)"),
        "kid-length" => ("KID-lengde", "KID length"),
        "kid-algorithm" => ("KID-algoritme", "KID algorithm"),
        "kid-customer-digits" => ("Kundesifre i KID", "Customer digits in the KID"),
        "logo" => ("Logo (JPEG, høyst 512 KiB)", "Logo (JPEG, at most 512 KiB)"),
        "iban" => ("IBAN", "IBAN"),
        "bic" => ("BIC", "BIC"),
        "bank-account" => ("Kontonummer", "Bank account"),
        other => return other,
    };
    lang.say(nb, en)
}

/// The information page with "Aktiver"; after a refusal, every missing or invalid setting,
/// each linking to its field by the field's label.
pub fn info(ctx: &Ctx, nav: &Nav, problems: &[FieldError]) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    layout(
        ctx,
        nav,
        w.product,
        html! {
            h1 { (w.product) " – " (nav.name) }
            p { (w.info) }
            @if !problems.is_empty() {
                div class="problems" role="alert" {
                    p { (w.activate_refused) }
                    ul {
                        @for f in problems {
                            li { a href=(format!("/c/{c}/innstillinger#{}", field_id(&f.field))) { (setting_label(ctx.lang, &f.field)) } ": " (ctx.lang.problem(f)) }
                        }
                    }
                }
            }
            form method="post" action=(format!("/c/{c}/aktiver")) {
                button type="submit" class="primary" { (w.activate) }
            }
        },
    )
}

pub fn deactivate(ctx: &Ctx, nav: &Nav, e: Option<&CallError>) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    layout(
        ctx,
        nav,
        w.deactivate,
        html! {
            h1 { (w.deactivate) }
            (call_error(ctx, e))
            form method="post" action=(format!("/c/{c}/deaktiver")) {
                label for="reason" { (w.deactivate_ask) }
                textarea id="reason" name="reason" rows="3" required {}
                button type="submit" { (w.deactivate) }
            }
        },
    )
}

// ---- settings ----

fn template_thumbnail(name: &str) -> Markup {
    // A sketch of each template's first page: the modern one has a coloured band.
    html! {
        svg width="60" height="84" viewBox="0 0 60 84" role="img" aria-label=(name) {
            rect x="0.5" y="0.5" width="59" height="83" fill="#fff" stroke="#888" {}
            @if name == "modern" {
                rect x="0.5" y="0.5" width="59" height="14" fill="#1f5f8b" {}
            } @else {
                rect x="6" y="6" width="22" height="4" fill="#333" {}
            }
            rect x="6" y="22" width="30" height="3" fill="#999" {}
            rect x="6" y="34" width="48" height="2" fill="#bbb" {}
            rect x="6" y="40" width="48" height="2" fill="#bbb" {}
            rect x="6" y="46" width="48" height="2" fill="#bbb" {}
            rect x="34" y="62" width="20" height="4" fill="#333" {}
        }
    }
}

/// What became of a settings form.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Only shown.
    No,
    Yes,
    /// Not kept: invoicing is on, and these settings would stop it.
    RefusedWhileActive,
}

pub fn settings(
    ctx: &Ctx,
    nav: &Nav,
    s: &ClientSettings,
    problems: &[FieldError],
    saved: Saved,
) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let beside = |path: &str| -> Markup {
        let msgs: Vec<String> = problems
            .iter()
            .filter(|p| p.field == path)
            .map(|p| ctx.lang.problem(p))
            .collect();
        html! { @if !msgs.is_empty() { span class="field-error" id=(format!("{}-error", field_id(path))) { (msgs.join("; ")) } } }
    };
    let text = |path: &str, label: &str, value: Option<&str>| -> Markup {
        let id = field_id(path);
        let bad = problems.iter().any(|p| p.field == path);
        html! {
            div class="field" {
                label for=(id) { (label) }
                input id=(id) name=(path) type="text" value=[value] aria-invalid=[bad.then_some("true")]
                    aria-describedby=[bad.then(|| format!("{id}-error"))];
                (beside(path))
            }
        }
    };
    let number = |path: &str, label: &str, value: Option<u64>| -> Markup {
        let id = field_id(path);
        html! {
            div class="field" {
                label for=(id) { (label) }
                input id=(id) name=(path) type="number" min="0" value=[value];
                (beside(path))
            }
        }
    };
    let yes_no = |path: &str, label: &str, value: Option<bool>| -> Markup {
        let id = field_id(path);
        html! {
            div class="field" {
                label for=(id) { (label) }
                select id=(id) name=(path) {
                    option value="" selected[value.is_none()] { "–" }
                    option value="true" selected[value == Some(true)] { (w.yes) }
                    option value="false" selected[value == Some(false)] { (w.no) }
                }
                (beside(path))
            }
        }
    };
    let a = &s.address;
    let kid_alg = s.kid_algorithm.map(Name::name);
    let label = |path| setting_label(ctx.lang, path);
    let (vat_label, fr_label, tpl_label, ch_label) = (
        label("vat-registered"),
        label("foretaksregisteret"),
        label("template"),
        label("channels"),
    );
    let (start_label, cn_label, terms_label) = (
        label("invoice-start-number"),
        label("credit-note-start-number"),
        label("payment-terms-days"),
    );
    let (kid_label, kid_alg_label, kid_cust_label) = (
        label("kid-length"),
        label("kid-algorithm"),
        label("kid-customer-digits"),
    );
    let (logo_label, iban_label, bic_label, bank_label) = (
        label("logo"),
        label("iban"),
        label("bic"),
        label("bank-account"),
    );
    layout(
        ctx,
        nav,
        w.settings,
        html! {
            h1 { (w.settings) }
            @if saved == Saved::Yes { p class="saved" role="status" { (w.saved) } }
            // The way on from settings while the module is off: activate it from here.
            @if !nav.active {
                form method="post" action=(format!("/c/{c}/aktiver")) class="actions" {
                    button type="submit" class="primary" { (w.activate) }
                    @if problems.is_empty() { " " (ctx.lang.say("når innstillingene er klare", "when the settings are ready")) }
                }
            }
            @if saved == Saved::RefusedWhileActive { p class="error" role="alert" { (w.settings_refused_while_active) } }
            form method="post" enctype="multipart/form-data" action=(format!("/c/{c}/innstillinger")) {
                fieldset {
                    legend { (w.name) }
                    (text("name", w.name, s.name.as_deref()))
                    (text("organisation-number", w.orgnr, s.organisation_number.as_deref()))
                    (text("address.street", w.street, a.street.as_deref()))
                    (text("address.postcode", w.postcode, a.postcode.as_deref()))
                    (text("address.city", w.city, a.city.as_deref()))
                    (text("address.country", w.country, a.country.as_deref()))
                }
                fieldset {
                    legend { (bank_label) }
                    (text("bank-account", bank_label, s.bank_account.as_deref()))
                    (text("iban", iban_label, s.iban.as_deref()))
                    (text("bic", bic_label, s.bic.as_deref()))
                    (yes_no("vat-registered", vat_label, s.vat_registered))
                    (yes_no("foretaksregisteret", fr_label, s.foretaksregisteret))
                }
                fieldset id=(field_id("template")) {
                    legend { (tpl_label) }
                    @for t in ["classic", "modern"] {
                        label class="template" {
                            input type="radio" name="template" value=(t) checked[s.template.map(|t| t.name()) == Some(t)];
                            (template_thumbnail(t)) " " (t)
                        }
                    }
                    (beside("template"))
                }
                fieldset id=(field_id("channels")) {
                    legend { (ch_label) }
                    @for i in 0..5 {
                        div class="field" {
                            label for=(format!("channel-{i}")) { (i + 1) "." }
                            select id=(format!("channel-{i}")) name="channel" {
                                option value="" { "–" }
                                @for ch in Channel::ALL.iter().map(|(c, _)| *c) {
                                    option value=(ch.name()) selected[s.channels.get(i) == Some(&ch)] { (ctx.lang.channel(ch)) }
                                }
                            }
                        }
                    }
                    (beside("channels"))
                }
                fieldset {
                    legend { (w.number) }
                    (number("invoice-start-number", start_label, s.invoice_start_number))
                    (number("credit-note-start-number", cn_label, s.credit_note_start_number))
                    (number("payment-terms-days", terms_label, s.payment_terms_days.map(u64::from)))
                    (number("kid-length", kid_label, s.kid_length.map(u64::from)))
                    div class="field" {
                        label for=(field_id("kid-algorithm")) { (kid_alg_label) }
                        select id=(field_id("kid-algorithm")) name="kid-algorithm" {
                            option value="" selected[kid_alg.is_none()] { "–" }
                            option value="mod10" selected[kid_alg == Some("mod10")] { "MOD10" }
                            option value="mod11" selected[kid_alg == Some("mod11")] { "MOD11" }
                        }
                        (beside("kid-algorithm"))
                    }
                    (number("kid-customer-digits", kid_cust_label, s.kid_customer_digits.map(u64::from)))
                    div class="field" {
                        label for=(field_id("language")) { (w.language) }
                        select id=(field_id("language")) name="language" {
                            option value="" selected[s.language.is_none()] { "–" }
                            option value="nb" selected[s.language == Some(Language::Nb)] { "Bokmål" }
                            option value="en" selected[s.language == Some(Language::En)] { "English" }
                        }
                        (beside("language"))
                    }
                }
                fieldset {
                    legend { (logo_label) }
                    div class="field" {
                        label for=(field_id("logo")) { (logo_label) }
                        input id=(field_id("logo")) name="logo" type="file" accept="image/jpeg";
                        @if s.logo.as_ref().is_some_and(|l| !l.is_empty()) {
                            label { input type="checkbox" name="remove-logo" value="1"; " " (w.remove) }
                        }
                        (beside("logo"))
                    }
                }
                button type="submit" class="primary" { (w.save) }
            }
        },
    )
}

/// The settings as the form gives them (what it leaves out is kept).
pub fn settings_from_form(
    old: &ClientSettings,
    fields: &[(String, String)],
    logo: Option<Vec<u8>>,
) -> ClientSettings {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let yes_no = |k: &str| get(k).map(|v| v == "true");
    let mut channels = Vec::new();
    for (n, v) in fields {
        if let Some(ch) = (n == "channel").then(|| Channel::parse(v)).flatten() {
            if !channels.contains(&ch) {
                channels.push(ch);
            }
        }
    }
    let remove_logo = get("remove-logo").is_some();
    ClientSettings {
        name: get("name"),
        organisation_number: get("organisation-number"),
        address: Address {
            street: get("address.street"),
            postcode: get("address.postcode"),
            city: get("address.city"),
            country: get("address.country"),
        },
        bank_account: get("bank-account"),
        iban: get("iban"),
        bic: get("bic"),
        vat_registered: yes_no("vat-registered"),
        foretaksregisteret: yes_no("foretaksregisteret"),
        template: get("template").and_then(|t| Template::parse(&t)),
        channels,
        invoice_start_number: get("invoice-start-number").and_then(|v| v.parse().ok()),
        credit_note_start_number: get("credit-note-start-number").and_then(|v| v.parse().ok()),
        payment_terms_days: get("payment-terms-days").and_then(|v| v.parse().ok()),
        kid_length: get("kid-length").and_then(|v| v.parse().ok()),
        kid_algorithm: get("kid-algorithm").and_then(|v| KidAlgorithm::parse(&v)),
        kid_customer_digits: get("kid-customer-digits").and_then(|v| v.parse().ok()),
        language: get("language").and_then(|l| Language::parse(&l)),
        logo: match (logo, remove_logo) {
            (_, true) => None,
            (Some(l), _) => Some(l),
            (None, _) => old.logo.clone(),
        },
    }
}

// ---- the overview ----

pub fn overview(
    ctx: &Ctx,
    nav: &Nav,
    q: &OverviewQuery,
    page: &super::OverviewPage,
    customers: &[CustomerRecord],
    problem: Option<&CallError>,
) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let (rows, money) = (&page.rows, &page.money);
    let page_link = |side: u32| q.address(c, &[("side", &side.to_string())]);
    let sorted = |column: &str, label: &str, class: &str| {
        let href = q.address(
            c,
            &[
                ("sort", column),
                ("desc", q.list.next_desc(column)),
                ("side", "0"),
            ],
        );
        q.list.header_to(&href, column, label, class)
    };
    let searched = [
        &q.kunde,
        &q.referanse,
        &q.nummer,
        &q.fra,
        &q.til,
        &q.type_,
        &q.status,
        &q.betaling,
        &q.list.q,
    ]
    .iter()
    .any(|v| !v.trim().is_empty());
    layout(
        ctx,
        nav,
        w.overview,
        html! {
            (title_row(w.overview, &format!("/c/{c}/ny"), w.new_invoice))
            form method="get" action=(format!("/c/{c}/oversikt")) class="filters" role="search" {
                div class="field" { label for="f-q" { (ctx.lang.say("Søk", "Search")) } input id="f-q" name="q" type="search" value=(q.list.q); }
                input type="hidden" name="sort" value=(q.list.sort);
                input type="hidden" name="desc" value=(q.list.desc);
                div class="field" {
                    label for="f-kunde" { (w.customer) }
                    select id="f-kunde" name="kunde" {
                        option value="" { (w.all) }
                        @for r in customers {
                            option value=(r.customer.id) selected[q.kunde == r.customer.id] { (r.customer.name) }
                        }
                    }
                }
                div class="field" { label for="f-ref" { (w.reference) } input id="f-ref" name="referanse" type="text" value=(q.referanse); }
                div class="field" { label for="f-nummer" { (w.number) } input id="f-nummer" name="nummer" type="text" inputmode="numeric" value=(q.nummer); }
                div class="field" { label for="f-fra" { (w.issued_from) } input id="f-fra" name="fra" type="date" value=(q.fra); }
                div class="field" { label for="f-til" { (w.issued_to) } input id="f-til" name="til" type="date" value=(q.til); }
                div class="field" {
                    label for="f-type" { (w.kind) }
                    select id="f-type" name="type" {
                        option value="" { (w.all) }
                        @for (k, n) in DocumentKind::ALL {
                            option value=(n) selected[q.type_ == *n] { (ctx.lang.kind(*k)) }
                        }
                    }
                }
                div class="field" {
                    label for="f-status" { (w.status) }
                    select id="f-status" name="status" {
                        option value="" { (w.all) }
                        @for (s, n) in DocumentStatus::ALL {
                            option value=(n) selected[q.status == *n] { (ctx.lang.status(*s)) }
                        }
                    }
                }
                div class="field" {
                    label for="f-betaling" { (ctx.lang.say("Betaling", "Payment")) }
                    select id="f-betaling" name="betaling" {
                        option value="" { (w.all) }
                        @for (v, nb, en) in super::PAYMENT_FILTERS {
                            option value=(v) selected[q.betaling == *v] { (ctx.lang.say(nb, en)) }
                        }
                    }
                }
                button type="submit" { (w.filter) }
            }
            (call_error(ctx, problem))
            @if page.more {
                p id="hits" role="status" { (ctx.lang.say("Over", "Over")) " " (numbers::shown(ctx.lang, &page.hits.to_string())) }
            } @else {
                (hit_count(ctx, searched, page.hits, None))
            }
            @if page.capped {
                p class="hint" role="note" {
                    (ctx.lang.say(
                        "Søk, sortering og betaling gjelder bare de 5 000 nyeste dokumentene filteret gir. Velg en kunde eller datoer for å se de eldre.",
                        "Search, sorting and payment apply to the 5,000 newest documents the filter gives only. Pick a customer or dates to see older ones.",
                    ))
                }
            }
            table id="rows" {
                caption class="visually-hidden" { (w.overview) }
                thead { tr {
                    th scope="col" { (w.kind) } (sorted("number", w.number, "")) th scope="col" { (w.status) }
                    (sorted("customer", w.customer, "")) (sorted("reference", w.reference, "")) (sorted("date", w.date, ""))
                    (sorted("amount", w.amount, "num"))
                    th scope="col" class="num" { (ctx.lang.say("Å betale", "Left to pay")) } th scope="col" { (ctx.lang.say("Betaling", "Payment")) }
                    th scope="col" { (w.delivery) } th scope="col" { (w.actions) }
                } }
                tbody {
                    @if rows.is_empty() { tr { td colspan="11" { (w.none) } } }
                    @for r in rows {
                        @let href = if r.kind == DocumentKind::Draft { format!("/c/{c}/utkast/{}", r.id) } else { format!("/c/{c}/dokument/{}", r.id) };
                        tr {
                            td { (ctx.lang.kind(r.kind)) }
                            td { @if let Some(n) = r.number { (n) } }
                            td { (ctx.lang.status(r.status)) }
                            td { (r.customer_name) }
                            td { (r.buyer_reference.as_deref().unwrap_or("")) }
                            td { (numbers::date(ctx.lang, r.issue_date.as_deref().unwrap_or(""))) }
                            td class="num" { (numbers::shown(ctx.lang, &r.payable)) (other_currency(&r.currency)) }
                            @match money.get(&r.id) {
                                Some(m) => {
                                    td class="num" { (numbers::shown(ctx.lang, &m.open)) }
                                    td {
                                        (ctx.lang.item_state(m.state))
                                        @if m.overdue_since.is_some() { " · " strong { (ctx.lang.say("forfalt", "overdue")) } }
                                    }
                                }
                                None => { td {} td {} }
                            }
                            td { @if let Some(d) = r.delivery { (ctx.lang.state(d)) } }
                            td {
                                a href=(href) { (w.open) span class="visually-hidden" { " " (r.id) } }
                                @if r.kind == DocumentKind::Invoice && r.status != DocumentStatus::Credited {
                                    details class="menu" {
                                        summary { (w.actions) span class="visually-hidden" { " " (r.id) } }
                                        a href=(format!("/c/{c}/dokument/{}/krediter", r.id)) { (w.credit) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            nav class="pages" aria-label=(w.overview) {
                @if q.side > 0 { a href=(page_link(q.side - 1)) { (w.previous) } }
                @if page.more || ((q.side + 1) * super::PAGE_ROWS) < page.hits as u32 { a href=(page_link(q.side + 1)) { (w.next) } }
            }
            p class="hint" {
                (ctx.lang.say(
                    "Et utkast uten linjer slettes når ingen har endret det på et døgn.",
                    "A draft without lines is deleted when nobody has changed it for a day.",
                ))
            }
        },
    )
}

/// An overview row's columns as the page shows them, for the search.
pub fn overview_columns(lang: Lang, r: &Summary) -> Vec<String> {
    vec![
        lang.kind(r.kind).to_owned(),
        r.number.map(|n| n.to_string()).unwrap_or_default(),
        lang.status(r.status).to_owned(),
        r.customer_name.clone(),
        r.buyer_reference.clone().unwrap_or_default(),
        numbers::date(lang, r.issue_date.as_deref().unwrap_or("")),
        numbers::shown(lang, &r.payable),
        r.payable.clone(),
        r.currency.clone(),
    ]
}

/// ` EUR` after an amount in a currency other than NOK; nothing after kroner. Amounts in
/// different currencies are never added together.
fn other_currency(currency: &str) -> String {
    if currency == "NOK" {
        String::new()
    } else {
        format!(" {currency}")
    }
}

/// For a draft or document in another currency: the VAT in NOK at its rate, and the rate
/// (bokføringsforskriften § 5-1-1 nr. 6).
fn in_nok(l: Lang, totals: &Totals, rate: Option<&ExchangeRate>) -> Markup {
    html! {
        @if let (Some(vat), Some(r)) = (&totals.vat_nok, rate) {
            dt { (l.say("MVA i NOK", "VAT in NOK")) } dd id="vat-nok" { (numbers::shown(l, vat)) " NOK" }
            dt { (l.say("Kurs", "Rate")) }
            dd id="rate" { "1 " (r.currency) " = " (numbers::shown(l, &r.rate)) " NOK (" (r.source) ", " (numbers::date(l, &r.date)) ")" }
        }
    }
}

// ---- a new draft: pick a customer ----

pub fn new_invoice(ctx: &Ctx, nav: &Nav, e: Option<&CallError>) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    layout(
        ctx,
        nav,
        w.new_invoice,
        html! {
            h1 { (w.new_invoice) }
            (call_error(ctx, e))
            form method="get" action=(format!("/c/{c}/kunder/sok")) role="search" {
                label for="customer-search" { (w.search_customer) }
                input id="customer-search" name="q" type="search" autocomplete="off"
                    hx-get=(format!("/c/{c}/kunder/sok")) hx-trigger="input changed delay:250ms, search"
                    hx-target="#customer-hits" hx-select="#customer-hits" hx-swap="outerHTML";
                button type="submit" { (w.search_customer) }
            }
            div id="customer-hits" aria-live="polite" {}
        },
    )
}

/// The customers a search found, each a button that starts a draft for it.
pub fn customer_hits(ctx: &Ctx, nav: &Nav, found: &[CustomerRecord]) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    layout(
        ctx,
        nav,
        w.new_invoice,
        html! {
            h1 { (w.new_invoice) }
            div id="customer-hits" aria-live="polite" {
                @if found.is_empty() { p { (w.none) } }
                ul class="hits" {
                    @for r in found {
                        li {
                            form method="post" action=(format!("/c/{c}/ny")) {
                                input type="hidden" name="customer" value=(r.customer.id);
                                button type="submit" {
                                    (w.pick) " " (r.customer.name) " (" (r.customer.number) ")"
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

// ---- the registers ----

/// A register's list as asked for: `q` (words, each found in some column), the column to
/// sort by and its direction.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub desc: bool,
}

impl ListQuery {
    /// Whether every word of `q` is in one of `columns` (case folded).
    fn keeps(&self, columns: &[&str]) -> bool {
        let hay: Vec<String> = columns.iter().map(|c| c.to_lowercase()).collect();
        self.q
            .to_lowercase()
            .split_whitespace()
            .all(|word| hay.iter().any(|c| c.contains(word)))
    }

    /// The rows kept, sorted by `key` of the asked column (as they come, if none is asked).
    pub(super) fn apply<'a, T, K: Ord>(
        &self,
        all: &'a [T],
        columns: impl Fn(&T) -> Vec<String>,
        key: impl Fn(&T, &str) -> K,
    ) -> Vec<&'a T> {
        let mut rows: Vec<&T> = all
            .iter()
            .filter(|t| {
                let cols = columns(t);
                self.keeps(&cols.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .collect();
        rows.sort_by_cached_key(|t| key(t, &self.sort));
        if self.desc {
            rows.reverse();
        }
        rows
    }

    /// Whether following `column`'s header sorts it the other way: again, it turns.
    pub(super) fn next_desc(&self, column: &str) -> &'static str {
        if self.sort == column && !self.desc {
            "true"
        } else {
            "false"
        }
    }

    /// A register column's header: a link that sorts by it (again: the other way).
    fn header(&self, base: &str, column: &str, label: &str, class: &str) -> Markup {
        let query = serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("sort", column),
            ("desc", self.next_desc(column)),
        ])
        .unwrap_or_default();
        self.header_to(&format!("{base}?{query}"), column, label, class)
    }

    /// A column's header linking to `href`, with `aria-sort` and an arrow when sorted by it.
    fn header_to(&self, href: &str, column: &str, label: &str, class: &str) -> Markup {
        let on = self.sort == column;
        let sort = match (on, self.desc) {
            (true, false) => "ascending",
            (true, true) => "descending",
            _ => "none",
        };
        html! { th scope="col" class=(class) aria-sort=(sort) { a href=(href) { (label) @if on { @if self.desc { " ↓" } @else { " ↑" } } } } }
    }
}

/// How many a list holds: in all, or found by what was asked.
fn hit_count(ctx: &Ctx, searched: bool, shown: usize, all: Option<usize>) -> Markup {
    let l = ctx.lang;
    html! {
        p id="hits" role="status" {
            @match (searched, all) {
                (true, Some(all)) => { (shown) " " (l.say("treff av", "found of")) " " (all) }
                (true, None) => { (shown) " " (l.say("treff", "found")) }
                (false, _) => { (shown) " " (l.say("i alt", "in all")) }
            }
        }
    }
}

/// The search above a register's list, and how many it found.
fn list_search(ctx: &Ctx, base: &str, q: &ListQuery, shown: usize, all: usize) -> Markup {
    let l = ctx.lang;
    html! {
        form method="get" action=(base) role="search" class="filters" {
            (labelled("list-q", l.say("Søk", "Search"), html! { input id="list-q" name="q" type="search" value=(q.q); }))
            input type="hidden" name="sort" value=(q.sort);
            input type="hidden" name="desc" value=(q.desc);
            button type="submit" { (l.say("Søk", "Search")) }
        }
        (hit_count(ctx, !q.q.trim().is_empty(), shown, Some(all)))
    }
}

pub fn customers(ctx: &Ctx, nav: &Nav, all: &[CustomerRecord], q: &ListQuery) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let base = format!("/c/{c}/kunder");
    let rows = q.apply(
        all,
        |r| {
            let cu = &r.customer;
            vec![
                cu.number.to_string(),
                cu.name.clone(),
                cu.organisation_number.clone().unwrap_or_default(),
                cu.email.clone().unwrap_or_default(),
                cu.address.city.clone().unwrap_or_default(),
            ]
        },
        |r, column| {
            let cu = &r.customer;
            match column {
                "name" => (0, cu.name.to_lowercase()),
                "orgnr" => (0, cu.organisation_number.clone().unwrap_or_default()),
                "email" => (0, cu.email.clone().unwrap_or_default().to_lowercase()),
                _ => (cu.number, String::new()),
            }
        },
    );
    layout(
        ctx,
        nav,
        w.customers,
        html! {
            (title_row(w.customers, &format!("/c/{c}/kunder/ny"), w.add))
            (list_search(ctx, &base, q, rows.len(), all.len()))
            table id="list" {
                thead { tr {
                    (q.header(&base, "number", w.number, ""))
                    (q.header(&base, "name", w.name, ""))
                    (q.header(&base, "orgnr", w.orgnr, ""))
                    (q.header(&base, "email", w.email, ""))
                    th scope="col" { (w.actions) }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            td { (r.customer.number) }
                            td { (r.customer.name) }
                            td { (r.customer.organisation_number.as_deref().unwrap_or("")) }
                            td { (r.customer.email.as_deref().unwrap_or("")) }
                            td {
                                a href=(format!("/c/{c}/kunder/{}", r.customer.id)) { (w.edit) span class="visually-hidden" { " " (r.customer.name) } }
                                " · "
                                a href=(format!("/c/{c}/kunder/{}/saldo", r.customer.id)) { (ctx.lang.say("Saldo", "Balance")) span class="visually-hidden" { " " (r.customer.name) } }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn labelled(id: &str, label: &str, input: Markup) -> Markup {
    html! { div class="field" { label for=(id) { (label) } (input) } }
}

pub fn customer_form(
    ctx: &Ctx,
    nav: &Nav,
    r: Option<&CustomerRecord>,
    stored: bool,
    problems: &[(&'static str, FormProblem)],
    next_number: u64,
) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let cu = r.map(|r| &r.customer);
    let is_new = !stored;
    let action = match cu {
        Some(cu) if stored => format!("/c/{c}/kunder/{}", cu.id),
        _ => format!("/c/{c}/kunder/ny"),
    };
    let number = cu.map_or(next_number, |c| c.number);
    let t = |s: Option<&String>| s.cloned().unwrap_or_default();
    layout(
        ctx,
        nav,
        w.customers,
        html! {
            h1 { (w.customers) }
            (problems_list(ctx.lang, problems))
            form method="post" action=(action) {
                @if is_new {
                    (labelled("c-id", "Id", html! { input id="c-id" name="id" type="text" pattern="[a-z0-9-]{1,64}" placeholder=(id_hint(ctx)) value=(cu.map(|c| c.id.clone()).unwrap_or_default()); }))
                }
                (labelled("c-number", w.number, html! { input id="c-number" name="number" type="number" min="1" required value=(number); }))
                (labelled("c-name", w.name, html! { input id="c-name" name="name" type="text" required value=(cu.map(|c| c.name.clone()).unwrap_or_default()); }))
                (labelled("c-orgnr", w.orgnr, html! { input id="c-orgnr" name="orgnr" type="text" value=(t(cu.and_then(|c| c.organisation_number.as_ref()))); }))
                (labelled("c-street", w.street, html! { input id="c-street" name="street" type="text" value=(t(cu.and_then(|c| c.address.street.as_ref()))); }))
                (labelled("c-postcode", w.postcode, html! { input id="c-postcode" name="postcode" type="text" value=(t(cu.and_then(|c| c.address.postcode.as_ref()))); }))
                (labelled("c-city", w.city, html! { input id="c-city" name="city" type="text" value=(t(cu.and_then(|c| c.address.city.as_ref()))); }))
                (labelled("c-country", w.country, html! { input id="c-country" name="country" type="text" value=(cu.and_then(|c| c.address.country.clone()).unwrap_or_else(|| "NO".into())); }))
                (labelled("c-email", w.email, html! { input id="c-email" name="email" type="email" value=(t(cu.and_then(|c| c.email.as_ref()))); }))
                (labelled("c-currency", ctx.lang.say("Valuta (ISO 4217, tom: NOK)", "Currency (ISO 4217, empty: NOK)"), html! { input id="c-currency" name="currency" type="text" maxlength="3" autocapitalize="characters" value=(t(cu.and_then(|c| c.currency.as_ref()))); }))
                (labelled("c-language", w.language, html! {
                    select id="c-language" name="language" {
                        option value="" { "–" }
                        option value="nb" selected[cu.and_then(|c| c.language) == Some(Language::Nb)] { "Bokmål" }
                        option value="en" selected[cu.and_then(|c| c.language) == Some(Language::En)] { "English" }
                    }
                }))
                (labelled("c-channel", w.channel, html! {
                    select id="c-channel" name="channel" {
                        option value="" { "–" }
                        @for (ch, n) in Channel::ALL {
                            option value=(n) selected[cu.and_then(|c| c.preferred_channel) == Some(*ch)] { (ctx.lang.channel(*ch)) }
                        }
                    }
                }))
                (labelled("c-efaktura", "eFaktura", html! {
                    select id="c-efaktura" name="efaktura" {
                        // Consent is looked up or stated, never assumed: a new customer is
                        // "not found" until someone says otherwise.
                        @for (s, n) in EfakturaStatus::ALL {
                            option value=(n) selected[r.map_or(EfakturaStatus::NotFound, |r| r.efaktura) == *s] { (ctx.lang.efaktura(*s)) }
                        }
                    }
                }))
                div class="field" {
                    input id="c-avtalegiro" name="avtalegiro" type="checkbox" value="1" checked[r.is_some_and(|r| r.avtalegiro)];
                    label for="c-avtalegiro" { "AvtaleGiro" }
                }
                div class="field" {
                    input id="c-ehf" name="attach-ehf" type="checkbox" value="1" checked[cu.is_some_and(|c| c.attach_ehf)];
                    label for="c-ehf" { "EHF " (w.email) }
                }
                button type="submit" class="primary" { (w.save) }
            }
        },
    )
}

/// A customer as the form gives it, checked as the register checks what enters it.
#[allow(clippy::result_large_err)]
pub fn customer_from_form(
    old: Option<&CustomerRecord>,
    f: &HashMap<String, String>,
    all: &[CustomerRecord],
) -> Result<CustomerRecord, (CustomerRecord, Problems)> {
    let get = |k: &str| {
        f.get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut problems = Vec::new();
    let id = match old {
        Some(o) => o.customer.id.clone(),
        None => get("id").unwrap_or_else(|| {
            let name = get("name").unwrap_or_default();
            super::registers::id_from_name(&name, |id| all.iter().any(|c| c.customer.id == id))
        }),
    };
    if old.is_none() {
        if !invoicing_host::runtime::valid_client_id(&id) {
            problems.push(("id", FormProblem::BadId));
        } else if all.iter().any(|c| c.customer.id == id) {
            problems.push(("id", FormProblem::IdTaken));
        }
    }
    let number = get("number").and_then(|n| n.replace(' ', "").parse::<u64>().ok());
    match number {
        None => problems.push(("number", FormProblem::Digits)),
        // The number is part of every KID the customer pays by: one customer per number.
        Some(n) => {
            if let Some(other) = all
                .iter()
                .find(|c| c.customer.number == n && c.customer.id != id)
            {
                problems.push((
                    "number",
                    FormProblem::NumberTaken(
                        other.customer.name.clone(),
                        other.customer.id.clone(),
                    ),
                ));
            }
        }
    }
    // Stored as the 9 digits every document carries, however it was typed.
    let orgnr = match get("orgnr") {
        None => None,
        Some(typed) => match crate::identifiers::orgnr_of(&typed) {
            Some(digits) => Some(digits),
            None => {
                problems.push(("orgnr", FormProblem::NotOrgnr));
                Some(typed)
            }
        },
    };
    let name = get("name").unwrap_or_default();
    if name.is_empty() {
        problems.push(("name", FormProblem::Required));
    }
    for field in ["name", "street", "postcode", "city", "country"] {
        if get(field).is_some_and(|v| !crate::identifiers::is_one_plain_line(&v)) {
            problems.push((field, FormProblem::NotOneLine));
        }
    }
    let email = get("email");
    if let Some(e) = &email {
        if e.parse::<lettre::Address>().is_err() || e.chars().any(char::is_control) {
            problems.push(("email", FormProblem::NotEmail));
        }
    }
    // A currency other than NOK, as ISO 4217 writes it; NOK is none (the default).
    let currency = get("currency")
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty() && c != "NOK");
    if currency
        .as_ref()
        .is_some_and(|c| !invoicing_host::money::is_currency_code(c))
    {
        problems.push(("currency", FormProblem::NotCurrency));
    }
    let r = CustomerRecord {
        customer: Customer {
            id,
            number: number.unwrap_or_default(),
            name,
            organisation_number: orgnr,
            address: Address {
                street: get("street"),
                postcode: get("postcode"),
                city: get("city"),
                country: get("country"),
            },
            email,
            language: get("language").and_then(|l| Language::parse(&l)),
            preferred_channel: get("channel").and_then(|c| Channel::parse(&c)),
            attach_ehf: get("attach-ehf").is_some(),
            currency,
        },
        efaktura: get("efaktura")
            .and_then(|s| EfakturaStatus::parse(&s))
            .unwrap_or(EfakturaStatus::NotFound),
        avtalegiro: get("avtalegiro").is_some(),
    };
    if problems.is_empty() {
        Ok(r)
    } else {
        Err((r, problems))
    }
}

pub fn products(ctx: &Ctx, nav: &Nav, all: &[Product], q: &ListQuery) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let base = format!("/c/{c}/produkter");
    let rows = q.apply(
        all,
        |p| {
            vec![
                p.id.clone(),
                p.name.clone(),
                ctx.lang.unit(&p.unit).to_owned(),
            ]
        },
        |p, column| match column {
            "price" => {
                let ore =
                    p.unit_price.parse::<Decimal>().unwrap_or_default() * Decimal::ONE_HUNDRED;
                (
                    u64::try_from(ore.trunc().mantissa()).unwrap_or(0),
                    String::new(),
                )
            }
            "unit" => (0, ctx.lang.unit(&p.unit).to_lowercase()),
            _ => (0, p.name.to_lowercase()),
        },
    );
    layout(
        ctx,
        nav,
        w.products,
        html! {
            (title_row(w.products, &format!("/c/{c}/produkter/ny"), w.add))
            (list_search(ctx, &base, q, rows.len(), all.len()))
            table id="list" {
                thead { tr {
                    (q.header(&base, "name", w.name, ""))
                    (q.header(&base, "unit", w.unit, ""))
                    (q.header(&base, "price", w.unit_price, "num"))
                    th scope="col" { (w.vat_code) } th scope="col" { (w.actions) }
                } }
                tbody {
                    @for p in rows {
                        tr {
                            td { (p.name) } td { (ctx.lang.unit(&p.unit)) } td class="num" { (numbers::shown(ctx.lang, &p.unit_price)) } td { (ctx.lang.vat(p.vat_code)) }
                            td { a href=(format!("/c/{c}/produkter/{}", p.id)) { (w.edit) span class="visually-hidden" { " " (p.name) } } }
                        }
                    }
                }
            }
        },
    )
}

fn vat_select(lang: Lang, id: &str, name: &str, label: &str, value: VatCode) -> Markup {
    labelled(
        id,
        label,
        html! {
            select id=(id) name=(name) {
                @for (v, word) in VatCode::ALL { option value=(word) selected[value == *v] { (lang.vat(*v)) } }
            }
        },
    )
}

/// The units offered by name (`words::UNITS`), and `value` as its code if it is another.
fn unit_options(lang: Lang, value: &str) -> Markup {
    html! {
        @if !value.is_empty() && !UNITS.iter().any(|(c, _, _)| *c == value) {
            option value=(value) selected { (value) }
        }
        @for (code, _, _) in UNITS { option value=(code) selected[value == code] { (lang.unit(code)) } }
    }
}

pub fn product_form(
    ctx: &Ctx,
    nav: &Nav,
    p: Option<&Product>,
    stored: bool,
    problems: &[(&'static str, FormProblem)],
) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let is_new = !stored;
    let action = match p {
        Some(p) if stored => format!("/c/{c}/produkter/{}", p.id),
        _ => format!("/c/{c}/produkter/ny"),
    };
    layout(
        ctx,
        nav,
        w.products,
        html! {
            h1 { (w.products) }
            (problems_list(ctx.lang, problems))
            form method="post" action=(action) {
                @if is_new {
                    (labelled("p-id", "Id", html! { input id="p-id" name="id" type="text" pattern="[a-z0-9-]{1,64}" placeholder=(id_hint(ctx)) value=(p.map(|p| p.id.clone()).unwrap_or_default()); }))
                }
                (labelled("p-name", w.name, html! { input id="p-name" name="name" type="text" required value=(p.map(|p| p.name.clone()).unwrap_or_default()); }))
                (labelled("p-unit", w.unit, html! { select id="p-unit" name="unit" required { (unit_options(ctx.lang, p.map_or("EA", |p| p.unit.as_str()))) } }))
                (labelled("p-price", w.unit_price, html! { input id="p-price" name="unit-price" type="text" inputmode="decimal" required value=(p.map(|p| numbers::shown(ctx.lang, &p.unit_price)).unwrap_or_default()); }))
                (vat_select(ctx.lang, "p-vat", "vat-code", w.vat_code, p.map_or(VatCode::Standard, |p| p.vat_code)))
                button type="submit" class="primary" { (w.save) }
            }
        },
    )
}

#[allow(clippy::result_large_err)]
pub fn product_from_form(
    id: Option<&str>,
    f: &HashMap<String, String>,
    all: &[Product],
) -> Result<Product, (Product, Problems)> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let mut problems = Vec::new();
    let pid = match id {
        Some(id) => id.to_owned(),
        None if get("id").is_empty() => {
            super::registers::id_from_name(&get("name"), |id| all.iter().any(|p| p.id == id))
        }
        None => get("id"),
    };
    if id.is_none() {
        if !invoicing_host::runtime::valid_client_id(&pid) {
            problems.push(("id", FormProblem::BadId));
        } else if all.iter().any(|p| p.id == pid) {
            problems.push(("id", FormProblem::IdTaken));
        }
    }
    let p = Product {
        id: pid,
        name: get("name"),
        unit: get("unit"),
        unit_price: numbers::typed(&get("unit-price")),
        vat_code: VatCode::parse(&get("vat-code")).unwrap_or(VatCode::Standard),
    };
    if VatCode::parse(&get("vat-code")).is_none() {
        problems.push(("vat-code", FormProblem::Required));
    }
    if p.name.is_empty() {
        problems.push(("name", FormProblem::Required));
    }
    if p.unit_price.parse::<Decimal>().is_err() {
        problems.push(("unit-price", FormProblem::NotANumber));
    }
    if problems.is_empty() {
        Ok(p)
    } else {
        Err((p, problems))
    }
}

// ---- the draft ----

/// What became of the last change, for the "Lagret" line.
pub enum SaveState {
    Loaded,
    Done,
    /// The page held an older version: the draft was changed elsewhere. The page keeps the
    /// version it was built from, so every later save conflicts too until the user reloads.
    Conflict {
        page_version: u64,
    },
    Refused(String),
}

/// The draft's current values under the form's field names: a save that names the one field
/// the user changed (`HX-Trigger-Name`) takes every other field from here, not from what the
/// page happens to show, so it never writes back a value the user did not touch.
pub fn form_of(d: &Draft) -> HashMap<String, String> {
    let mut f = HashMap::new();
    let mut put = |k: String, v: Option<&str>| {
        if let Some(v) = v {
            f.insert(k, v.to_owned());
        }
    };
    let r = &d.references;
    put("buyer".into(), r.buyer_reference.as_deref());
    put("ours".into(), r.our_reference.as_deref());
    put("order".into(), r.order_reference.as_deref());
    let t = &d.dates;
    put("issue".into(), t.issue_date.as_deref());
    put("delivery".into(), t.delivery_date.as_deref());
    put("due".into(), t.due_date.as_deref());
    put(
        "terms".into(),
        t.payment_terms_days.map(|n| n.to_string()).as_deref(),
    );
    put("note".into(), d.note.as_deref());
    for (pos, l) in d.lines.iter().enumerate() {
        let n = l.id;
        put(format!("product-{n}"), l.product_id.as_deref());
        put(format!("description-{n}"), Some(&l.description));
        put(format!("quantity-{n}"), Some(&l.quantity));
        put(format!("unit-{n}"), Some(&l.unit));
        put(format!("price-{n}"), Some(&l.unit_price));
        put(format!("discount-{n}"), Some(&l.discount_percent));
        put(format!("vat-{n}"), Some(l.vat_code.name()));
        put(format!("pos-{n}"), Some(&pos.to_string()));
    }
    f
}

/// The change a draft form asks for (`op` names it; the fields beside it give it).
pub fn change_of(f: &HashMap<String, String>) -> Option<DraftChange> {
    let get = |k: &str| {
        f.get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let op = f.get("op")?;
    let (op, line) = match op.split_once(':') {
        Some((op, n)) => (op, n.parse::<u32>().ok()),
        None => (op.as_str(), None),
    };
    Some(match (op, line) {
        ("customer", _) => DraftChange::SetCustomer(get("customer")?),
        ("refs", _) => DraftChange::SetReferences(References {
            buyer_reference: get("buyer"),
            our_reference: get("ours"),
            order_reference: get("order"),
        }),
        ("dates", _) => DraftChange::SetDates(Dates {
            issue_date: get("issue"),
            delivery_date: get("delivery"),
            due_date: get("due"),
            payment_terms_days: get("terms").and_then(|t| t.parse().ok()),
        }),
        ("note", _) => DraftChange::SetNote(get("note")),
        ("currency", _) => DraftChange::SetCurrency(get("currency")?),
        ("add-product", _) => DraftChange::AddLines(vec![product_line(
            &get("new-product")?,
            &numbers::typed(&get("new-product-quantity").unwrap_or_else(|| "1".into())),
        )]),
        ("add-free", _) => DraftChange::AddLines(vec![LineInput {
            unit: get("new-unit"),
            // A code none of the form's (only a hand-made request sends one) is none, which
            // the component names as missing.
            vat_code: get("new-vat").map_or(Some(VatCode::Standard), |v| VatCode::parse(&v)),
            ..free_line(
                &get("new-description").unwrap_or_default(),
                &numbers::typed(&get("new-quantity").unwrap_or_else(|| "1".into())),
                &numbers::typed(&get("new-price").unwrap_or_default()),
                VatCode::Standard,
            )
        }]),
        ("line", Some(n)) => DraftChange::UpdateLine(LineUpdate {
            id: n,
            line: LineInput {
                product_id: get(&format!("product-{n}")),
                description: get(&format!("description-{n}")),
                quantity: numbers::typed(&get(&format!("quantity-{n}")).unwrap_or_default()),
                unit: get(&format!("unit-{n}")),
                unit_price: get(&format!("price-{n}")).map(|p| numbers::typed(&p)),
                discount_percent: get(&format!("discount-{n}")).map(|p| numbers::typed(&p)),
                vat_code: get(&format!("vat-{n}")).and_then(|v| VatCode::parse(&v)),
            },
        }),
        ("remove", Some(n)) => DraftChange::RemoveLine(n),
        ("up" | "down", Some(n)) => {
            let pos: u32 = get(&format!("pos-{n}"))?.parse().ok()?;
            let to = if op == "up" {
                pos.checked_sub(1)?
            } else {
                pos + 1
            };
            DraftChange::MoveLine(LineMove { id: n, to })
        }
        _ => return None,
    })
}

/// The totals block: VAT per rate and what the customer pays.
fn totals(ctx: &Ctx, d: &Draft) -> Markup {
    let w = ctx.lang.words();
    html! {
        section id="totals" aria-label=(w.totals) {
            table class="totals" {
                tbody {
                    @for g in &d.vat_groups {
                        tr { th scope="row" { (w.vat) " " (g.category.name()) " " (g.rate) " %" } td class="num" { (numbers::shown(ctx.lang, &g.base)) } td class="num" { (numbers::shown(ctx.lang, &g.vat)) } }
                    }
                    tr { th scope="row" { (w.net) } td {} td class="num" { (numbers::shown(ctx.lang, &d.totals.net)) } }
                    tr { th scope="row" { (w.vat) } td {} td class="num" { (numbers::shown(ctx.lang, &d.totals.vat)) } }
                    tr class="payable" { th scope="row" { (w.payable) (other_currency(&d.currency)) } td {} td class="num" id="payable" { (numbers::shown(ctx.lang, &d.totals.payable)) } }
                    @if let Some(vat) = &d.totals.vat_nok {
                        tr { th scope="row" { (ctx.lang.say("MVA i NOK", "VAT in NOK")) } td {} td class="num" id="vat-nok" { (numbers::shown(ctx.lang, vat)) } }
                    }
                }
            }
        }
    }
}

/// The add row after a save: what was typed, kept when the line was refused, and the field
/// the keyboard goes to (the row's first, to add the next line or correct this one).
#[derive(Default)]
pub struct AddRow {
    pub typed: HashMap<String, String>,
    pub focus: Option<&'static str>,
}

impl AddRow {
    /// After `op` (`add-free`, `add-product`) came back `refused` or not.
    pub fn after(op: Option<&str>, form: &HashMap<String, String>, refused: bool) -> AddRow {
        let (focus, fields): (_, &[&str]) = match op {
            Some("add-free") => (
                "new-description",
                &[
                    "new-description",
                    "new-quantity",
                    "new-price",
                    "new-unit",
                    "new-vat",
                ],
            ),
            Some("add-product") => ("new-product", &["new-product", "new-product-quantity"]),
            _ => return AddRow::default(),
        };
        let typed = if refused {
            fields
                .iter()
                .filter_map(|f| Some((f.to_string(), form.get(*f)?.clone())))
                .collect()
        } else {
            HashMap::new()
        };
        AddRow {
            typed,
            focus: Some(focus),
        }
    }

    fn value<'a>(&'a self, field: &str, default: &'a str) -> &'a str {
        self.typed.get(field).map_or(default, String::as_str)
    }
}

pub fn draft(
    ctx: &Ctx,
    nav: &Nav,
    d: &Draft,
    regs: &Registers,
    saved: SaveState,
    add: &AddRow,
) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let url = format!("/c/{c}/utkast/{}", d.id);
    // A field saves itself as the user types: only the totals, the version and the "Lagret"
    // line (and the line's amount) are swapped in, so no keystroke is lost.
    let autosave_oob = |extra: &str| format!("#draft-version,#save-state{extra}");
    let now = chrono::Local::now().format("%H:%M:%S").to_string();
    let refs = &d.references;
    let dates = &d.dates;
    layout(
        ctx,
        nav,
        w.new_invoice,
        html! {
            div id="editor" {
                h1 { (w.new_invoice) ": " (d.customer.name) }
                p id="save-state" role="status" aria-live="polite" {
                    @match &saved {
                        SaveState::Loaded => {}
                        SaveState::Done => span class="saved" { (w.saved) " " (now) },
                        SaveState::Conflict { .. } => span class="error" { (w.conflict) " " a href=(url) { (w.reload) } },
                        SaveState::Refused(msg) => span class="error" { (msg) },
                    }
                }
                form id="draft-form" method="post" action=(url)
                    hx-post=(url) hx-target="#editor" hx-select="#editor" hx-swap="outerHTML" {
                    @let version = match saved { SaveState::Conflict { page_version } => page_version, _ => d.version };
                    input type="hidden" id="draft-version" name="version" value=(version);
                    fieldset {
                        legend { (w.customer) }
                        div class="field" {
                            label for="customer" { (w.customer) }
                            select id="customer" name="customer" {
                                @for r in &regs.customers {
                                    option value=(r.customer.id) selected[r.customer.id == d.customer.id] { (r.customer.name) " (" (r.customer.number) ")" }
                                }
                            }
                            button type="submit" name="op" value="customer" { (w.save) }
                        }
                        div class="field" {
                            label for="currency" { (ctx.lang.say("Valuta", "Currency")) }
                            input id="currency" name="currency" type="text" maxlength="3" size="4" autocapitalize="characters" value=(d.currency);
                            button type="submit" name="op" value="currency" { (w.save) }
                        }
                    }
                    fieldset {
                        legend { (w.reference) }
                        @for (id, label, value) in [("buyer", w.buyer_ref, &refs.buyer_reference), ("ours", w.our_ref, &refs.our_reference), ("order", w.order_ref, &refs.order_reference)] {
                            div class="field" {
                                label for=(id) { (label) }
                                input id=(id) name=(id) type="text" value=[value.as_deref()]
                                    hx-post=(url) hx-trigger="change, input changed delay:500ms" hx-vals=r#"{"op": "refs"}"#
                                    hx-target="#totals" hx-select="#totals" hx-select-oob=(autosave_oob("")) hx-sync="closest form:queue last";
                            }
                        }
                    }
                    fieldset {
                        legend { (w.date) }
                        @for (id, label, value) in [("issue", w.issue_date, &dates.issue_date), ("delivery", w.delivery_date, &dates.delivery_date), ("due", w.due_date, &dates.due_date)] {
                            div class="field" {
                                label for=(id) { (label) }
                                input id=(id) name=(id) type="date" value=[value.as_deref()]
                                    hx-post=(url) hx-trigger="change" hx-vals=r#"{"op": "dates"}"#
                                    hx-target="#totals" hx-select="#totals" hx-select-oob=(autosave_oob("")) hx-sync="closest form:queue last";
                            }
                        }
                    }
                    fieldset {
                        legend { (w.lines) }
                        table class="lines" {
                            thead { tr {
                                th scope="col" { (w.description) } th scope="col" { (w.quantity) } th scope="col" { (w.unit) }
                                th scope="col" { (w.unit_price) } th scope="col" { (w.discount) } th scope="col" { (w.vat_code) }
                                th scope="col" class="num" { (w.net) } th scope="col" { (w.actions) }
                            } }
                            tbody {
                                @for (pos, l) in d.lines.iter().enumerate() {
                                    @let n = l.id;
                                    @let oob = autosave_oob(&format!(",#net-{n}"));
                                    tr id=(format!("line-{n}")) {
                                        td {
                                            label class="visually-hidden" for=(format!("description-{n}")) { (w.description) " " (pos + 1) }
                                            input id=(format!("description-{n}")) name=(format!("description-{n}")) type="text" value=(l.description)
                                                hx-post=(url) hx-trigger="change, input changed delay:500ms" hx-vals=(format!(r#"{{"op": "line:{n}"}}"#))
                                                hx-target="#totals" hx-select="#totals" hx-select-oob=(oob) hx-sync="closest form:queue last";
                                            @if let Some(p) = &l.product_id { input type="hidden" name=(format!("product-{n}")) value=(p); }
                                            input type="hidden" name=(format!("pos-{n}")) value=(pos);
                                        }
                                        @for (field, label, value) in [("quantity", w.quantity, &l.quantity), ("unit", w.unit, &l.unit), ("price", w.unit_price, &l.unit_price), ("discount", w.discount, &l.discount_percent)] {
                                            td {
                                                label class="visually-hidden" for=(format!("{field}-{n}")) { (label) " " (pos + 1) }
                                                @if field == "unit" {
                                                    select id=(format!("{field}-{n}")) name=(format!("{field}-{n}"))
                                                        hx-post=(url) hx-trigger="change" hx-vals=(format!(r#"{{"op": "line:{n}"}}"#))
                                                        hx-target="#totals" hx-select="#totals" hx-select-oob=(oob) hx-sync="closest form:queue last" {
                                                        (unit_options(ctx.lang, value))
                                                    }
                                                } @else {
                                                    input id=(format!("{field}-{n}")) name=(format!("{field}-{n}")) type="text" inputmode="decimal" value=(numbers::shown(ctx.lang, value)) size="8"
                                                        hx-post=(url) hx-trigger="change, input changed delay:500ms" hx-vals=(format!(r#"{{"op": "line:{n}"}}"#))
                                                        hx-target="#totals" hx-select="#totals" hx-select-oob=(oob) hx-sync="closest form:queue last";
                                                }
                                            }
                                        }
                                        td {
                                            label class="visually-hidden" for=(format!("vat-{n}")) { (w.vat_code) " " (pos + 1) }
                                            select id=(format!("vat-{n}")) name=(format!("vat-{n}"))
                                                hx-post=(url) hx-trigger="change" hx-vals=(format!(r#"{{"op": "line:{n}"}}"#))
                                                hx-target="#totals" hx-select="#totals" hx-select-oob=(oob) hx-sync="closest form:queue last" {
                                                @for (v, word) in VatCode::ALL { option value=(word) selected[l.vat_code == *v] { (ctx.lang.vat(*v)) } }
                                            }
                                        }
                                        td class="num" id=(format!("net-{n}")) { (numbers::shown(ctx.lang, &l.net_amount)) }
                                        td class="line-actions" {
                                            button type="submit" name="op" value=(format!("line:{n}")) { (w.save) span class="visually-hidden" { " " (pos + 1) } }
                                            @if pos > 0 { button type="submit" name="op" value=(format!("up:{n}")) { "↑" span class="visually-hidden" { " " (w.up) " " (pos + 1) } } }
                                            @if pos + 1 < d.lines.len() { button type="submit" name="op" value=(format!("down:{n}")) { "↓" span class="visually-hidden" { " " (w.down) " " (pos + 1) } } }
                                            button type="submit" name="op" value=(format!("remove:{n}")) { (w.remove) span class="visually-hidden" { " " (pos + 1) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    fieldset class="add-line" {
                        legend { (w.add_line) }
                        div class="add-row" {
                            (labelled("new-product", w.from_register, html! {
                                // A search over the register as the user types (the browser's own
                                // suggestions); the product's id is what is sent.
                                input id="new-product" name="new-product" type="search" list="product-list" autocomplete="off" value=(add.value("new-product", "")) autofocus[add.focus == Some("new-product")];
                                datalist id="product-list" {
                                    @for p in &regs.products { option value=(p.id) { (p.name) " – " (numbers::shown(ctx.lang, &p.unit_price)) " / " (ctx.lang.unit(&p.unit)) } }
                                }
                            }))
                            (labelled("new-product-quantity", w.quantity, html! { input id="new-product-quantity" name="new-product-quantity" type="text" inputmode="decimal" value=(add.value("new-product-quantity", "1")) size="6"; }))
                            button type="submit" name="op" value="add-product" { (w.add) " (" (w.from_register) ")" }
                        }
                        div class="add-row" {
                            (labelled("new-description", w.free_text, html! { input id="new-description" name="new-description" type="text" value=(add.value("new-description", "")) autofocus[add.focus == Some("new-description")]; }))
                            (labelled("new-quantity", w.quantity, html! { input id="new-quantity" name="new-quantity" type="text" inputmode="decimal" value=(add.value("new-quantity", "1")) size="6"; }))
                            (labelled("new-price", w.unit_price, html! { input id="new-price" name="new-price" type="text" inputmode="decimal" size="8" value=(add.value("new-price", "")); }))
                            (labelled("new-unit", w.unit, html! { select id="new-unit" name="new-unit" { (unit_options(ctx.lang, add.value("new-unit", "EA"))) } }))
                            (vat_select(ctx.lang, "new-vat", "new-vat", w.vat_code, VatCode::parse(add.value("new-vat", "25")).unwrap_or(VatCode::Standard)))
                            button type="submit" name="op" value="add-free" { (w.add) " (" (w.free_text) ")" }
                        }
                    }
                    fieldset {
                        legend { (w.note) }
                        label for="note" { (w.note) }
                        textarea id="note" name="note" rows="3"
                            hx-post=(url) hx-trigger="change, input changed delay:700ms" hx-vals=r#"{"op": "note"}"#
                            hx-target="#totals" hx-select="#totals" hx-select-oob=(autosave_oob("")) hx-sync="closest form:queue last" {
                            (d.note.as_deref().unwrap_or(""))
                        }
                    }
                }
                (totals(ctx, d))
                div class="actions" {
                    a class="button" href=(format!("{url}/forhandsvis")) { (w.preview) }
                    a class="button primary" href=(format!("{url}/fakturer")) { (w.send) }
                    a class="button" href=(format!("{url}/slett")) { (w.delete_draft) }
                }
            }
        },
    )
}

pub fn preview(ctx: &Ctx, nav: &Nav, d: &Draft) -> Markup {
    let w = ctx.lang.words();
    let url = format!("/c/{}/utkast/{}", nav.client, d.id);
    layout(
        ctx,
        nav,
        w.preview,
        html! {
            h1 { (w.preview) ": " (d.customer.name) }
            div class="actions" {
                a class="button" href=(url) { "← " (w.new_invoice) }
                a class="button primary" href=(format!("{url}/fakturer")) { (w.send) }
                a class="button" href=(format!("{url}/pdf")) { (w.pdf) }
            }
            iframe class="pdf" src=(format!("{url}/pdf")) title=(w.preview) {}
        },
    )
}

/// Before "Fakturer og send": what will happen, as the component would do it now (`plan`):
/// the number, the dates, the amount, and the channel with why; or why it cannot be issued.
pub fn confirm_send(
    ctx: &Ctx,
    nav: &Nav,
    d: &Draft,
    plan: Option<&IssuedDocument>,
    e: Option<&CallError>,
) -> Markup {
    let w = ctx.lang.words();
    let l = ctx.lang;
    let url = format!("/c/{}/utkast/{}", nav.client, d.id);
    layout(
        ctx,
        nav,
        w.send,
        html! {
            h1 { (w.send) }
            (call_error(ctx, e))
            dl class="plan" {
                dt { (w.customer) } dd { strong { (d.customer.name) } }
                @if let Some(p) = plan {
                    dt { (l.say("Fakturanummer", "Invoice number")) } dd id="plan-number" { (p.number) }
                    dt { (w.issue_date) } dd { (numbers::date(l, &p.issue_date)) }
                    dt { (w.due_date) } dd id="plan-due" { (numbers::date(l, &p.due_date)) }
                }
                dt { (w.lines) } dd { (d.lines.len()) }
                dt { (w.payable) } dd id="plan-payable" { strong { (numbers::shown(l, &d.totals.payable)) " " @if d.currency == "NOK" { "kr" } @else { (d.currency) } } }
                (in_nok(l, &d.totals, d.exchange.as_ref()))
                @if let Some(p) = plan {
                    @for del in &p.deliveries {
                        dt { (l.say("Sendes som", "Sent as")) }
                        dd id="plan-channel" { strong { (l.channel(del.channel)) } " – " (del.reason) }
                    }
                }
            }
            form method="post" action=(format!("{url}/fakturer")) {
                input type="hidden" name="version" value=(d.version);
                @if plan.is_some() {
                    button type="submit" class="primary" { (w.confirm_send) }
                    " "
                }
                a href=(url) { (l.say("Tilbake til utkastet", "Back to the draft")) }
            }
        },
    )
}

/// "Slett utkast" asks first: what will be lost, and a way back.
pub fn confirm_delete(ctx: &Ctx, nav: &Nav, d: &Draft) -> Markup {
    let w = ctx.lang.words();
    let l = ctx.lang;
    let url = format!("/c/{}/utkast/{}", nav.client, d.id);
    layout(
        ctx,
        nav,
        w.delete_draft,
        html! {
            h1 { (w.delete_draft) "?" }
            p {
                (l.say("Utkastet til ", "The draft to ")) strong { (d.customer.name) }
                (l.say(" med ", " with ")) (d.lines.len()) " " (w.lines) " ("
                (numbers::shown(l, &d.totals.payable)) " " @if d.currency == "NOK" { "kr" } @else { (d.currency) } ") "
                (l.say("slettes for godt.", "is deleted for good."))
            }
            form method="post" action=(format!("{url}/slett")) {
                button type="submit" class="danger" { (w.delete_draft) }
                " "
                a href=(url) { (l.say("Avbryt", "Cancel")) }
            }
        },
    )
}

// ---- issued documents ----

pub fn deliveries(ctx: &Ctx, nav: &Nav, doc: &IssuedDocument) -> Markup {
    let w = ctx.lang.words();
    let url = format!("/c/{}/dokument/{}/leveringer", nav.client, doc.id);
    let pending = doc
        .deliveries
        .iter()
        .any(|d| d.state == DeliveryState::Queued);
    html! {
        section id="deliveries" aria-label=(w.delivery) hx-get=[pending.then_some(&url)] hx-trigger=[pending.then_some("every 1s")] hx-swap="outerHTML" hx-select="#deliveries" {
            h2 { (w.delivery) }
            table {
                thead { tr { th scope="col" { (w.channel) } th scope="col" { (w.why) } th scope="col" { (w.state) } th scope="col" { "Detalj" } } }
                tbody {
                    @for d in &doc.deliveries {
                        tr { td { (ctx.lang.channel(d.channel)) } td { (d.reason) } td class=(format!("state-{}", d.state.name())) { (ctx.lang.state(d.state)) } td { (d.detail.as_deref().unwrap_or("")) } }
                    }
                }
            }
        }
    }
}

fn title_of(doc: &IssuedDocument, lang: super::Lang) -> String {
    format!("{} {}", lang.kind(doc.kind), doc.number)
}

pub fn document(ctx: &Ctx, nav: &Nav, o: &Opened, e: Option<&CallError>) -> Markup {
    let w = ctx.lang.words();
    let c = &nav.client;
    let doc = &o.doc;
    let url = format!("/c/{c}/dokument/{}", doc.id);
    let title = title_of(doc, ctx.lang);
    let credit_note = doc.kind == DocumentKind::CreditNote;
    let discounted = doc.lines.iter().any(|l| {
        l.discount_amount
            .parse::<Decimal>()
            .is_ok_and(|d| !d.is_zero())
    });
    layout(
        ctx,
        nav,
        &title,
        html! {
            div class="title-row" {
                h1 { (title) }
                details class="menu" {
                    summary { (w.actions) }
                    a href=(format!("{url}/pdf")) { (w.pdf) }
                    a href=(format!("{url}/ehf")) { "EHF (XML)" }
                    @if doc.kind == DocumentKind::Invoice && doc.status != DocumentStatus::Credited {
                        a href=(format!("{url}/krediter")) { (w.credit) }
                    }
                    @if doc.kind == DocumentKind::Invoice {
                        form method="post" action=(format!("{url}/kopier")) { button type="submit" { (ctx.lang.say("Kopier faktura", "Copy invoice")) } }
                    }
                    form method="post" action=(format!("{url}/send")) { button type="submit" { (w.resend) } }
                }
            }
            (call_error(ctx, e))
            dl class="facts" {
                dt { (w.status) } dd { (ctx.lang.status(doc.status)) }
                dt { (w.customer) } dd { (doc.customer.name) }
                dt { (w.number) } dd id="doc-number" { (doc.number) }
                @if let Some(k) = &doc.kid { dt { (w.kid) } dd id="doc-kid" { (k) } }
                @if credit_note {
                    dt { (ctx.lang.say("Kreditnotadato", "Credit note date")) } dd { (numbers::date(ctx.lang, &doc.issue_date)) }
                } @else {
                    dt { (w.issue_date) } dd { (numbers::date(ctx.lang, &doc.issue_date)) }
                    dt { (w.due_date) } dd { (numbers::date(ctx.lang, &doc.due_date)) }
                }
                @if let Some(c) = &doc.credited_invoice { dt { (ctx.lang.say("Krediterer faktura", "Credits invoice")) } dd { (c.number) " (" (numbers::date(ctx.lang, &c.issue_date)) ")" } }
                @if let Some(r) = &doc.credit_reason { dt { (w.reason) } dd { (r) } }
                dt { @if credit_note { (ctx.lang.say("Kreditert beløp", "Amount credited")) } @else { (w.payable) } }
                dd id="doc-payable" { (numbers::shown(ctx.lang, &doc.totals.payable)) (other_currency(&doc.currency)) }
                (in_nok(ctx.lang, &doc.totals, doc.exchange.as_ref()))
                @if let Some(m) = &o.money {
                    dt { (ctx.lang.say("Kreditert", "Credited")) } dd { (numbers::shown(ctx.lang, &m.credited)) }
                    dt { (ctx.lang.say("Innbetalt", "Paid")) } dd id="doc-paid" { (numbers::shown(ctx.lang, &m.paid)) }
                    dt { (ctx.lang.say("Igjen å betale", "Left to pay")) } dd id="doc-open" { (numbers::shown(ctx.lang, &m.open)) }
                    dt { (ctx.lang.say("Betaling", "Payment")) }
                    dd id="doc-money" {
                        (ctx.lang.item_state(m.state))
                        @if let Some(d) = &m.overdue_since { " – " (ctx.lang.say("forfalt siden ", "overdue since ")) (numbers::date(ctx.lang, d)) }
                    }
                }
            }
            @if !o.payments.is_empty() {
                h2 { (ctx.lang.say("Innbetalinger", "Payments")) }
                table id="doc-payments" {
                    thead { tr { th scope="col" { (w.date) } th scope="col" class="num" { (w.amount) } th scope="col" { (ctx.lang.say("Utfall", "Outcome")) } } }
                    tbody { @for p in &o.payments { tr { td { (numbers::date(ctx.lang, &p.date)) } td class="num" { (numbers::shown(ctx.lang, &p.amount)) } td { (ctx.lang.outcome(p.outcome)) } } } }
                }
            }
            @if !o.notices.is_empty() {
                h2 { (ctx.lang.say("Purringer", "Reminders")) }
                table id="doc-notices" {
                    thead { tr {
                        th scope="col" { (w.date) } th scope="col" { "" }
                        th scope="col" class="num" { (ctx.lang.say("Gebyr", "Fee")) } th scope="col" class="num" { (ctx.lang.say("Renter", "Interest")) }
                        th scope="col" class="num" { (ctx.lang.say("Å betale", "To pay")) } th scope="col" { (ctx.lang.say("Frist", "Deadline")) }
                        th scope="col" { (ctx.lang.say("Levering", "Delivery")) }
                    } }
                    tbody { @for n in &o.notices { tr {
                        td { (numbers::date(ctx.lang, &n.sent)) }
                        td { (super::reminders::kind_word(ctx.lang, n.plan.kind)) " " (n.plan.step) }
                        td class="num" { (numbers::shown(ctx.lang, &n.plan.fee)) }
                        td class="num" { (numbers::shown(ctx.lang, &n.plan.interest_total)) }
                        td class="num" { (numbers::shown(ctx.lang, &n.plan.total)) }
                        td { (numbers::date(ctx.lang, &n.plan.deadline)) }
                        td { @for d in &n.deliveries { (ctx.lang.channel(d.channel)) " · " (ctx.lang.state(d.state)) " " } }
                    } } }
                }
            }
            h2 { (w.lines) }
            table id="doc-lines" {
                thead { tr {
                    th scope="col" { (w.description) } th scope="col" class="num" { (w.quantity) } th scope="col" class="num" { (w.unit_price) }
                    @if discounted { th scope="col" class="num" { (w.discount) } }
                    th scope="col" { (w.vat_code) } th scope="col" class="num" { (w.net) }
                } }
                tbody { @for l in &doc.lines { tr {
                    td { (l.description) } td class="num" { (numbers::shown(ctx.lang, &l.quantity)) " " (ctx.lang.unit(&l.unit)) } td class="num" { (numbers::shown(ctx.lang, &l.unit_price)) }
                    @if discounted { td class="num" { (numbers::shown(ctx.lang, &l.discount_percent)) " % (−" (numbers::shown(ctx.lang, &l.discount_amount)) ")" } }
                    td { (ctx.lang.vat(l.vat_code)) } td class="num" { (numbers::shown(ctx.lang, &l.net_amount)) }
                } } }
            }
            (deliveries(ctx, nav, doc))
            h2 { (w.voucher) " " span id="doc-voucher" { (doc.voucher.document_number) } " · " (numbers::date(ctx.lang, &doc.voucher.date)) }
            table {
                thead { tr { th scope="col" { (w.account) } th scope="col" class="num" { (w.debit) } th scope="col" class="num" { (w.credit_col) } th scope="col" { "" } } }
                tbody { @for p in &doc.voucher.postings { tr { td { (p.account) } td class="num" { (numbers::shown(ctx.lang, &p.debit)) } td class="num" { (numbers::shown(ctx.lang, &p.credit)) } td { (p.text) } } } }
            }
            @if !o.credits.is_empty() {
                h2 { (w.credits) }
                ul { @for cn in &o.credits { li { a href=(format!("/c/{c}/dokument/{}", cn.id)) { (title_of(cn, ctx.lang)) } " · " (numbers::shown(ctx.lang, &cn.totals.payable)) } } }
            }
        },
    )
}

/// The credit form: all of the invoice, or lines by quantity or amount. What is left on each
/// line is the component's answer (`credit-left`); the console computes none of it.
pub fn credit_form(
    ctx: &Ctx,
    nav: &Nav,
    o: &Opened,
    left: &Creditable,
    e: Option<&CallError>,
) -> Markup {
    let w = ctx.lang.words();
    let doc = &o.doc;
    let url = format!("/c/{}/dokument/{}/krediter", nav.client, doc.id);
    layout(
        ctx,
        nav,
        w.credit,
        html! {
            h1 { (w.credit) ": " (title_of(doc, ctx.lang)) }
            (call_error(ctx, e))
            p id="payable-left" { (w.payable_left) ": " (numbers::shown(ctx.lang, &left.payable_left)) }
            form method="post" action=(url) class="credit" {
                input type="hidden" name="form" value=(super::once());
                input type="hidden" name="op" value="all";
                div class="field" { label for="reason-all" { (w.reason) } input id="reason-all" name="reason" type="text" required; }
                button type="submit" { (w.credit_all) }
            }
            form method="post" action=(url) class="credit" {
                input type="hidden" name="form" value=(super::once());
                input type="hidden" name="op" value="lines";
                table {
                    thead { tr { th scope="col" { (w.description) } th scope="col" class="num" { (w.left) } th scope="col" { (w.by_quantity) } th scope="col" { (w.by_amount) } } }
                    tbody {
                        @for l in &left.lines {
                            @let n = l.line_id;
                            tr id=(format!("left-{n}")) {
                                td { (l.description) }
                                td class="num" {
                                    span class="left" { (numbers::shown(ctx.lang, &l.quantity_left)) " " (ctx.lang.unit(&l.unit)) " · " (numbers::shown(ctx.lang, &l.amount_left)) }
                                    @if !l.whole_by_quantity && l.amount_left.parse::<Decimal>().is_ok_and(|a| !a.is_zero()) {
                                        br; small { (w.rest_by_amount) }
                                    }
                                }
                                td { label class="visually-hidden" for=(format!("qty-{n}")) { (w.by_quantity) " " (l.description) }
                                     input id=(format!("qty-{n}")) name=(format!("qty-{n}")) type="text" inputmode="decimal" size="8"; }
                                td { label class="visually-hidden" for=(format!("amount-{n}")) { (w.by_amount) " " (l.description) }
                                     input id=(format!("amount-{n}")) name=(format!("amount-{n}")) type="text" inputmode="decimal" size="10"; }
                            }
                        }
                    }
                }
                div class="field" { label for="reason-lines" { (w.reason) } input id="reason-lines" name="reason" type="text" required; }
                button type="submit" class="primary" { (w.credit_lines) }
            }
        },
    )
}

/// The credit a credit form asks for: all of it, or the lines given a quantity or an amount.
pub fn credit_of(
    left: &Creditable,
    f: &HashMap<String, String>,
) -> (Option<Vec<CreditLine>>, String) {
    let get = |k: &str| {
        f.get(k)
            .map(|v| numbers::typed(v))
            .filter(|v| !v.is_empty())
    };
    let reason = f.get("reason").cloned().unwrap_or_default();
    if f.get("op").map(String::as_str) == Some("all") {
        return (None, reason);
    }
    let lines = left
        .lines
        .iter()
        .filter_map(|l| {
            let (q, a) = (
                get(&format!("qty-{}", l.line_id)),
                get(&format!("amount-{}", l.line_id)),
            );
            (q.is_some() || a.is_some()).then_some(CreditLine {
                line_id: l.line_id,
                quantity: q,
                amount: a,
            })
        })
        .collect();
    (Some(lines), reason)
}
