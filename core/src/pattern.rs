//! Patterns for identities and subjects: exact text, text ending in `*` (any string with that
//! prefix), or text starting with `*` (any string with that suffix, e.g. `*@vendor.example`).
//! A `*` is a wildcard only as the last character, or else as the first; anywhere else it is an
//! ordinary character. Deliberately tiny, so that what a trust file allows is obvious.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pattern<'a> {
    Exact(&'a str),
    Prefix(&'a str),
    Suffix(&'a str),
}

fn parse(p: &str) -> Pattern<'_> {
    if let Some(prefix) = p.strip_suffix('*') {
        Pattern::Prefix(prefix)
    } else if let Some(suffix) = p.strip_prefix('*') {
        Pattern::Suffix(suffix)
    } else {
        Pattern::Exact(p)
    }
}

/// Whether `pattern` matches `s`.
pub fn pattern_matches(pattern: &str, s: &str) -> bool {
    match parse(pattern) {
        Pattern::Exact(e) => s == e,
        Pattern::Prefix(p) => s.starts_with(p),
        Pattern::Suffix(x) => s.ends_with(x),
    }
}

/// Whether everything `inner` matches is also matched by `outer` (the narrowing check along a
/// certificate chain).
pub fn pattern_covers(outer: &str, inner: &str) -> bool {
    match (parse(outer), parse(inner)) {
        (Pattern::Exact(o), Pattern::Exact(i)) => o == i,
        (Pattern::Exact(_), _) => false,
        (Pattern::Prefix(p), Pattern::Exact(i) | Pattern::Prefix(i)) => i.starts_with(p),
        // Only `*` itself covers a suffix pattern among prefix patterns.
        (Pattern::Prefix(p), Pattern::Suffix(_)) => p.is_empty(),
        (Pattern::Suffix(x), Pattern::Exact(i) | Pattern::Suffix(i)) => i.ends_with(x),
        (Pattern::Suffix(_), Pattern::Prefix(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        assert!(pattern_matches("app", "app"));
        assert!(!pattern_matches("app", "app-1"));
        assert!(pattern_matches("app-*", "app-"));
        assert!(pattern_matches("app-*", "app-x86"));
        assert!(!pattern_matches("app-*", "app"));
        assert!(pattern_matches("*", ""));
        assert!(pattern_matches("*", "anything"));
        assert!(pattern_matches("*@vendor.example", "ci@vendor.example"));
        assert!(!pattern_matches(
            "*@vendor.example",
            "ci@vendor.example.evil"
        ));
        // A star in the middle is literal.
        assert!(!pattern_matches("a*b", "axb"));
        assert!(pattern_matches("a*b", "a*b"));
    }

    #[test]
    fn covering() {
        assert!(pattern_covers("app-*", "app-linux-*"));
        assert!(pattern_covers("app-*", "app-1.0"));
        assert!(pattern_covers("app-1.0", "app-1.0"));
        assert!(!pattern_covers("app-1.0", "app-*"));
        assert!(!pattern_covers("app-linux-*", "app-*"));
        assert!(pattern_covers("*", "*"));
        assert!(pattern_covers("*", "*@x"));
        assert!(!pattern_covers("app-*", "*"));
        assert!(pattern_covers("*@vendor.example", "*.ci@vendor.example"));
        assert!(pattern_covers("*@vendor.example", "a@vendor.example"));
        assert!(!pattern_covers("*@vendor.example", "*"));
        assert!(!pattern_covers("*@vendor.example", "a*"));
        assert!(!pattern_covers("a*", "*@vendor.example"));
    }
}
