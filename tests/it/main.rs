//! The end-to-end tests through the real component, in one binary: a module per file, sharing
//! `common` (one compiled component and one PostgreSQL server for the whole run). Run one
//! file's tests with `cargo test --test it <file>::`.

mod common;

mod accountant;
mod api;
mod bad_input;
mod bench_smoke;
mod channels;
mod console;
mod crash;
mod currency;
mod ehf;
mod hostile;
mod hostile_component;
mod integrity;
mod lifecycle;
mod node_host;
mod oracles;
mod payments;
mod pdf;
mod properties;
mod recurring;
mod relay;
mod reminders;
mod scenarios;
mod seams;
mod unicode;
