//! Writes the `memory.x` that cortex-m-rt's `link.x` includes: the memory map of the emulated
//! board for the target being built (`thumbv7m-none-eabi`: lm3s6965evb; `thumbv7em-none-eabihf`:
//! mps2-an386) followed by the `.fixtures` output section. The fixture generator in `gen/` is
//! a separate package.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=memory-lm3s6965.x");
    println!("cargo:rerun-if-changed=memory-mps2-an386.x");
    println!("cargo:rerun-if-changed=sections.x");
    let target = std::env::var("TARGET").unwrap_or_default();
    let memory: &str = if target.starts_with("thumbv7em") {
        include_str!("memory-mps2-an386.x")
    } else {
        include_str!("memory-lm3s6965.x")
    };
    let script = format!("{memory}\n{}", include_str!("sections.x"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out.join("memory.x"), script) {
        println!("cargo::error=cannot write memory.x: {e}");
        return;
    }
    println!("cargo:rustc-link-search={}", out.display());
}
