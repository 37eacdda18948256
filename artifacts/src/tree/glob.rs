//! Exclusion patterns: `*` (any run of characters but `/`) and `?` (one character but `/`);
//! a pattern without `/` matches a name at any depth, one with `/` the whole relative path.

use sealkit::MAX_TREE_EXCLUSION_LEN;

/// Whether `text` matches the whole `pattern`.
fn matches(pattern: &[char], text: &[char]) -> bool {
    // Iterative matching with one backtrack point for the last `*` (linear-ish, no recursion).
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match (pattern.get(p), text.get(t)) {
            (Some('*'), _) => {
                star = Some((p, t));
                p += 1;
            }
            (Some('?'), Some(c)) if *c != '/' => {
                p += 1;
                t += 1;
            }
            (Some(pc), Some(c)) if pc == c && *pc != '?' => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // `*` never swallows a `/`.
                Some((sp, st)) if text.get(st) != Some(&'/') => {
                    star = Some((sp, st + 1));
                    p = sp + 1;
                    t = st + 1;
                }
                _ => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// The exclusion patterns of one manifest.
#[derive(Debug, Default)]
pub struct Exclusions {
    patterns: Vec<(String, Vec<char>)>,
}

impl Exclusions {
    /// Checks, sorts and de-duplicates the patterns as the manifest requires.
    pub fn new<I: IntoIterator<Item = String>>(patterns: I) -> Result<Exclusions, String> {
        let mut list: Vec<String> = patterns.into_iter().collect();
        for p in &list {
            if p.is_empty() || p.len() > MAX_TREE_EXCLUSION_LEN || p.contains('\0') {
                return Err(format!(
                    "exclusion pattern {p:?} must be 1 to {MAX_TREE_EXCLUSION_LEN} bytes without NUL"
                ));
            }
        }
        list.sort();
        list.dedup();
        if list.len() > sealkit::MAX_TREE_EXCLUSIONS as usize {
            return Err(format!(
                "at most {} exclusion patterns",
                sealkit::MAX_TREE_EXCLUSIONS
            ));
        }
        Ok(Exclusions {
            patterns: list
                .into_iter()
                .map(|p| {
                    let chars = p.trim_matches('/').chars().collect();
                    (p, chars)
                })
                .collect(),
        })
    }

    /// The patterns as written in the manifest (sorted).
    pub fn patterns(&self) -> impl ExactSizeIterator<Item = &str> {
        self.patterns.iter().map(|(p, _)| p.as_str())
    }

    /// Whether `path` (relative, `/`-separated; `name` is its last component) is excluded.
    pub fn excludes(&self, path: &str, name: &str) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let path_chars: Vec<char> = path.chars().collect();
        let name_chars: Vec<char> = name.chars().collect();
        self.patterns.iter().any(|(p, chars)| {
            if p.trim_matches('/').contains('/') {
                matches(chars, &path_chars)
            } else {
                matches(chars, &name_chars)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ex(p: &[&str]) -> Exclusions {
        Exclusions::new(p.iter().map(|s| (*s).to_string())).unwrap()
    }

    #[test]
    fn patterns() {
        let e = ex(&["*.log", "cache", "build/tmp*", "a?c"]);
        assert!(e.excludes("x/y.log", "y.log"));
        assert!(e.excludes("cache", "cache"));
        assert!(e.excludes("deep/cache", "cache"));
        assert!(!e.excludes("cache2", "cache2"));
        assert!(e.excludes("build/tmp1", "tmp1"));
        assert!(!e.excludes("x/build/tmp1", "tmp1"));
        assert!(e.excludes("abc", "abc"));
        assert!(!e.excludes("ac", "ac"));
        assert!(!ex(&["a*"]).excludes("b/a", "zz"));
        assert!(!ex(&["a/*"]).excludes("a/b/c", "c"));
        assert!(ex(&["a/*/c"]).excludes("a/b/c", "c"));
        assert!(ex(&["*"]).excludes("x", "x"));
    }

    #[test]
    fn list_is_sorted_and_checked() {
        let e = ex(&["b", "a", "b"]);
        assert_eq!(e.patterns().collect::<Vec<_>>(), ["a", "b"]);
        assert!(Exclusions::new([String::new()]).is_err());
    }
}
