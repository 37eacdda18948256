//! The audit log: every issued certificate and timestamp, append-only and hash-chained, in an
//! SQLite database; and the set of token hashes already used (replay protection).
//!
//! Each entry's `entry_hash` is SHA-256 over a canonical encoding of all its other fields and
//! the previous entry's hash (see [`entry_hash`]), so that editing, deleting or reordering rows
//! breaks the chain from that row on. SQL triggers refuse UPDATE and DELETE on the table, which
//! stops mistakes; the chain is what detects deliberate tampering by someone who can write the
//! file. Deleting the newest rows is detected through SQLite's AUTOINCREMENT counter as long as
//! it is not edited too; against an attacker who rewrites the whole tail, publish or copy the
//! head hash elsewhere (`sealkit issuer log --verify` prints it).

use std::path::Path;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension as _, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::error::StartError;

/// The domain separation prefix of [`entry_hash`].
pub const HASH_DOMAIN: &[u8] = b"sealkit-issuer-audit-v1\x00";
/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_log (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    time          INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('certificate', 'timestamp')),
    identity      TEXT,
    provider      TEXT,
    token_sha256  TEXT,
    key_id        TEXT,
    cti           TEXT,
    digest        TEXT,
    issued_sha256 TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    entry_hash    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS used_tokens (
    token_sha256 TEXT PRIMARY KEY,
    expires      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS used_tokens_expires ON used_tokens (expires);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A key certificate.
    Certificate,
    /// A timestamp receipt.
    Timestamp,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Certificate => "certificate",
            Kind::Timestamp => "timestamp",
        }
    }
}

/// The fields of a new entry (hashes are lowercase hex).
#[derive(Clone, Debug, Default)]
pub struct NewEntry {
    /// Seconds since the Unix epoch.
    pub time: u64,
    /// `certificate` or `timestamp`.
    pub kind: Option<Kind>,
    /// The identity granted (certificates).
    pub identity: Option<String>,
    /// The provider (`iss`) of the token (certificates).
    pub provider: Option<String>,
    /// SHA-256 of the token (certificates); never the token.
    pub token_sha256: Option<String>,
    /// The certified key's id (certificates).
    pub key_id: Option<String>,
    /// The certificate id (certificates).
    pub cti: Option<String>,
    /// The envelope digest (timestamps).
    pub digest: Option<String>,
    /// SHA-256 of the issued certificate or receipt.
    pub issued_sha256: String,
}

/// One stored entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// `certificate` or `timestamp`.
    pub kind: String,
    /// The identity granted (certificates).
    pub identity: Option<String>,
    /// The token's provider (certificates).
    pub provider: Option<String>,
    /// SHA-256 of the token (certificates).
    pub token_sha256: Option<String>,
    /// The certified key's id (certificates).
    pub key_id: Option<String>,
    /// The certificate id (certificates).
    pub cti: Option<String>,
    /// The envelope digest (timestamps).
    pub digest: Option<String>,
    /// SHA-256 of the issued certificate or receipt.
    pub issued_sha256: String,
    /// The previous entry's hash (`GENESIS` for the first).
    pub prev_hash: String,
    /// This entry's hash.
    pub entry_hash: String,
}

fn field(h: &mut Sha256, v: Option<&str>) {
    match v {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            // Fields are far below 4 GiB; saturate rather than wrap if one ever were not.
            h.update(u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
            h.update(s.as_bytes());
        }
    }
}

/// `entry_hash`: SHA-256 over `HASH_DOMAIN || be64(seq) || be64(time) || F(kind) ||
/// F(identity) || F(provider) || F(token_sha256) || F(key_id) || F(cti) || F(digest) ||
/// F(issued_sha256) || F(prev_hash)`, where F(absent) = `00` and F(text) = `01 || be32(len) ||
/// UTF-8 bytes`; hashes are lowercase hex text; seq and time are two's complement.
pub fn entry_hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    h.update(HASH_DOMAIN);
    h.update(e.seq.to_be_bytes());
    h.update(e.time.to_be_bytes());
    field(&mut h, Some(&e.kind));
    field(&mut h, e.identity.as_deref());
    field(&mut h, e.provider.as_deref());
    field(&mut h, e.token_sha256.as_deref());
    field(&mut h, e.key_id.as_deref());
    field(&mut h, e.cti.as_deref());
    field(&mut h, e.digest.as_deref());
    field(&mut h, Some(&e.issued_sha256));
    field(&mut h, Some(&e.prev_hash));
    hex::encode(h.finalize())
}

