//! The `recurring` export: series of invoices from a template, and the occurrences a run
//! issues. The rules are in `crate::recurring`; this is the adapter, as the parent is.

use super::wit::erp::invoicing::{documents, types as t};
use super::wit::exports::erp::invoicing::recurring::Guest;
use super::*;
use crate::model::Language;
use crate::recurring::{self as rec, Plan, Progress, Schedule, Series, State};

impl Guest for Component {
    fn make_recurring(draft_id: String, version: u64, schedule: t::Schedule) -> R<t::Series> {
        require_active()?;
        let seller = seller()?;
        let (stored_version, mut template) = load_draft(&draft_id)?;
        if stored_version != version {
            return Err(t::Error::Conflict(stored_version));
        }
        let schedule = schedule_in(schedule)?;
        template.customer = customer(&template.customer.id)?;
        template.dates = as_template(&template.dates)?;
        let today = today()?;
        invoice::check_issuable(&template, today, &seller).map_err(err)?;
        let series = Series {
            plan: Plan::new(schedule),
            template,
        };
        rec::check_catch_up(&series.plan, today).map_err(err)?;
        let id = documents::insert_series(
            &series_index(&series.plan, &series.template.customer),
            &json(body::of_series(&series))?,
        )?;
        documents::delete_draft(&draft_id)?;
        Ok(series_out(id, 1, &series, seller.vat_registered))
    }

    fn get_series(id: String) -> R<t::Series> {
        require_active()?;
        let vat_registered = seller()?.vat_registered;
        let (version, s) = load_series(&id)?;
        Ok(series_out(id, version, &s, vat_registered))
    }

    fn list_series() -> R<Vec<t::Series>> {
        require_active()?;
        let vat_registered = seller()?.vat_registered;
        documents::list_series(None)
            .into_iter()
            .map(|stored| {
                let s = parse_series(&stored.id, &stored.body)?;
                Ok(series_out(stored.id, stored.version, &s, vat_registered))
            })
            .collect()
    }

    fn change_series(id: String, version: u64, change: t::SeriesChange) -> R<t::Series> {
        require_active()?;
        let seller = seller()?;
        let (stored_version, mut s) = load_series(&id)?;
        if stored_version != version {
            return Err(t::Error::Conflict(stored_version));
        }
        if s.plan.stopped {
            return Err(err(Error::NotAllowed(Refusal::SeriesEnded)));
        }
        let today = today()?;
        match change {
            t::SeriesChange::SetSchedule(x) => {
                s.plan.reschedule(schedule_in(x)?);
                rec::check_catch_up(&s.plan, today).map_err(err)?;
            }
            t::SeriesChange::Pause => s.plan.paused = true,
            t::SeriesChange::Resume => s.plan.resume(today),
            t::SeriesChange::End => s.plan.stopped = true,
            t::SeriesChange::Edit(t::DraftChange::SetDates(x)) => {
                s.template.dates = as_template(&dates_in(x)?)?;
            }
            t::SeriesChange::Edit(change) => match edit_in(change)? {
                Edit::Customer(c) => s.template.customer = customer(&c)?,
                Edit::Change(change) => {
                    draft::apply(&mut s.template, change, seller.vat_registered, &product)
                        .map_err(err)?
                }
            },
        }
        if matches!(s.plan.state(), State::Active | State::Paused) {
            invoice::check_issuable(&s.template, today, &seller).map_err(err)?;
        }
        let version = documents::update_series(
            &id,
            version,
            &series_index(&s.plan, &s.template.customer),
            &json(body::of_series(&s))?,
        )?;
        Ok(series_out(id, version, &s, seller.vat_registered))
    }

    fn due() -> R<Vec<t::Occurrence>> {
        require_active()?;
        let today = today()?;
        let mut due = Vec::new();
        for stored in documents::list_series(Some(&today.to_string())) {
            // The plan and the customer's name: serde skips the rest of the template.
            let p: Progress =
                body::progress(&stored.body).map_err(|e| unreadable(&stored.id, e))?;
            for date in p.plan.due(today) {
                due.push(t::Occurrence {
                    series_id: stored.id.clone(),
                    date: date.to_string(),
                    customer_name: p.template.customer.name.clone(),
                });
            }
        }
        // Date order across series; a series' own dates ascend already and the sort is stable.
        due.sort_by(|a, b| a.date.cmp(&b.date));
        Ok(due)
    }

