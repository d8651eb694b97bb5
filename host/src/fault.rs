//! Crash points for the kill tests: a process that dies at a chosen instruction must leave
//! nothing half-done and lose nothing. Only a build with the `fault-injection` feature (the
//! tests') has them; the shipped host cannot be told to die.

/// Test hook: die here, at once, when `INVOICING_CRASH_AT` names this point.
#[cfg(feature = "fault-injection")]
pub fn crash_point(name: &str) {
    if std::env::var("INVOICING_CRASH_AT").is_ok_and(|p| p == name) {
        std::process::abort();
    }
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn crash_point(_: &str) {}
