//! A relay that refuses, stalls or hangs up never holds up a call of the component, and each
//! delivery ends as docs/reliability.md states: failed over to the next channel (refused for
//! good), or retried later with the same Message-ID and then delivered once.

use crate::common;
use common::*;
use host_harness::api::free_line;
use host_harness::bindings::*;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_millis(800);

fn a_misbehaving_relay_never_holds_up_a_call_and_each_delivery_ends_once() {
    for relay in [
        Relay::Refusing,
        Relay::StallAtGreeting,
        Relay::StallAfterData,
        Relay::DropAfterDot,
    ] {
        let mut env = Env::active();
        let out = tempfile::tempdir().unwrap();
        let (addr, _) = smtp_relay(relay);
        let channels = host_harness::channels::Config {
            smtp_timeout: TIMEOUT,
            ..host_harness::channels::Config::new(out.path(), Some(addr))
        };
        env.host.delivery = Some(channels.clone().boxed());
        let d = env.draft(
            "c-lise",
            vec![free_line("Consulting", "1", "100", VatCode::Standard)],
        );
        let started = Instant::now();
        let inv = env.host.finalize("fjord", &d.id, "k").unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{relay:?}: the call waited"
        );
        let started = Instant::now();
        env.host.dispatch();
        assert!(
            started.elapsed() < TIMEOUT * 4,
            "{relay:?}: every network step has a timeout"
        );
        let doc = env.host.open("fjord", &inv.id).unwrap();
        let routes: Vec<_> = doc
            .deliveries
            .iter()
            .map(|d| (d.channel, d.state))
            .collect();
        if relay == Relay::Refusing {
            assert_eq!(
                routes,
                [
                    (Channel::Email, DeliveryState::Failed),
                    (Channel::Print, DeliveryState::Sent)
                ]
            );
            continue;
        }
        assert_eq!(
            routes,
            [(Channel::Email, DeliveryState::Queued)],
            "{relay:?}"
        );
        assert!(
            doc.deliveries[0]
                .detail
                .as_deref()
                .unwrap()
                .starts_with("transient"),
            "{relay:?}"
        );
        // The backoff runs from the end of the attempt that failed.
        let next = env.count("SELECT next_attempt_at FROM outbox");
        let attempt_end =
            chrono::DateTime::parse_from_rfc3339(doc.deliveries[0].updated_at.as_deref().unwrap())
                .unwrap()
                .timestamp_millis();
        assert!(
            next >= attempt_end + 1000,
            "{relay:?}: retry at {next}, attempt ended {attempt_end}"
        );
        // The relay recovers: the retry delivers once, under the same Message-ID.
        let (good, inbox) = smtp_relay(Relay::Receiving);
        let recovered = host_harness::channels::Config {
            smtp: Some(good),
            ..channels
        };
        env.host.delivery = Some(recovered.boxed());
        env.execute("UPDATE outbox SET next_attempt_at = 0")
            .unwrap();
        env.host.dispatch();
        let doc = env.host.open("fjord", &inv.id).unwrap();
        assert_eq!(doc.deliveries[0].state, DeliveryState::Sent, "{relay:?}");
        assert_eq!(inbox.ids().len(), 1, "{relay:?}");
        assert!(
            inbox.ids()[0].starts_with(&format!("<{}.fjord.", doc.deliveries[0].id)),
            "{:?}",
            inbox.ids()
        );
    }
}

crate::on_both_stores!(a_misbehaving_relay_never_holds_up_a_call_and_each_delivery_ends_once,);
