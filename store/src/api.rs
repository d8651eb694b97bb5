//! The HTTP API's records in SQL, for both backends: keys (their hashes only), the responses
//! kept for idempotency keys, webhook endpoints, events and their deliveries. A delivery is
//! claimed with a lease and finished once by the dispatcher that holds it, as the outbox's are.

use super::sql::{params, Backend, Row, SqlUnit, P};
use super::*;

/// The tables, with the backend's auto-numbered key column (`id`).
pub(super) fn ddl(id: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS api_keys (
    id {id}, client_id TEXT NOT NULL REFERENCES clients(id), name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL CHECK (scope IN ('read', 'read-write')),
    created TEXT NOT NULL, revoked TEXT
);
CREATE TABLE IF NOT EXISTS api_responses (
    client_id TEXT NOT NULL, key TEXT NOT NULL, request TEXT NOT NULL, status BIGINT NOT NULL,
    location TEXT, etag TEXT, body TEXT NOT NULL, created BIGINT NOT NULL,
    PRIMARY KEY (client_id, key)
);
CREATE INDEX IF NOT EXISTS api_responses_created ON api_responses (created);
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id {id}, client_id TEXT NOT NULL REFERENCES clients(id), url TEXT NOT NULL,
    secret TEXT NOT NULL, events TEXT NOT NULL, disabled TEXT,
    failures BIGINT NOT NULL DEFAULT 0, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_events (
    id {id}, client_id TEXT NOT NULL REFERENCES clients(id), kind TEXT NOT NULL,
    data TEXT NOT NULL, created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_events_client ON webhook_events (client_id, id);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id {id}, event_id BIGINT NOT NULL REFERENCES webhook_events(id),
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints(id),
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT, lease_until BIGINT, detail TEXT
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS webhook_deliveries_event ON webhook_deliveries (event_id);
CREATE TABLE IF NOT EXISTS webhook_once (
    client_id TEXT NOT NULL, once_key TEXT NOT NULL, PRIMARY KEY (client_id, once_key)
);"
    )
}

const KEY_COLUMNS: &str = "id, client_id, name, scope, created, revoked";
const INSERT_KEY: &str = "INSERT INTO api_keys (client_id, name, hash, scope, created)
     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id";
const REVOKE_KEY: &str =
    "UPDATE api_keys SET revoked = ?3 WHERE client_id = ?1 AND id = ?2 AND revoked IS NULL";
const RESPONSE: &str = "SELECT request, status, location, etag, body, created FROM api_responses
     WHERE client_id = ?1 AND key = ?2";
const KEEP_RESPONSE: &str =
    "INSERT INTO api_responses (client_id, key, request, status, location, etag, body, created)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (client_id, key) DO NOTHING";
const FORGET_RESPONSES: &str = "DELETE FROM api_responses WHERE created < ?1";
const ENDPOINT_COLUMNS: &str = "id, client_id, url, secret, events, disabled, failures";
const INSERT_ENDPOINT: &str =
    "INSERT INTO webhook_endpoints (client_id, url, secret, events, created)
     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id";
const EVENT_COLUMNS: &str = "id, client_id, kind, data, created";
/// An event that is told once: its key taken, or nothing (told already, or being told by a unit
/// not yet committed, which this insert waits for).
const TAKE_ONCE: &str =
    "INSERT INTO webhook_once (client_id, once_key) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
const INSERT_EVENT: &str = "INSERT INTO webhook_events (client_id, kind, data, created)
     VALUES (?1, ?2, ?3, ?4) RETURNING id";
/// One delivery per enabled endpoint that takes the event's type (`*`, or a comma list).
const FAN_OUT: &str = "INSERT INTO webhook_deliveries (event_id, endpoint_id)
     SELECT CAST(?1 AS BIGINT), id FROM webhook_endpoints
      WHERE client_id = ?2 AND disabled IS NULL
        AND (events = '*' OR (',' || events || ',') LIKE ('%,' || CAST(?3 AS TEXT) || ',%'))";
const FINISH: &str = "UPDATE webhook_deliveries
        SET state = ?2, attempts = attempts + 1, detail = ?3, next_attempt_at = ?4,
            lease_owner = NULL, lease_until = NULL
      WHERE id = ?1 AND state = 'queued' AND lease_owner = ?5";
const FAILURES: &str = "UPDATE webhook_endpoints
        SET failures = CASE WHEN CAST(?2 AS BIGINT) = 1 THEN 0 ELSE failures + 1 END,
            disabled = coalesce(disabled, CAST(?3 AS TEXT))
      WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?1)";
const QUEUED: &str = "SELECT count(*) FROM webhook_deliveries w
       JOIN webhook_endpoints e ON e.id = w.endpoint_id
      WHERE w.state = 'queued' AND e.disabled IS NULL";

