//! Formatting shared by the commands: hex, times, content types, and the facts of a verified
//! or inspected envelope.

use std::fmt::Write as _;

use sealkit::{ContentType, Envelope, Verified};
use serde_json::{json, Map, Value};

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Whether `c` could change what a terminal shows without being seen itself: control
/// characters (escape sequences) and the invisible format characters, among them the
/// bidirectional overrides that can make `update-\u{202e}zg.exe` read as `update-exe.gz`.
pub fn is_deceptive(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{034f}'
                | '\u{061c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{17b4}'
                | '\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff0}'..='\u{fffb}'
                | '\u{e0000}'..='\u{e0fff}'
        )
}

/// Text from an envelope made safe for a terminal: control characters and invisible format
/// characters (see [`is_deceptive`]) are shown escaped.
pub fn printable(s: &str) -> String {
    if !s.chars().any(is_deceptive) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else if is_deceptive(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// Seconds since the Unix epoch as an RFC 3339 UTC time, e.g. `2024-05-01T12:00:00Z`.
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A content type as text: the media type, or `coap-content-format:N` for a CoAP number
/// sealkit does not know by name.
pub fn content_type(ct: ContentType<'_>) -> String {
    match (ct.media_type(), ct) {
        (Some(m), _) => m.to_string(),
        (None, ContentType::CoapFormat(n)) => format!("coap-content-format:{n}"),
        (None, ContentType::MediaType(m)) => m.to_string(),
    }
}

/// A size with its unit, e.g. `4194304 bytes (4.0 MiB)`.
pub fn size(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = "KiB";
    for u in UNITS.iter().skip(1) {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{n} bytes ({v:.1} {unit})")
}

/// The verified facts as JSON fields.
pub fn verified_json(v: &Verified) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("key_id".into(), json!(v.key_id().to_string()));
    m.insert("alg".into(), json!(v.alg().name()));
    m.insert("identity".into(), json!(v.identity()));
    m.insert("subject".into(), json!(v.subject()));
    m.insert("content_type".into(), json!(content_type(v.content_type())));
    m.insert("version".into(), json!(v.version()));
    m.insert("length".into(), json!(v.length()));
    m.insert("hash_alg".into(), json!(v.digest().alg().name()));
    m.insert("digest".into(), json!(hex(v.digest().as_bytes())));
    m.insert("issued_at".into(), json!(v.issued_at()));
    m.insert("issued_at_utc".into(), json!(utc(v.issued_at())));
    m
}

/// The verified facts as `name: value` lines, each starting with `indent`.
pub fn verified_lines(v: &Verified, indent: &str) -> String {
    let rows: [(&str, String); 8] = [
        ("key id", format!("{} ({})", v.key_id(), v.alg().name())),
        (
            "identity",
            v.identity()
                .map_or_else(|| "(none stated)".to_string(), printable),
        ),
        ("subject", printable(v.subject())),
        (
            "version",
            v.version()
                .map_or_else(|| "(none stated)".to_string(), |n| n.to_string()),
        ),
        ("content type", printable(&content_type(v.content_type()))),
        ("length", size(v.length())),
        (
            "digest",
            format!("{}:{}", v.digest().alg().name(), hex(v.digest().as_bytes())),
        ),
        (
            "signed at",
            format!("{} ({})", utc(v.issued_at()), v.issued_at()),
        ),
    ];
    let mut s = String::new();
    for (name, value) in rows {
        let _ = writeln!(s, "{indent}{:<13} {value}", format!("{name}:"));
    }
    s
}

/// An envelope's unverified fields as JSON.
pub fn envelope_json(env: &Envelope<'_>, size: usize) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("alg".into(), json!(env.unverified_alg().name()));
    m.insert("alg_id".into(), json!(env.unverified_alg().cose_id()));
    m.insert("key_id".into(), json!(env.unverified_kid().to_string()));
    m.insert("hash_alg".into(), json!(env.unverified_hash_alg().name()));
    m.insert(
        "content_type".into(),
        json!(content_type(env.unverified_content_type())),
    );
    m.insert("identity".into(), json!(env.unverified_issuer()));
    m.insert("subject".into(), json!(env.unverified_subject()));
    m.insert("issued_at".into(), json!(env.unverified_issued_at()));
    m.insert(
        "issued_at_utc".into(),
        json!(utc(env.unverified_issued_at())),
    );
    m.insert("length".into(), json!(env.unverified_length()));
    m.insert("version".into(), json!(env.unverified_version()));
    m.insert("digest".into(), json!(hex(env.unverified_digest())));
    m.insert("signature".into(), json!(hex(env.signature())));
    m.insert("envelope_size".into(), json!(size));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(4_102_444_799), "2099-12-31T23:59:59Z");
        // No panic or overflow at the extreme.
        assert!(!utc(u64::MAX).is_empty());
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("plain name.tar"), "plain name.tar");
        assert_eq!(printable("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\n");
        assert_eq!(printable("x\u{202e}y\u{feff}"), "x\\u{202e}y\\u{feff}");
    }

    #[test]
    fn sizes_and_hex() {
        assert_eq!(size(5), "5 bytes");
        assert_eq!(size(4 << 20), "4194304 bytes (4.0 MiB)");
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