/// Why an append failed.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The token was used before.
    #[error("the token was already used")]
    Replayed,
    /// The database failed.
    #[error("{0}")]
    Db(#[from] rusqlite::Error),
}

/// Where the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first sequence number that does not verify.
    pub seq: i64,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {} does not verify: {}", self.seq, self.reason)
    }
}

/// A verified chain: how many entries and the newest hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainHead {
    /// Number of entries.
    pub entries: i64,
    /// The newest `entry_hash` (`GENESIS` when empty).
    pub head: String,
}

/// The body of an append, inside the caller's transaction or savepoint.
fn append_in(
    conn: &Connection,
    new: &NewEntry,
    used_token: Option<(&str, u64)>,
) -> Result<Entry, AppendError> {
    let time = i64::try_from(new.time).unwrap_or(i64::MAX);
    if let Some((hash, expires)) = used_token {
        conn.execute("DELETE FROM used_tokens WHERE expires < ?1", params![time])?;
        let expires = i64::try_from(expires).unwrap_or(i64::MAX);
        let inserted = conn.execute(
            "INSERT OR IGNORE INTO used_tokens (token_sha256, expires) VALUES (?1, ?2)",
            params![hash, expires],
        )?;
        if inserted == 0 {
            return Err(AppendError::Replayed);
        }
    }
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_owned()));
    let mut e = Entry {
        seq: prev_seq.saturating_add(1),
        time,
        kind: new.kind.unwrap_or(Kind::Certificate).as_str().to_owned(),
        identity: new.identity.clone(),
        provider: new.provider.clone(),
        token_sha256: new.token_sha256.clone(),
        key_id: new.key_id.clone(),
        cti: new.cti.clone(),
        digest: new.digest.clone(),
        issued_sha256: new.issued_sha256.clone(),
        prev_hash,
        entry_hash: String::new(),
    };
    e.entry_hash = entry_hash(&e);
    conn.execute(
        &format!("INSERT INTO audit_log ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            e.seq,
            e.time,
            e.kind,
            e.identity,
            e.provider,
            e.token_sha256,
            e.key_id,
            e.cti,
            e.digest,
            e.issued_sha256,
            e.prev_hash,
            e.entry_hash
        ],
    )?;
    Ok(e)
}

/// An open audit database.
#[derive(Debug)]
pub struct AuditLog {
    conn: Connection,
}

const COLUMNS: &str = "seq, time, kind, identity, provider, token_sha256, key_id, cti, digest, issued_sha256, prev_hash, entry_hash";

fn row_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: r.get(0)?,
        time: r.get(1)?,
        kind: r.get(2)?,
        identity: r.get(3)?,
        provider: r.get(4)?,
        token_sha256: r.get(5)?,
        key_id: r.get(6)?,
        cti: r.get(7)?,
        digest: r.get(8)?,
        issued_sha256: r.get(9)?,
        prev_hash: r.get(10)?,
        entry_hash: r.get(11)?,
    })
}

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> StartError + '_ {
    move |e| StartError::Audit(format!("{}: {e}", path.display()))
}