fn key(r: &Row) -> Result<ApiKey> {
    Ok(ApiKey {
        id: r.i(0)?,
        client: r.s(1)?,
        name: r.s(2)?,
        scope: r.s(3)?,
        created: r.s(4)?,
        revoked: r.os(5)?,
    })
}

fn endpoint(r: &Row) -> Result<Endpoint> {
    Ok(Endpoint {
        id: r.i(0)?,
        client: r.s(1)?,
        url: r.s(2)?,
        secret: r.s(3)?,
        events: r.s(4)?,
        disabled: r.os(5)?,
        failures: r.i(6)?,
    })
}

fn event(r: &Row) -> Result<Event> {
    Ok(Event {
        id: r.i(0)?,
        client: r.s(1)?,
        kind: r.s(2)?,
        data: r.s(3)?,
        created: r.s(4)?,
    })
}

impl<B: Backend> SqlUnit<B> {
    fn all<T>(&mut self, sql: &str, p: &[P], f: fn(&Row) -> Result<T>) -> Result<Vec<T>> {
        B::rows(self.c(), sql, p)?.iter().map(f).collect()
    }
    fn first<T>(&mut self, sql: &str, p: &[P], f: fn(&Row) -> Result<T>) -> Result<Option<T>> {
        Ok(self.all(sql, p, f)?.into_iter().next())
    }
    fn id_of(&mut self, sql: &str, p: &[P]) -> Result<i64> {
        self.first(sql, p, |r| r.i(0))?
            .ok_or_else(|| anyhow::anyhow!("no id returned"))
    }
}

impl<B: Backend> Api for SqlUnit<B> {
    fn insert_key(&mut self, client: &str, name: &str, hash: &str, scope: &str) -> Result<i64> {
        self.id_of(
            INSERT_KEY,
            params![client, name, hash, scope, &super::sql::now()],
        )
    }

