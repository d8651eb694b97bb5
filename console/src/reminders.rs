//! Purringer: every open invoice past its due date with what is due for it today (the next
//! notice with its fee, interest and deadline, or when the next may go and why not before),
//! a preview of each letter, sending one or all, and the client's reminder policy. Every
//! decision is the component's (`reminders`); the page words its answers.

use super::words::Lang;
use super::{blocking, go, html, nav, numbers, pages, App, Ctx, Fail, Nav, Page};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use invoicing_host::bindings::{
    Hold, NoFee, NoticeKind, ReminderDecision, ReminderDue, ReminderPolicy,
};
use invoicing_host::store::with_unit;
use maud::{html, Markup};
use std::collections::HashMap;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/c/{client}/purringer", get(list))
        .route("/c/{client}/purringer/regler", post(save_policy))
        .route("/c/{client}/purringer/send-alle", post(send_all))
        .route("/c/{client}/purringer/{id}/pdf", get(preview))
        .route("/c/{client}/purringer/{id}/send", post(send_one))
        .route("/c/{client}/purringer/{id}/hold", post(hold))
}

/// Hold an invoice (a payment agreement) or its customer (no reminders), or let it go again.
async fn hold(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let lang = ctx.lang;
    let on = f.get("on").is_some_and(|v| v == "1");
    let what = f.get("what").cloned().unwrap_or_default();
    let (s, done) = blocking(&app, move |h| {
        let done = (|| -> Result<(), Fail> {
            let invoice = invoicing_host::ids::Id::Doc
                .row(&id)
                .ok_or(Fail::NotFound)?;
            // The component's answer names the invoice's customer, and refuses what is none.
            let item = h.item(&client, &id)?;
            with_unit(h.store(), |u| match what.as_str() {
                "kunde" => u.notices()?.set_opted_out(&client, &item.customer_id, on),
                _ => u.notices()?.set_payment_agreement(&client, invoice, on),
            })?;
            Ok(())
        })();
        (seen(h, &client, lang), done)
    })
    .await;
    let s = s?;
    match done {
        Ok(()) => Ok(go(&ctx, format!("/c/{}/purringer", s.nav.client))),
        Err(Fail::Call(e)) => Ok(refused(&ctx, &s, &lang.error(&e))),
        Err(e) => Err(e),
    }
}

/// What the page shows: what is due (or why it could not be decided) and the policy.
struct Seen {
    nav: Nav,
    due: Result<Vec<ReminderDue>, String>,
    policy: ReminderPolicy,
}

fn seen(h: &mut invoicing_host::Harness, client: &str, lang: Lang) -> Result<Seen, Fail> {
    let nav = nav(h, client)?;
    let policy = with_unit(h.store(), |u| u.notices()?.policy(client))?
        .unwrap_or_else(invoicing_host::imports::default_policy);
    let due = h.reminders_due(client, None).map_err(|e| lang.error(&e));
    Ok(Seen { nav, due, policy })
}

async fn list(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let lang = ctx.lang;
    let s = blocking(&app, move |h| seen(h, &client, lang)).await?;
    Ok(html(page(
        &ctx,
        &s,
        q.get("sendt").map(String::as_str),
        None,
    )))
}

async fn preview(State(app): State<Arc<App>>, Path((client, id)): Path<(String, String)>) -> Page {
    let bytes = blocking(&app, move |h| -> Result<_, Fail> {
        nav(h, &client)?;
        Ok(h.reminder_preview(&client, &id)?)
    })
    .await?;
    Ok(super::pdf(bytes, "purring-forhandsvisning"))
}

