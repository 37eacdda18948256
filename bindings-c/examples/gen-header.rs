//! Generates `bindings-c/include/sealkit.h` with the pinned cbindgen, adding one `#define` per
//! core error code (from `sealkit::Error::ALL`, so the header cannot drift from the core).
//!
//! `cargo run -p sealkit-c --example gen-header` rewrites the header;
//! `... -- --check` exits 1 (and says how to regenerate) if the committed header differs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::ExitCode;

fn error_defines() -> String {
    let mut s = String::from(
        "\n/* Result codes. The core's stable codes (generated from sealkit::Error::ALL). */\n",
    );
    for e in sealkit::Error::ALL {
        s.push_str(&format!(
            "#define SEALKIT_ERR_{} {} /* {} */\n",
            e.name().to_ascii_uppercase(),
            e.code(),
            e.message().replace("*/", "* /")
        ));
    }
    s
}

fn generate(dir: &std::path::Path) -> String {
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let after = config.after_includes.take().unwrap_or_default();
    config.after_includes = Some(after + &error_defines());
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

fn main() -> ExitCode {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = dir.join("include").join("sealkit.h");
    let header = generate(&dir);
    if std::env::args().any(|a| a == "--check") {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != header {
            eprintln!(
                "bindings-c/include/sealkit.h is stale; regenerate it with:\n  cargo run -p sealkit-c --example gen-header"
            );
            return ExitCode::FAILURE;
        }
        println!("bindings-c/include/sealkit.h is current");
    } else {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, header).unwrap();
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