impl AuditLog {
    /// Opens (creating if needed) the database for the service, and verifies its chain.
    pub fn open(path: &Path) -> Result<AuditLog, StartError> {
        let err = db_err(path);
        let conn = Connection::open(path).map_err(&err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(&err)?;
        // Durable before the response: an issued certificate is always in the log.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(&err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(&err)?;
        conn.execute_batch(SCHEMA).map_err(&err)?;
        let log = AuditLog { conn };
        if let Err(b) = log.verify().map_err(&err)? {
            return Err(StartError::Audit(format!(
                "{}: the audit log's hash chain is broken: {b}; refusing to append to it",
                path.display()
            )));
        }
        Ok(log)
    }

    /// Opens an existing database read-only (for listing and verifying).
    pub fn open_read_only(path: &Path) -> Result<AuditLog, StartError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_err(path))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err(path))?;
        Ok(AuditLog { conn })
    }

    /// Appends one entry; with `used_token` (SHA-256 hex, expiry), first records the token as
    /// used, failing with [`AppendError::Replayed`] if it was. One transaction: either the
    /// token is marked used and the entry is committed, or neither.
    pub fn append(
        &mut self,
        new: &NewEntry,
        used_token: Option<(&str, u64)>,
    ) -> Result<Entry, AppendError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let e = append_in(&tx, new, used_token)?;
        tx.commit()?;
        Ok(e)
    }

    /// Appends several entries in one transaction (one disk sync for all: group commit). Each
    /// entry is inside its own savepoint, so a replayed token fails only its own entry. The
    /// outer error means the transaction failed and nothing was appended.
    pub fn append_batch(
        &mut self,
        items: &[(&NewEntry, Option<(&str, u64)>)],
    ) -> Result<Vec<Result<Entry, AppendError>>, rusqlite::Error> {
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(items.len());
        for (new, used) in items {
            let sp = tx.savepoint()?;
            match append_in(&sp, new, *used) {
                Ok(e) => {
                    sp.commit()?;
                    results.push(Ok(e));
                }
                // Dropping the savepoint rolls it back.
                Err(AppendError::Replayed) => results.push(Err(AppendError::Replayed)),
                Err(AppendError::Db(e)) => return Err(e),
            }
        }
        tx.commit()?;
        Ok(results)
    }

    /// Calls `f` on every entry in order.
    pub fn for_each(&self, mut f: impl FnMut(Entry)) -> Result<(), rusqlite::Error> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"))?;
        let rows = stmt.query_map([], row_entry)?;
        for r in rows {
            f(r?);
        }
        Ok(())
    }

    /// Number of entries.
    pub fn len(&self) -> Result<i64, rusqlite::Error> {
        self.conn
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
    }

    /// Whether the log holds no entry.
    pub fn is_empty(&self) -> Result<bool, rusqlite::Error> {
        Ok(self.len()? == 0)
    }

    /// Recomputes the whole chain: `Ok(Ok(head))`, or `Ok(Err(first break))`.
    pub fn verify(&self) -> Result<Result<ChainHead, ChainBreak>, rusqlite::Error> {
        let mut expected_seq = 1i64;
        let mut prev = GENESIS.to_owned();
        let mut broken: Option<ChainBreak> = None;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"))?;
        let rows = stmt.query_map([], row_entry)?;
        for r in rows {
            let e = r?;
            let reason = if e.seq != expected_seq {
                Some(format!(
                    "entries {expected_seq} to {} are missing",
                    e.seq.saturating_sub(1)
                ))
            } else if e.prev_hash != prev {
                Some("its prev_hash is not the previous entry's hash (an entry before it was removed or replaced)".to_owned())
            } else if entry_hash(&e) != e.entry_hash {
                Some("its fields do not match its entry_hash (edited)".to_owned())
            } else {
                None
            };
            if let Some(reason) = reason {
                broken = Some(ChainBreak {
                    seq: expected_seq.min(e.seq),
                    reason,
                });
                break;
            }
            prev = e.entry_hash;
            expected_seq = expected_seq.saturating_add(1);
        }
        if let Some(b) = broken {
            return Ok(Err(b));
        }
        let last = expected_seq.saturating_sub(1);
        // AUTOINCREMENT remembers the largest seq ever used: rows deleted from the end show.
        let highest: Option<i64> = self
            .conn
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(h) = highest {
            if h > last {
                return Ok(Err(ChainBreak {
                    seq: last.saturating_add(1),
                    reason: format!("entries {} to {h} were deleted", last.saturating_add(1)),
                }));
            }
        }
        Ok(Ok(ChainHead {
            entries: last,
            head: prev,
        }))
    }

    /// Whether a token hash is recorded as used (for tests and diagnostics).
    pub fn token_used(&self, token_sha256: &str) -> Result<bool, rusqlite::Error> {
        self.conn
            .query_row(
                "SELECT 1 FROM used_tokens WHERE token_sha256 = ?1",
                params![token_sha256],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn entry(i: u64) -> NewEntry {
        NewEntry {
            time: 1_700_000_000 + i,
            kind: Some(Kind::Timestamp),
            digest: Some(format!("{i:064x}")),
            issued_sha256: format!("{:064x}", i + 100),
            ..NewEntry::default()
        }
    }

    #[test]
    fn chain_and_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let mut log = AuditLog::open(&path).unwrap();
        for i in 0..5 {
            log.append(&entry(i), None).unwrap();
        }
        let head = log.verify().unwrap().unwrap();
        assert_eq!(head.entries, 5);
        // Triggers stop edits through SQL.
        assert!(log
            .conn
            .execute("UPDATE audit_log SET time = 1 WHERE seq = 2", [])
            .is_err());
        assert!(log
            .conn
            .execute("DELETE FROM audit_log WHERE seq = 5", [])
            .is_err());
        drop(log);

        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
            .unwrap();
        conn.execute("UPDATE audit_log SET identity = 'x' WHERE seq = 3", [])
            .unwrap();
        drop(conn);
        let b = AuditLog::open_read_only(&path)
            .unwrap()
            .verify()
            .unwrap()
            .unwrap_err();
        assert_eq!(b.seq, 3);
        assert!(
            AuditLog::open(&path).is_err(),
            "refuses to start on a broken chain"
        );
    }

    #[test]
    fn deletions_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let mut log = AuditLog::open(&path).unwrap();
        for i in 0..4 {
            log.append(&entry(i), None).unwrap();
        }
        log.conn
            .execute_batch("DROP TRIGGER audit_log_no_delete;")
            .unwrap();
        log.conn
            .execute("DELETE FROM audit_log WHERE seq = 4", [])
            .unwrap();
        assert_eq!(log.verify().unwrap().unwrap_err().seq, 4);
        log.conn
            .execute("DELETE FROM audit_log WHERE seq = 2", [])
            .unwrap();
        assert_eq!(log.verify().unwrap().unwrap_err().seq, 2);
    }

    #[test]
    fn batches_commit_together_and_refuse_replays_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(&dir.path().join("a.sqlite")).unwrap();
        let (a, b) = ("aa".repeat(32), "bb".repeat(32));
        let cert = |i| NewEntry {
            kind: Some(Kind::Certificate),
            ..entry(i)
        };
        let (e1, e2, e3, e4) = (cert(1), cert(2), entry(3), cert(4));
        let items = [
            (&e1, Some((a.as_str(), u64::MAX >> 2))),
            (&e2, Some((a.as_str(), u64::MAX >> 2))),
            (&e3, None),
            (&e4, Some((b.as_str(), u64::MAX >> 2))),
        ];
        let r = log.append_batch(&items).unwrap();
        assert!(r[0].is_ok());
        assert!(matches!(r[1], Err(AppendError::Replayed)));
        assert_eq!(r[2].as_ref().unwrap().seq, 2);
        assert_eq!(r[3].as_ref().unwrap().seq, 3);
        assert_eq!(
            r[3].as_ref().unwrap().prev_hash,
            r[2].as_ref().unwrap().entry_hash
        );
        assert_eq!(log.verify().unwrap().unwrap().entries, 3);
    }

    #[test]
    fn replay() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AuditLog::open(&dir.path().join("a.sqlite")).unwrap();
        let h = "ab".repeat(32);
        let e = NewEntry {
            kind: Some(Kind::Certificate),
            time: 100,
            ..entry(1)
        };
        log.append(&e, Some((&h, 200))).unwrap();
        assert!(matches!(
            log.append(&e, Some((&h, 200))),
            Err(AppendError::Replayed)
        ));
        assert_eq!(log.len().unwrap(), 1);
        assert!(log.token_used(&h).unwrap());
        // Expired hashes are pruned by later appends.
        let later = NewEntry { time: 300, ..e };
        log.append(&later, Some((&"cd".repeat(32), 400))).unwrap();
        assert!(!log.token_used(&h).unwrap());
    }
}
