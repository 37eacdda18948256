//! The core crate builds for a real `no_std` target without an allocator (Cortex-M4F,
//! `thumbv7em-none-eabihf`), verify-only and with the `sign` feature. A host-only
//! `--no-default-features` build would not catch a dependency that pulls in `std` or `alloc`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;
use std::process::Command;

const TARGET: &str = "thumbv7em-none-eabihf";

fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A target directory of its own: cargo's build lock is per target directory, so the nested
/// build never waits on the `cargo test` that runs this test.
fn target_dir() -> PathBuf {
    // A relative CARGO_TARGET_DIR is taken as relative to the workspace root, where CI runs.
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(|d| workspace_root().join(d))
        .unwrap_or_else(|| workspace_root().join("target"));
    base.join("thumbv7em-check")
}

fn require_target_installed() {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `rustup target list --installed` ({e}); install rustup, then run \
                 `rustup target add {TARGET}`"
            )
        });
    assert!(
        out.status.success(),
        "`rustup target list --installed` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let installed = String::from_utf8_lossy(&out.stdout);
    assert!(
        installed.lines().any(|l| l.trim() == TARGET),
        "the Rust target {TARGET} is not installed, so the no_std build of sealkit cannot be \
         checked. Run `rustup target add {TARGET}` and test again. Installed: {installed}"
    );
}

fn build(features: &[&str]) {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(workspace_root())
        .args(["build", "-p", "sealkit", "--target", TARGET, "--target-dir"])
        .arg(target_dir())
        .args(features)
        // Flags meant for the host test build must not leak into the embedded build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    assert!(
        out.status.success(),
        "`cargo build -p sealkit --target {TARGET} {}` failed:\n{}",
        features.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn core_builds_for_thumbv7em_none_eabihf() {
    require_target_installed();
    build(&[]);
    build(&["--features", "sign"]);
}