    fn key_by_hash(&mut self, hash: &str) -> Result<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = ?1");
        self.first(&sql, params![hash], key)
    }

    fn keys(&mut self, client: &str) -> Result<Vec<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE client_id = ?1 ORDER BY id");
        self.all(&sql, params![client], key)
    }

    fn revoke_key(&mut self, client: &str, id: i64) -> Result<bool> {
        Ok(B::exec(
            self.c(),
            REVOKE_KEY,
            params![client, id, &super::sql::now()],
        )? == 1)
    }

    fn idempotent(&mut self, client: &str, key: &str) -> Result<Option<KeptResponse>> {
        self.first(RESPONSE, params![client, key], |r| {
            Ok(KeptResponse {
                request: r.s(0)?,
                status: u16::try_from(r.i(1)?)?,
                location: r.os(2)?,
                etag: r.os(3)?,
                body: r.s(4)?,
                created: r.i(5)?,
            })
        })
    }

    fn keep_response(&mut self, client: &str, key: &str, k: &KeptResponse) -> Result<bool> {
        let p = params![
            client,
            key,
            &k.request,
            i64::from(k.status),
            k.location.as_deref(),
            k.etag.as_deref(),
            &k.body,
            k.created
        ];
        Ok(B::exec(self.c(), KEEP_RESPONSE, p)? == 1)
    }

    fn forget_responses(&mut self, before: i64) -> Result<u64> {
        B::exec(self.c(), FORGET_RESPONSES, params![before])
    }

    fn insert_endpoint(
        &mut self,
        client: &str,
        url: &str,
        secret: &str,
        events: &str,
    ) -> Result<i64> {
        self.id_of(
            INSERT_ENDPOINT,
            params![client, url, secret, events, &super::sql::now()],
        )
    }

    fn endpoints(&mut self, client: &str) -> Result<Vec<Endpoint>> {
        let sql = format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE client_id = ?1 ORDER BY id"
        );
        self.all(&sql, params![client], endpoint)
    }

    fn has_endpoints(&mut self, client: &str) -> Result<bool> {
        let sql = "SELECT 1 FROM webhook_endpoints WHERE client_id = ?1 LIMIT 1";
        Ok(!B::rows(self.c(), sql, params![client])?.is_empty())
    }

    fn delete_endpoint(&mut self, client: &str, id: i64) -> Result<bool> {
        let mine = "SELECT 1 FROM webhook_endpoints WHERE client_id = ?1 AND id = ?2";
        if B::rows(self.c(), mine, params![client, id])?.is_empty() {
            return Ok(false);
        }
        B::exec(
            self.c(),
            "DELETE FROM webhook_deliveries WHERE endpoint_id = ?1",
            params![id],
        )?;
        let sql = "DELETE FROM webhook_endpoints WHERE client_id = ?1 AND id = ?2";
        Ok(B::exec(self.c(), sql, params![client, id])? == 1)
    }

    fn enable_endpoint(&mut self, client: &str, id: i64) -> Result<bool> {
        let sql = "UPDATE webhook_endpoints SET disabled = NULL, failures = 0 WHERE client_id = ?1 AND id = ?2";
        Ok(B::exec(self.c(), sql, params![client, id])? == 1)
    }

    fn queue_event(&mut self, client: &str, kind: &str, data: &str, created: &str) -> Result<i64> {
        let id = self.id_of(INSERT_EVENT, params![client, kind, data, created])?;
        B::exec(self.c(), FAN_OUT, params![id, client, kind])?;
        Ok(id)
    }

    fn queue_event_once(
        &mut self,
        client: &str,
        kind: &str,
        once: &str,
        data: &str,
        created: &str,
    ) -> Result<Option<i64>> {
        if B::exec(self.c(), TAKE_ONCE, params![client, once])? == 0 {
            return Ok(None);
        }
        self.queue_event(client, kind, data, created).map(Some)
    }

    fn events(&mut self, client: &str, after: i64, limit: i64) -> Result<Vec<Event>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM webhook_events WHERE client_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
        );
        self.all(&sql, params![client, after, limit], event)
    }

    fn event(&mut self, client: &str, id: i64) -> Result<Option<Event>> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM webhook_events WHERE client_id = ?1 AND id = ?2");
        self.first(&sql, params![client, id], event)
    }

    fn redeliver(&mut self, client: &str, id: i64) -> Result<u64> {
        let Some(e) = self.event(client, id)? else {
            return Ok(0);
        };
        B::exec(self.c(), FAN_OUT, params![id, client, &e.kind])
    }

    fn claim_hooks(
        &mut self,
        owner: &str,
        now: i64,
        lease_until: i64,
        n: i64,
    ) -> Result<Vec<ClaimedHook>> {
        // The lease is checked again on the row itself: on PostgreSQL a row another dispatcher
        // claimed meanwhile is skipped, not taken twice.
        let claim = format!(
            "UPDATE webhook_deliveries SET lease_owner = ?1, lease_until = ?2
              WHERE id IN (SELECT w.id FROM webhook_deliveries w
                             JOIN webhook_endpoints e ON e.id = w.endpoint_id
                            WHERE w.state = 'queued' AND w.next_attempt_at <= ?3
                              AND (w.lease_until IS NULL OR w.lease_until < ?3)
                              AND e.disabled IS NULL
                            ORDER BY w.id LIMIT ?4 {})
                AND state = 'queued' AND (lease_until IS NULL OR lease_until < ?3)
              RETURNING id, attempts, endpoint_id, event_id",
            B::SKIP_LOCKED
        );
        let leased = B::rows(self.c(), &claim, params![owner, lease_until, now, n])?;
        let mut claimed = Vec::with_capacity(leased.len());
        for r in leased {
            let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?1");
            let endpoint = self
                .first(&sql, params![r.i(2)?], endpoint)?
                .ok_or_else(|| anyhow::anyhow!("a delivery's endpoint is gone"))?;
            let sql = format!("SELECT {EVENT_COLUMNS} FROM webhook_events WHERE id = ?1");
            let event = self
                .first(&sql, params![r.i(3)?], event)?
                .ok_or_else(|| anyhow::anyhow!("a delivery's event is gone"))?;
            claimed.push(ClaimedHook {
                id: r.i(0)?,
                attempts: u32::try_from(r.i(1)?)?,
                endpoint,
                event,
            });
        }
        Ok(claimed)
    }

    fn finish_hook(&mut self, owner: &str, f: &HookOutcome) -> Result<bool> {
        let p = params![f.delivery, f.state, f.detail, f.next_attempt_at, owner];
        if B::exec(self.c(), FINISH, p)? != 1 {
            return Ok(false);
        }
        let ok = f.state == "delivered";
        B::exec(self.c(), FAILURES, params![f.delivery, ok, f.disable])?;
        Ok(true)
    }

    fn hooks_queued(&mut self) -> Result<i64> {
        self.id_of(QUEUED, &[])
    }

    fn hook_deliveries(&mut self, event: i64) -> Result<Vec<HookDelivery>> {
        let sql = "SELECT endpoint_id, state, attempts, detail FROM webhook_deliveries
                    WHERE event_id = ?1 ORDER BY id";
        self.all(sql, params![event], |r| {
            Ok(HookDelivery {
                endpoint: r.i(0)?,
                state: r.s(1)?,
                attempts: u32::try_from(r.i(2)?)?,
                detail: r.os(3)?,
            })
        })
    }
}