    fn issue_occurrence(series_id: String, date: String) -> R<t::IssuedDocument> {
        require_active()?;
        let date = dates::parse(&date).map_err(|m| err(Error::invalid("date", m)))?;
        // The series and the date: the same occurrence is issued once, whoever asks again.
        let key = format!("series {series_id} {date}");
        if let Some(done) = replay(&key, &key)? {
            return Ok(done);
        }
        let seller = seller()?;
        let stored = stored_series(&series_id)?;
        let version = stored.version;
        let rec::Stored { mut plan, template } =
            body::stored(&stored.body).map_err(|e| unreadable(&series_id, e))?;
        let mut invoice = body::draft(template.get()).map_err(|e| unreadable(&series_id, e))?;
        let today = today()?;
        plan.may_issue(date, today)
            .map_err(|r| err(Error::NotAllowed(r)))?;
        let customer = invoice.customer.clone();
        invoice.dates.delivery = Some(date);
        if plan.schedule.period_text {
            let (from, to) = rec::period(&plan.schedule, plan.next_index);
            let lang = Language::of(&invoice.customer, &seller);
            let text = rec::period_text(from, to, lang);
            invoice.note = Some(match invoice.note.take() {
                Some(note) => format!("{text}\n{note}"),
                None => text,
            });
        }
        let issued = issue_invoice(invoice, &seller, today, &key, key.clone())?;
        plan.advance(date);
        let index = series_index(&plan, &customer);
        // Only the plan moved: the template goes back as the text it was read from.
        let body = json(body::of_stored(&rec::Stored { plan, template }))?;
        documents::update_series(&series_id, version, &index, &body)?;
        Ok(issued)
    }
}

/// A template's dates: only the payment terms; each invoice is dated when it is issued.
fn as_template(d: &model::Dates) -> R<model::Dates> {
    let mut p = crate::error::Problems::default();
    for (field, set) in [
        ("dates.issue-date", d.issue.is_some()),
        ("dates.delivery-date", d.delivery.is_some()),
        ("dates.due-date", d.due.is_some()),
    ] {
        if set {
            p.add(field, crate::error::Problem::DatedAtIssue);
        }
    }
    p.into_result().map_err(err)?;
    Ok(model::Dates {
        terms_days: d.terms_days,
        ..Default::default()
    })
}

fn stored_series(id: &str) -> R<documents::StoredSeries> {
    documents::get_series(id).ok_or_else(|| t::Error::NotFound(format!("series {id}")))
}

fn load_series(id: &str) -> R<(u64, Series)> {
    let stored = stored_series(id)?;
    Ok((stored.version, parse_series(id, &stored.body)?))
}

fn parse_series(id: &str, body: &str) -> R<Series> {
    body::series(body).map_err(|e| unreadable(id, e))
}

fn unreadable(id: &str, e: serde_json::Error) -> t::Error {
    t::Error::Host(format!("series {id} is unreadable: {e}"))
}

fn series_index(plan: &Plan, customer: &model::Customer) -> documents::SeriesIndex {
    documents::SeriesIndex {
        customer_id: customer.id.clone(),
        customer_name: customer.name.clone(),
        state: state_out(plan.state()),
        issue_from: plan.issue_from().map(|d| d.to_string()),
    }
}

fn state_out(s: State) -> t::SeriesState {
    match s {
        State::Active => t::SeriesState::Active,
        State::Paused => t::SeriesState::Paused,
        State::Ended => t::SeriesState::Ended,
    }
}

fn schedule_in(s: t::Schedule) -> R<Schedule> {
    let mut p = crate::error::Problems::default();
    let first = date_field(&mut p, "schedule.first-date", &s.first_date);
    let end = s
        .end_date
        .as_deref()
        .and_then(|e| date_field(&mut p, "schedule.end-date", e));
    p.into_result().map_err(err)?;
    let schedule = Schedule {
        interval_months: match s.interval {
            t::Interval::Monthly => 1,
            t::Interval::Quarterly => 3,
            t::Interval::Yearly => 12,
            t::Interval::EveryMonths(n) => n,
        },
        first: first.unwrap_or_default(),
        end,
        count: s.count,
        lead_days: s.lead_days,
        period_text: s.period_text,
    };
    rec::check(&schedule).map_err(err)?;
    Ok(schedule)
}

fn schedule_out(s: &Schedule) -> t::Schedule {
    t::Schedule {
        interval: match s.interval_months {
            1 => t::Interval::Monthly,
            3 => t::Interval::Quarterly,
            12 => t::Interval::Yearly,
            n => t::Interval::EveryMonths(n),
        },
        first_date: s.first.to_string(),
        end_date: s.end.map(|d| d.to_string()),
        count: s.count,
        lead_days: s.lead_days,
        period_text: s.period_text,
    }
}

fn series_out(id: String, version: u64, s: &Series, vat_registered: bool) -> t::Series {
    let d = &s.template;
    let totals = calc::compute(&d.lines, vat_registered);
    t::Series {
        id,
        version,
        customer: customer_out(&d.customer),
        references: refs_out(&d.references),
        note: d.note.clone(),
        payment_terms_days: d.dates.terms_days,
        lines: lines_out(&d.lines, &totals, vat_registered),
        vat_groups: groups_out(&totals),
        totals: totals_out(&totals),
        schedule: schedule_out(&s.plan.schedule),
        state: state_out(s.plan.state()),
        next_date: s.plan.next_date().map(|d| d.to_string()),
        issue_from: s.plan.issue_from().map(|d| d.to_string()),
        issued: s.plan.issued,
    }
}
