//! The code examples in the top-level README are excerpts of files that the test suites compile
//! and run, so they cannot rot: every fenced block in a language other than `sh`/`text` must be
//! preceded by `<!-- tested: PATH -->` and appear verbatim in that file (as consecutive lines,
//! possibly all indented by the same prefix).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// `(language, tested path, code)` for every fenced block of `markdown`.
fn blocks(markdown: &str) -> Vec<(String, Option<String>, String)> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().peekable();
    let mut last_comment: Option<String> = None;
    while let Some(line) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let mut code = String::new();
            for l in lines.by_ref() {
                if l.starts_with("```") {
                    break;
                }
                code.push_str(l);
                code.push('\n');
            }
            out.push((lang.trim().to_owned(), last_comment.take(), code));
            continue;
        }
        let t = line.trim();
        if let Some(rest) = t
            .strip_prefix("<!-- tested: ")
            .and_then(|r| r.strip_suffix(" -->"))
        {
            last_comment = Some(rest.trim().to_owned());
        } else if !t.is_empty() {
            last_comment = None;
        }
    }
    out
}

/// Whether `code`'s lines occur consecutively in `file`, each prefixed by one common indent.
fn is_excerpt(code: &str, file: &str) -> bool {
    let want: Vec<&str> = code.lines().collect();
    let have: Vec<&str> = file.lines().collect();
    if want.is_empty() || want.len() > have.len() {
        return want.is_empty();
    }
    have.windows(want.len()).any(|w| {
        let Some(indent) = w[0].strip_suffix(want[0]) else {
            return false;
        };
        indent.trim().is_empty()
            && w.iter().zip(&want).all(|(h, l)| {
                if l.is_empty() {
                    h.trim().is_empty()
                } else {
                    h.strip_prefix(indent) == Some(l)
                }
            })
    })
}

#[test]
fn readme_examples_are_excerpts_of_tested_files() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let mut checked = 0;
    for (lang, tested, code) in blocks(&readme) {
        if matches!(lang.as_str(), "sh" | "text" | "") {
            continue;
        }
        let first = code.lines().next().unwrap_or_default();
        let path = tested.unwrap_or_else(|| {
            panic!("README block ({lang}) starting {first:?} has no <!-- tested: PATH --> line")
        });
        let file = std::fs::read_to_string(Path::new(ROOT).join(&path))
            .unwrap_or_else(|e| panic!("README cites {path}: {e}"));
        assert!(
            is_excerpt(&code, &file),
            "README block ({lang}) starting {first:?} is not an excerpt of {path}"
        );
        checked += 1;
    }
    // One example per binding and the core, at least.
    assert!(checked >= 4, "only {checked} tested examples in README.md");
}

#[test]
fn the_checker_notices_a_drifted_block() {
    let md = "<!-- tested: x -->\n```c\nint a;\n```\n\nsome text\n```python\nb\n```\n";
    let b = blocks(md);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0], ("c".into(), Some("x".into()), "int a;\n".into()));
    // Text between the comment and the block detaches the comment.
    assert_eq!(b[1].1, None);

    let file = "fn f() {\n    let a = 1;\n\n    let b = 2;\n}\n";
    assert!(is_excerpt("let a = 1;\n\nlet b = 2;\n", file));
    assert!(is_excerpt("    let b = 2;\n}\n", file));
    assert!(!is_excerpt("let a = 1;\nlet b = 2;\n", file));
    assert!(!is_excerpt("let a = 2;\n", file));
    // One indent for all lines, not a different one per line.
    assert!(!is_excerpt("fn f() {\nlet a = 1;\n", file));
}