async fn send_one(
    State(app): State<Arc<App>>,
    Path((client, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let lang = ctx.lang;
    let (s, done) = blocking(&app, move |h| {
        let done = h.send_reminder(&client, &id);
        h.dispatch();
        (seen(h, &client, lang), done)
    })
    .await;
    let s = s?;
    match done {
        Ok(invoicing_host::bindings::SendOutcome::Sent(n)) => {
            let what = format!(
                "{} {} – {} {}",
                kind_word(lang, n.plan.kind),
                n.plan.step,
                lang.say("faktura", "invoice"),
                n.invoice_number
            );
            Ok(go(&ctx, sent_url(&s.nav.client, &what)))
        }
        Ok(invoicing_host::bindings::SendOutcome::Wait(w)) => Ok(refused(
            &ctx,
            &s,
            &format!(
                "{} ({})",
                hold_words(lang, w.why),
                numbers::date(lang, &w.until)
            ),
        )),
        Ok(invoicing_host::bindings::SendOutcome::Never(why)) => {
            Ok(refused(&ctx, &s, hold_words(lang, why)))
        }
        Err(e) => Ok(refused(&ctx, &s, &lang.error(&e))),
    }
}

async fn send_all(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
) -> Page {
    let ctx = Ctx::of(&headers);
    let lang = ctx.lang;
    let (s, done) = blocking(&app, move |h| {
        let done = invoicing_host::reminders::run(h, &client, |_| {});
        h.dispatch();
        (seen(h, &client, lang), done)
    })
    .await;
    let s = s?;
    match done {
        Ok(r) => {
            let what = format!(
                "{} {}, {} {}",
                r.sent.len(),
                lang.say("sendt", "sent"),
                r.failed.len(),
                lang.say("feilet", "failed")
            );
            Ok(go(&ctx, sent_url(&s.nav.client, &what)))
        }
        Err(e) => Ok(refused(&ctx, &s, &lang.error(&e))),
    }
}

/// The policy, as the form gives it; a number that is not one is named.
async fn save_policy(
    State(app): State<Arc<App>>,
    Path(client): Path<String>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Page {
    let ctx = Ctx::of(&headers);
    let lang = ctx.lang;
    let number = |name: &str, label: &str| -> Result<u32, String> {
        let v = f.get(name).map(|v| v.trim()).unwrap_or_default();
        v.parse().map_err(|_| {
            format!(
                "{label}: «{v}» {}",
                lang.say("er ikke et helt tall", "is not a whole number")
            )
        })
    };
    let on = |name: &str| f.get(name).is_some_and(|v| v == "on");
    let policy = (|| {
        Ok::<_, String>(ReminderPolicy {
            first_after_days: number(
                "forste",
                lang.say(
                    "Første purring, dager etter forfall",
                    "First reminder, days after due",
                ),
            )?,
            deadline_days: number("frist", lang.say("Frist, dager", "Deadline, days"))?,
            reminders: number(
                "antall",
                lang.say(
                    "Purringer før inkassovarsel",
                    "Reminders before the collection notice",
                ),
            )?,
            fee: on("gebyr"),
            interest: on("rente"),
            inkassovarsel: on("inkassovarsel"),
            compensation: on("kompensasjon"),
        })
    })();
    let (s, problem) = blocking(&app, move |h| {
        let problem = match &policy {
            Ok(p) => with_unit(h.store(), |u| u.notices()?.put_policy(&client, p))
                .err()
                .map(|e| format!("{e:#}")),
            Err(why) => Some(why.clone()),
        };
        (seen(h, &client, lang), problem)
    })
    .await;
    let s = s?;
    match problem {
        None => Ok(go(&ctx, format!("/c/{}/purringer", s.nav.client))),
        Some(p) => Ok(refused(&ctx, &s, &p)),
    }
}

fn sent_url(client: &str, what: &str) -> String {
    format!(
        "/c/{client}/purringer?{}",
        serde_urlencoded::to_string([("sendt", what)]).unwrap_or_default()
    )
}

fn refused(ctx: &Ctx, s: &Seen, why: &str) -> axum::response::Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        page(ctx, s, None, Some(why)),
    )
        .into_response()
}

pub fn kind_word(l: Lang, k: NoticeKind) -> &'static str {
    match k {
        NoticeKind::Reminder => l.say("Purring", "Reminder"),
        NoticeKind::Inkassovarsel => l.say("Inkassovarsel", "Debt collection notice"),
    }
}

