//! A PostgreSQL server of the tests' own: `initdb` into a temporary folder (as the `postgres`
//! user where the tests run as root), listening on loopback on a free port, one fresh database
//! per test. It stops, and its folder is removed, when the test process ends: a shell holds
//! the server and waits on a pipe that closes with the process.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Server {
    pub port: u16,
    /// The shell holding the server; its stdin closes when this process ends.
    _keeper: Mutex<Child>,
}

/// The binaries' folder, if PostgreSQL is installed (a failure under INVOICING_REQUIRE_TOOLS).
pub fn installed() -> Option<PathBuf> {
    let bin = std::env::var_os("INVOICING_PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(BIN));
    if bin.join("initdb").is_file() {
        return Some(bin);
    }
    assert!(
        std::env::var_os("INVOICING_REQUIRE_TOOLS").is_none(),
        "PostgreSQL is required in CI but {} has no initdb",
        bin.display()
    );
    eprintln!("skipped: PostgreSQL is not installed (.ci/run installs it)");
    None
}

/// The command line prefix that runs a server binary as a user other than root.
fn as_postgres(cmd: &str) -> String {
    use std::os::unix::fs::MetadataExt;
    // The owner of /proc/self is this process's user.
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if root {
        format!("setpriv --reuid=postgres --regid=postgres --init-groups {cmd}")
    } else {
        cmd.to_owned()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn server(fsync: bool) -> Server {
    let bin = installed().expect("PostgreSQL");
    let dir = tempfile::Builder::new()
        .prefix("erp-pg-")
        .tempdir()
        .unwrap()
        .keep();
    let data = dir.join("data");
    let port = free_port();
    let script = format!(
        "set -e
         chown -R postgres {dir} 2>/dev/null || true
         cd {dir}
         {initdb} -D {data} -A trust -U postgres -E UTF8 --locale=C --no-sync >/dev/null
         {postgres} -D {data} -p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={dir} \
             -c fsync={fsync} -c synchronous_commit={fsync} -c full_page_writes={fsync} \
             -c max_connections=200 >{dir}/log 2>&1 &
         pid=$!
         cat >/dev/null || true
         kill -INT $pid 2>/dev/null || true
         wait $pid 2>/dev/null || true
         rm -rf {dir}",
        dir = dir.display(),
        data = data.display(),
        initdb = as_postgres(&bin.join("initdb").display().to_string()),
        postgres = as_postgres(&bin.join("postgres").display().to_string()),
        fsync = if fsync { "on" } else { "off" },
    );
    let keeper = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let started = std::time::Instant::now();
    while postgres::Client::connect(&url, postgres::NoTls).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Server {
        port,
        _keeper: Mutex::new(keeper),
    }
}

impl Server {
    /// A new, empty database on this server; its URL.
    pub fn database(&self) -> String {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.url(&name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

/// The test binary's server (fsync off: the suite checks behaviour, not durability).
pub fn shared() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| server(false))
}
