//! Builds the component (`guest`, for wasm32-wasip2, release) so that a plain `cargo build` or
//! `cargo test` gives a host with its component embedded. The nested cargo uses its own target
//! directory: the outer build holds the lock on ours.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    // Relative paths: each checkout watches its own files, even with a shared target dir.
    println!("cargo:rerun-if-env-changed=INVOICING_WASM_NAMES");
    for p in [
        "../guest/src",
        "../guest/Cargo.toml",
        "../guest/rules/Cargo.toml",
        "../tests/hostile-guest/src",
        "../tests/hostile-guest/Cargo.toml",
        "../wit",
        "../Cargo.lock",
        "../Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={p}");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    // Next to the outer target dir, so it stays warm across changes to this script.
    let target_dir = out
        .ancestors()
        .nth(4)
        .map(|t| t.join("guest-wasm"))
        .unwrap_or_else(|| out.join("guest-wasm"));
    // rustup may be set not to add a toolchain file's targets by itself (RUSTUP_AUTO_INSTALL=0):
    // ask for the component's target; a no-op when it is there, harmless without rustup.
    let _ = Command::new("rustup")
        .current_dir(&root)
        .args(["target", "add", "wasm32-wasip2"])
        .output();
    let build = |package: &str| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&root)
            .args([
                "build",
                "-p",
                package,
                "--profile",
                "component",
                "--target",
                "wasm32-wasip2",
                "--target-dir",
            ])
            .arg(&target_dir);
        for var in [
            "CARGO_ENCODED_RUSTFLAGS",
            "RUSTFLAGS",
            "CARGO_BUILD_TARGET",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_TARGET_DIR",
            "CARGO_MAKEFLAGS",
            "MAKEFLAGS",
            "MFLAGS",
        ] {
            cmd.env_remove(var);
        }
        // Wasm SIMD (every current engine has it: wasmtime, V8, SpiderMonkey, JavaScriptCore)
        // lets `memchr` scan 16 bytes at a time where the EHF gate reads the document back.
        let mut flags = vec!["-Ctarget-feature=+simd128"];
        // `strip = true` leaves wasm's name section (a fifth of the component). Names only
        // help a profiler: INVOICING_WASM_NAMES=1 keeps them (BENCHMARKS.md, "Profiling").
        if std::env::var_os("INVOICING_WASM_NAMES").is_none() {
            flags.push("-Clink-arg=--strip-all");
        }
        cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f"));
        let status = cmd.status().expect("run cargo to build a component");
        assert!(
            status.success(),
            "building {package} failed (is the wasm32-wasip2 target installed?)"
        );
    };
    build("guest");
    // A component that misbehaves on purpose, for the tests of the host's defences only.
    build("hostile-guest");
    println!(
        "cargo:rustc-env=INVOICING_HOSTILE_WASM={}",
        target_dir
            .join("wasm32-wasip2/component/hostile_guest.wasm")
            .display()
    );
    let wasm = target_dir.join("wasm32-wasip2/component/guest.wasm");
    println!("cargo:rustc-env=INVOICING_WASM={}", wasm.display());
}