fn hold_words(l: Lang, h: Hold) -> &'static str {
    match h {
        Hold::Paid => l.say("Betalt eller kreditert", "Paid or credited"),
        Hold::CoveredByCredit => l.say(
            "Kunden har kreditsaldo som dekker den",
            "The customer's credit balance covers it",
        ),
        Hold::OptedOut => l.say(
            "Kunden ønsker ikke purringer",
            "The customer asked for no reminders",
        ),
        Hold::Avtalegiro => l.say(
            "Banken trekker den med AvtaleGiro",
            "The bank collects it by AvtaleGiro",
        ),
        Hold::PaymentAgreement => l.say("Har betalingsavtale", "Under a payment agreement"),
        Hold::ForeignCurrency => l.say(
            "I annen valuta enn NOK: purres ikke her",
            "In another currency than NOK: not reminded here",
        ),
        Hold::NotOverdue => l.say("Ikke forfalt", "Not overdue"),
        Hold::NotYet => l.say(
            "Første purring venter til",
            "The first reminder waits until",
        ),
        Hold::DeadlineRunning => l.say("Fristen løper til", "The deadline runs until"),
        Hold::AllSent => l.say(
            "Alt er sendt; neste steg er inkasso",
            "All sent; the next step is collection",
        ),
    }
}

fn no_fee_words(l: Lang, n: &NoFee) -> String {
    match n {
        NoFee::Off => l
            .say("uten gebyr etter reglene", "no fee by the policy")
            .into(),
        NoFee::NotAllowed => l
            .say("loven gir ikke gebyr", "the law allows no fee")
            .into(),
        NoFee::TooEarly(d) => format!(
            "{} {}",
            l.say("gebyr tidligst", "a fee from"),
            numbers::date(l, d)
        ),
        NoFee::DeadlineRunning(d) => format!(
            "{} {}",
            l.say("fristen løper til", "the deadline runs until"),
            numbers::date(l, d)
        ),
        NoFee::TooMany(n) => format!(
            "{} {n} {}",
            l.say("kravet har alt", "the claim has its"),
            l.say("gebyr", "fees")
        ),
        NoFee::ShortDeadline => l
            .say(
                "forrige frist var for kort",
                "the last deadline was too short",
            )
            .into(),
        NoFee::Compensated => l
            .say(
                "dekket av standardkompensasjonen",
                "covered by the standard compensation",
            )
            .into(),
    }
}

/// The buttons that hold an invoice or its customer from reminders, or let them go again.
fn holds(ctx: &Ctx, client: &str, invoice: &str, held: Option<Hold>) -> Markup {
    let l = ctx.lang;
    let button = |what: &str, on: bool, label: &str| {
        html! {
            form method="post" action=(format!("/c/{client}/purringer/{invoice}/hold")) class="inline" {
                input type="hidden" name="what" value=(what);
                input type="hidden" name="on" value=(if on { "1" } else { "0" });
                button type="submit" class="link" { (label) }
            }
        }
    };
    html! {
        @match held {
            Some(Hold::OptedOut) => { (button("kunde", false, l.say("Purr kunden igjen", "Remind the customer again"))) }
            Some(Hold::PaymentAgreement) => { (button("avtale", false, l.say("Avslutt betalingsavtalen", "End the payment agreement"))) }
            Some(_) => {}
            None => {
                (button("avtale", true, l.say("Betalingsavtale", "Payment agreement")))
                (button("kunde", true, l.say("Ikke purr kunden", "Do not remind the customer")))
            }
        }
    }
}

