//! `sealkit inspect DIR.sig`: what a tree signature file claims, without verifying anything:
//! the envelope's fields (as for a file signature) and a summary of the signed manifest.

use std::io::Read as _;
use std::path::Path;
use std::process::ExitCode;

use sealkit_artifacts::tree::{
    inspect_signature, looks_like_tree_signature, read_signature_file, TreeSignatureSummary,
};
use serde_json::{json, Value};

use crate::commands::inspect::{print_result, text as envelope_text, InspectArgs};
use crate::error::CliError;
use crate::output::{envelope_json, printable, size};

/// Whether the file at `path` starts like a tree signature (standard input never does here:
/// it is read as an envelope).
pub fn is_tree_signature(path: &Path) -> bool {
    let mut first = [0u8; 1];
    path != Path::new("-")
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut first))
            .is_ok()
        && looks_like_tree_signature(&first)
}

fn summary_text(s: &TreeSignatureSummary<'_>) -> String {
    let exclusions = if s.exclusions.is_empty() {
        "(none)".to_string()
    } else {
        s.exclusions
            .iter()
            .map(|p| printable(p))
            .collect::<Vec<_>>()
            .join(", ")
    };
    [
        "tree manifest (UNVERIFIED, as signed):".to_string(),
        format!(
            "  entries:      {} ({} files, {} executable; {} directories; {} symlinks, {} pointing outside the tree)",
            s.entries, s.files, s.executables, s.directories, s.symlinks, s.outside_symlinks
        ),
        format!("  total size:   {}", size(s.total_size)),
        format!("  exclusions:   {exclusions}"),
        format!(
            "  manifest:     {} bytes; {} the digest and length the envelope claims",
            s.manifest_len,
            if s.manifest_matches_envelope {
                "matches"
            } else {
                "does NOT match"
            }
        ),
        String::new(),
    ]
    .join("\n")
}

fn summary_json(s: &TreeSignatureSummary<'_>) -> Value {
    json!({
        "entries": s.entries,
        "files": s.files,
        "executables": s.executables,
        "directories": s.directories,
        "symlinks": s.symlinks,
        "outside_symlinks": s.outside_symlinks,
        "total_size": s.total_size,
        "exclusions": s.exclusions,
        "manifest_size": s.manifest_len,
        "manifest_matches_envelope": s.manifest_matches_envelope,
    })
}

/// Runs `sealkit inspect` on a tree signature file; returns the exit code (1 for a malformed
/// file, 2 for I/O errors), as for an envelope.
pub fn run(args: &InspectArgs) -> ExitCode {
    let name = args.sig.display().to_string();
    let result = read_signature_file(&args.sig)
        .map_err(|e| match e {
            sealkit_artifacts::tree::TreeError::Io { path, source } => {
                CliError::read(&path, source)
            }
            other => CliError::Usage(other.to_string()),
        })
        .and_then(|bytes| match inspect_signature(&bytes) {
            Ok(s) => Ok(if args.json {
                let mut m = envelope_json(&s.envelope, s.envelope_len);
                m.insert("kind".into(), json!("tree_signature"));
                m.insert("verified".into(), json!(false));
                m.insert("error".into(), Value::Null);
                m.insert("tree".into(), summary_json(&s));
                Value::Object(m).to_string() + "\n"
            } else {
                let mut out = format!(
                    "{name}: a tree signature (envelope and manifest of a directory)\n"
                );
                out.push_str(&envelope_text(&s.envelope, &name, s.envelope_len));
                out.push_str(&summary_text(&s));
                out.push_str(
                    "(use `sealkit verify DIR --sig SIG` to check the signature and the directory)\n",
                );
                out
            }),
            Err(error) => Err(CliError::Rejected {
                error,
                context: name.clone(),
                detail: String::new(),
            }),
        });
    print_result(result, args.json)
}
