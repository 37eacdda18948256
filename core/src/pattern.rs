//! Patterns for identities and subjects: exact text, or text ending in one `*` that matches any
//! string starting with the text before it. Deliberately tiny: no other wildcard, no escaping,
//! so that what a pattern allows is obvious to whoever reads a trust file.

/// Whether `pattern` matches `s`.
pub fn pattern_matches(pattern: &str, s: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => s.starts_with(prefix),
        None => pattern == s,
    }
}

/// Whether everything `inner` matches is also matched by `outer` (the narrowing check along a
/// certificate chain): equal patterns, or `outer` is a prefix pattern whose prefix `inner`
/// starts with.
pub fn pattern_covers(outer: &str, inner: &str) -> bool {
    if outer == inner {
        return true;
    }
    match outer.strip_suffix('*') {
        Some(prefix) => inner.starts_with(prefix),
        None => false,
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
        // Only a trailing star is a wildcard.
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
        assert!(!pattern_covers("app-*", "*"));
    }
}
