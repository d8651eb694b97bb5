//! Tidying the host does for a client: drafts that were started and left.

use crate::bindings::{DocumentKind, OverviewFilter};
use crate::ids::Id;
use crate::runtime::{CallError, Harness};
use chrono::{DateTime, TimeDelta, Utc};

/// A draft with no lines that nobody has touched for this long is cleared. Picking a customer
/// in "Ny faktura" makes a draft at once (every change is saved), so a pick abandoned there
/// would stay in the overview for good; a day leaves anyone still at it alone.
pub const ABANDONED_AFTER: TimeDelta = TimeDelta::hours(24);

/// How often the console looks for them: a draft goes a day after it was left, give or take
/// this, and the overview's views in between do no work for it.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Clear `client`'s drafts without lines untouched for [`ABANDONED_AFTER`] at `now`, through
/// the component's `delete-draft`; the ids cleared. A draft changed meanwhile (a line added
/// in another tab) is kept: each is deleted only at the version that was seen empty, held
/// against other writers for the unit of work that deletes it.
pub fn clear_abandoned_drafts(
    h: &mut Harness,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, CallError> {
    let drafts = h.overview_all(
        client,
        OverviewFilter {
            kind: Some(DocumentKind::Draft),
            ..OverviewFilter::default()
        },
        usize::MAX,
    )?;
    let mut cleared = Vec::new();
    for s in drafts {
        let touched = DateTime::parse_from_rfc3339(&s.updated_at).map(|t| t.to_utc());
        // A draft with lines has an amount (almost always): only the others are opened.
        let empty = s
            .payable
            .parse::<rust_decimal::Decimal>()
            .is_ok_and(|p| p.is_zero());
        if !empty || touched.is_err() || touched.is_ok_and(|t| now - t < ABANDONED_AFTER) {
            continue;
        }
        let d = h.get_draft(client, &s.id)?;
        let Some(n) = Id::Draft.row(&s.id).filter(|_| d.lines.is_empty()) else {
            continue;
        };
        let mut unit = h.batch(client)?;
        if unit.apply(|u| u.hold_draft(client, n, d.version))? {
            unit.call(|i, st| i.call_delete_draft(st, &s.id))?;
            unit.commit()?;
            cleared.push(s.id);
        }
    }
    Ok(cleared)
}
