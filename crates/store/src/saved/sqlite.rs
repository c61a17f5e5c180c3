//! The store in one SQLite file: encguard's only if its `application_id` says so; a file of
//! another program, a corrupt one, or one written by a newer encguard is an error and is
//! never written to. An older store is copied, then migrated.

use super::{Backend, NewScan, ScanSummary, StoreError, SCHEMA_VERSION};
use crate::Reported;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// The SQLite `application_id` of an encguard store ("encg").
const APPLICATION_ID: i32 = 0x656e_6367;

/// A new store's schema: the first, then every migration.
const SCHEMA: &str = "
CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    policy_hash TEXT NOT NULL,
    inputs TEXT NOT NULL,
    git_commit TEXT,
    inventory TEXT NOT NULL
);
CREATE TABLE findings (
    scan INTEGER NOT NULL REFERENCES scans(id),
    rule TEXT NOT NULL,
    resource TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    location TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    suppressed INTEGER NOT NULL
);
CREATE INDEX findings_by_scan ON findings(scan);
";

/// `MIGRATIONS[i]` takes a store from schema `i + 1` to `i + 2`.
const MIGRATIONS: &[&str] = &[
    // 2: each scan's open failures and unknowns, counted once when saved rather than on
    // every listing of the history.
    "ALTER TABLE scans ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE scans ADD COLUMN unknowns INTEGER NOT NULL DEFAULT 0;
     UPDATE scans SET
       failures = (SELECT count(*) FROM findings f WHERE f.scan = scans.id AND f.status = 'fail' AND f.suppressed = 0),
       unknowns = (SELECT count(*) FROM findings f WHERE f.scan = scans.id AND f.status = 'unknown' AND f.suppressed = 0);",
];

/// An open SQLite store.
pub(super) struct Sqlite {
    conn: Connection,
    path: String,
}

impl Sqlite {
    /// Opens the store at `path`, making it (and its directory) when it does not exist.
    /// With the store, where its copy was kept when opening migrated it.
    pub(super) fn open(path: &Path) -> Result<(Sqlite, Option<String>), StoreError> {
        let shown = path.display().to_string();
        let io = |source| StoreError::Io { path: shown.clone(), source };
        let sqlite = |source| StoreError::Sqlite { path: shown.clone(), source };
        // An empty file (made by `touch`) is a new store.
        let existed = path.metadata().is_ok_and(|m| m.len() > 0);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        if existed {
            check_header(path, &shown)?;
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)
            .map_err(sqlite)?;
        let foreign = |why: String| StoreError::Foreign { store: shown.clone(), why };
        let application: i32 =
            conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| foreign(e.to_string()))?;
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sqlite)?;
        if existed && application != APPLICATION_ID {
            return Err(foreign("another program's SQLite database".into()));
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer { store: shown, found: version });
        }
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sqlite)?;
        if version == 0 {
            conn.execute_batch(SCHEMA).map_err(sqlite)?;
            for step in MIGRATIONS {
                conn.execute_batch(step).map_err(sqlite)?;
            }
            conn.pragma_update(None, "application_id", APPLICATION_ID).map_err(sqlite)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(sqlite)?;
        } else if version < SCHEMA_VERSION {
            let conn = migrate(conn, path, version).map_err(sqlite)?;
            let copy = backup_path(path, version).display().to_string();
            return Ok((Sqlite { conn, path: shown }, Some(copy)));
        }
        Ok((Sqlite { conn, path: shown }, None))
    }

    fn sqlite(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite { path: self.path.clone(), source }
    }
}

impl Backend for Sqlite {
    fn save(&mut self, scan: &NewScan) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let sqlite = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(sqlite)?;
        tx.execute(
            "INSERT INTO scans (time, tool_version, policy_hash, inputs, git_commit, inventory, failures, unknowns)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                scan.time,
                scan.tool_version,
                scan.policy_hash,
                scan.inputs,
                scan.git_commit,
                scan.inventory,
                scan.open("fail"),
                scan.open("unknown")
            ],
        )
        .map_err(sqlite)?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO findings (scan, rule, resource, status, severity, message, location, fingerprint, suppressed)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(sqlite)?;
            for (f, suppressed) in &scan.findings {
                insert
                    .execute(params![
                        id,
                        f.rule,
                        f.resource,
                        f.status,
                        f.severity,
                        f.message,
                        f.location,
                        f.fingerprint,
                        suppressed
                    ])
                    .map_err(sqlite)?;
            }
        }
        tx.commit().map_err(sqlite)?;
        Ok(id)
    }

    fn history(&mut self) -> Result<Vec<ScanSummary>, StoreError> {
        let mut query = self
            .conn
            .prepare("SELECT id, time, inputs, git_commit, failures, unknowns FROM scans ORDER BY id")
            .map_err(self.sqlite())?;
        let rows = query
            .query_map([], |r| {
                Ok(ScanSummary {
                    id: r.get(0)?,
                    time: r.get(1)?,
                    inputs: r.get(2)?,
                    git_commit: r.get(3)?,
                    failures: r.get(4)?,
                    unknowns: r.get(5)?,
                })
            })
            .map_err(self.sqlite())?;
        rows.collect::<Result<_, _>>().map_err(self.sqlite())
    }

    fn open_findings(&mut self, id: i64) -> Result<Vec<Reported>, StoreError> {
        let exists: i64 = self
            .conn
            .query_row("SELECT count(*) FROM scans WHERE id = ?1", [id], |r| r.get(0))
            .map_err(self.sqlite())?;
        if exists == 0 {
            return Err(StoreError::NoScan(id.to_string()));
        }
        let mut query = self
            .conn
            .prepare(
                "SELECT rule, resource, status, severity, message, location, fingerprint FROM findings
                 WHERE scan = ?1 AND suppressed = 0 AND status IN ('fail', 'unknown') ORDER BY rowid",
            )
            .map_err(self.sqlite())?;
        let rows = query
            .query_map([id], |r| {
                Ok(Reported {
                    rule: r.get(0)?,
                    resource: r.get(1)?,
                    status: r.get(2)?,
                    severity: r.get(3)?,
                    message: r.get(4)?,
                    location: r.get(5)?,
                    fingerprint: r.get(6)?,
                })
            })
            .map_err(self.sqlite())?;
        rows.collect::<Result<_, _>>().map_err(self.sqlite())
    }

    fn inventory(&mut self, id: i64) -> Result<String, StoreError> {
        self.conn
            .query_row("SELECT inventory FROM scans WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(self.sqlite())?
            .ok_or_else(|| StoreError::NoScan(id.to_string()))
    }
}