fn page(ctx: &Ctx, s: &Seen, sent: Option<&str>, problem: Option<&str>) -> Markup {
    let l = ctx.lang;
    let c = &s.nav.client;
    let title = l.say("Purringer", "Reminders");
    let money = |d: &str| numbers::shown(l, d);
    let ready = s.due.as_ref().map_or(0, |d| {
        d.iter()
            .filter(|d| matches!(d.decision, ReminderDecision::Send(_)))
            .count()
    });
    pages::layout(
        ctx,
        &s.nav,
        title,
        html! {
            h1 { (title) }
            @if let Some(w) = sent { p role="status" class="saved" { (l.say("Sendt: ", "Sent: ")) (w) } }
            @if let Some(p) = problem { div role="alert" class="problems" { p { (p) } } }
            @match &s.due {
                Err(why) => { div role="alert" class="problems" id="due-problem" { p { (why) } } }
                Ok(due) => {
                    form method="post" action=(format!("/c/{c}/purringer/send-alle")) class="filters" {
                        button type="submit" class="primary" disabled[ready == 0] {
                            (l.say("Send alle som er klare", "Send all that are due")) " (" (ready) ")"
                        }
                    }
                    table id="reminders" {
                        caption class="visually-hidden" { (title) }
                        thead { tr {
                            th scope="col" { (l.say("Faktura", "Invoice")) }
                            th scope="col" { (l.say("Kunde", "Customer")) }
                            th scope="col" { (l.say("Forfall", "Due")) }
                            th scope="col" { (l.say("Neste", "Next")) }
                            th scope="col" class="num" { (l.say("Gebyr", "Fee")) }
                            th scope="col" class="num" { (l.say("Renter", "Interest")) }
                            th scope="col" class="num" { (l.say("Å betale", "To pay")) }
                            th scope="col" { (l.say("Frist", "Deadline")) }
                            th scope="col" { "" }
                        } }
                        tbody {
                            @if due.is_empty() { tr { td colspan="9" { (l.say("Ingen forfalte fakturaer.", "Nothing overdue.")) } } }
                            @for d in due {
                                tr id=(format!("due-{}", d.invoice_id)) {
                                    td { a href=(format!("/c/{c}/dokument/{}", d.invoice_id)) { (d.number) } }
                                    td { (d.customer_name) }
                                    td { (numbers::date(l, &d.due_date)) }
                                    @match &d.decision {
                                        ReminderDecision::Send(p) => {
                                            td { (kind_word(l, p.kind)) " " (p.step) }
                                            td class="num" {
                                                (money(&p.fee))
                                                @if let Some(n) = &p.no_fee { br; small { (no_fee_words(l, n)) } }
                                            }
                                            td class="num" { (money(&p.interest_total)) }
                                            td class="num" { strong { (money(&p.total)) } }
                                            td { (numbers::date(l, &p.deadline)) }
                                            td {
                                                a href=(format!("/c/{c}/purringer/{}/pdf", d.invoice_id)) target="_blank" { (l.say("Forhåndsvis", "Preview")) }
                                                " "
                                                form method="post" action=(format!("/c/{c}/purringer/{}/send", d.invoice_id)) class="inline" {
                                                                                button type="submit" { (l.say("Send", "Send")) }
                                                }
                                            }
                                        }
                                        ReminderDecision::Wait(w) => {
                                            td colspan="5" { (hold_words(l, w.why)) " " (numbers::date(l, &w.until)) }
                                            td { (holds(ctx, c, &d.invoice_id, None)) }
                                        }
                                        ReminderDecision::Never(why) => {
                                            td colspan="5" { (hold_words(l, *why)) }
                                            td { (holds(ctx, c, &d.invoice_id, Some(*why))) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { (l.say("Regler for purring", "Reminder policy")) }
            form method="post" action=(format!("/c/{c}/purringer/regler")) id="policy" {
                div class="field" {
                    label for="forste" { (l.say("Første purring, dager etter forfall", "First reminder, days after due")) }
                    input id="forste" name="forste" inputmode="numeric" value=(s.policy.first_after_days);
                }
                div class="field" {
                    label for="frist" { (l.say("Frist, dager (minst 14)", "Deadline, days (at least 14)")) }
                    input id="frist" name="frist" inputmode="numeric" value=(s.policy.deadline_days);
                }
                div class="field" {
                    label for="antall" { (l.say("Purringer før inkassovarsel", "Reminders before the collection notice")) }
                    input id="antall" name="antall" inputmode="numeric" value=(s.policy.reminders);
                }
                div class="field" { label { input type="checkbox" name="gebyr" checked[s.policy.fee]; " " (l.say("Purregebyr der loven tillater det", "The reminder fee where the law allows it")) } }
                div class="field" { label { input type="checkbox" name="rente" checked[s.policy.interest]; " " (l.say("Forsinkelsesrente", "Late interest")) } }
                div class="field" { label { input type="checkbox" name="inkassovarsel" checked[s.policy.inkassovarsel]; " " (l.say("Avslutt med inkassovarsel", "End with a debt collection notice")) } }
                div class="field" { label { input type="checkbox" name="kompensasjon" checked[s.policy.compensation]; " " (l.say("Standardkompensasjon (§ 3a) fra næringsdrivende", "Standard compensation (section 3a) from businesses")) } }
                button type="submit" { (l.say("Lagre", "Save")) }
            }
        },
    )
}