/// Where the copy of a store of schema `version` is kept when it is migrated.
pub fn backup_path(path: &Path, version: i32) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".schema-{version}.bak"));
    path.with_file_name(name)
}

/// Migrates a store of schema `version` to this one, after keeping a consistent copy of it
/// (`VACUUM INTO`, which holds what the write-ahead log holds too). The steps run in one
/// transaction: a failure leaves the store as it was.
fn migrate(mut conn: Connection, path: &Path, version: i32) -> rusqlite::Result<Connection> {
    let backup = backup_path(path, version);
    if !backup.exists() {
        conn.execute("VACUUM INTO ?1", [backup.to_string_lossy()])?;
    }
    let tx = conn.transaction()?;
    for step in &MIGRATIONS[(version - 1) as usize..] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(conn)
}

/// An existing file is opened only if it is a SQLite database (its first 16 bytes).
fn check_header(path: &Path, shown: &str) -> Result<(), StoreError> {
    let mut head = [0u8; 16];
    let read = std::fs::File::open(path).and_then(|mut f| std::io::Read::read(&mut f, &mut head));
    match read {
        Ok(0) => Ok(()),
        Ok(_) if &head == b"SQLite format 3\0" => Ok(()),
        Ok(_) => Err(StoreError::Foreign { store: shown.to_string(), why: "not a SQLite database".into() }),
        Err(source) => Err(StoreError::Io { path: shown.to_string(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{tests::scan, Location, Store};
    use super::*;

    /// A store of the first schema, as encguard wrote it then.
    const SCHEMA_1: &str = "
        CREATE TABLE scans (id INTEGER PRIMARY KEY, time TEXT NOT NULL, tool_version TEXT NOT NULL,
            policy_hash TEXT NOT NULL, inputs TEXT NOT NULL, git_commit TEXT, inventory TEXT NOT NULL);
        CREATE TABLE findings (scan INTEGER NOT NULL REFERENCES scans(id), rule TEXT NOT NULL, resource TEXT NOT NULL,
            status TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, location TEXT NOT NULL,
            fingerprint TEXT NOT NULL, suppressed INTEGER NOT NULL);
        CREATE INDEX findings_by_scan ON findings(scan);
        INSERT INTO scans VALUES (1, '2026-11-01T00:00:00Z', '0.1.0', 'p', 'a', NULL, '{}');
        INSERT INTO findings VALUES (1, 'S3-004', 'b', 'fail', 'high', 'm', 'main.tf:1:1', 'x', 0);
        INSERT INTO findings VALUES (1, 'S3-004', 'c', 'fail', 'high', 'm', 'main.tf:5:1', 'y', 1);
        INSERT INTO findings VALUES (1, 'KMS-001', 'k', 'unknown', 'medium', 'm', 'main.tf:9:1', 'z', 0);
        PRAGMA application_id = 1701733223;
        PRAGMA user_version = 1;";

    #[test]
    fn an_older_store_is_copied_then_migrated() {
        let dir = std::env::temp_dir().join(format!("encguard-store-migrate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("history.db");
        Connection::open(&path).unwrap().execute_batch(SCHEMA_1).unwrap();
        let location = Location::File(path.clone());

        let mut store = Store::open(&location).unwrap();
        let copy = store.migrated().expect("opening migrated it").to_string();
        assert_eq!(copy, dir.join("history.db.schema-1.bak").display().to_string());
        let history = store.history().unwrap();
        assert_eq!((history[0].failures, history[0].unknowns), (1, 1), "counted from the saved findings");
        store.save(&scan("a", vec![(crate::reported("x", "fail"), false)])).unwrap();
        assert_eq!(store.history().unwrap()[1].failures, 1);
        drop(store);
        assert!(Store::open(&location).unwrap().migrated().is_none(), "migrated once");

        // The copy is the store as it was: schema 1, its scan, untouched by the new one.
        let old = Connection::open(&copy).unwrap();
        let version: i32 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        let scans: i64 = old.query_row("SELECT count(*) FROM scans", [], |r| r.get(0)).unwrap();
        assert_eq!((version, scans), (1, 1));
    }

    #[test]
    fn files_that_are_not_stores_are_refused_and_left_as_they_are() {
        let dir = std::env::temp_dir().join(format!("encguard-store-foreign-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let foreign = dir.join("notes.db");
        std::fs::write(&foreign, "plain text").unwrap();
        assert!(matches!(Store::open(&Location::File(foreign.clone())), Err(StoreError::Foreign { .. })));
        assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "plain text", "never written");
        let other = dir.join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        assert!(matches!(Store::open(&Location::File(other)), Err(StoreError::Foreign { .. })));
    }
}
