//! Saved scans in SQLite: each scan's time, tool version, policy hash, inputs (and the git
//! commit they were read at), inventory and every verdict. The file is encguard's only if
//! its `application_id` says so; a file of another program, a corrupt one, or one written
//! by a newer encguard is an error and is never written to.

use crate::Reported;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// The SQLite `application_id` of an encguard store ("encg").
const APPLICATION_ID: i32 = 0x656e_6367;
/// The schema this encguard writes; older stores are migrated (a copy is kept first).
pub const SCHEMA_VERSION: i32 = 2;

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

/// What cannot be done with a store file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not an encguard store, or cannot be read as SQLite.
    #[error("{path}: not an encguard history store ({why}); it is left as it is")]
    Foreign {
        /// The file.
        path: String,
        /// What was found instead.
        why: String,
    },
    /// The store was written by a newer encguard.
    #[error("{path}: written by a newer encguard (schema {found}, this one reads up to {SCHEMA_VERSION})")]
    Newer {
        /// The file.
        path: String,
        /// Its schema version.
        found: i32,
    },
    /// A scan that is not in the store.
    #[error("no saved scan {0}")]
    NoScan(String),
    /// SQLite failed.
    #[error("{path}: {source}")]
    Sqlite {
        /// The file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file or its directory could not be made.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A scan to save.
pub struct NewScan<'a> {
    /// RFC 3339, UTC.
    pub time: &'a str,
    /// The encguard version that made it.
    pub tool_version: &'a str,
    /// A hash of the policy file's text, to tell scans under other policies apart.
    pub policy_hash: &'a str,
    /// What was scanned, one per line (paths from the store's root, or accounts and regions).
    pub inputs: &'a str,
    /// The git commit the paths were read at, when they are in a repository.
    pub git_commit: Option<&'a str>,
    /// The inventory, as JSON.
    pub inventory: &'a str,
    /// Every verdict, with whether it is suppressed.
    pub findings: Vec<(Reported, bool)>,
}

impl NewScan<'_> {
    /// How many of its findings have `status` and are not suppressed.
    fn open(&self, status: &str) -> i64 {
        self.findings.iter().filter(|(f, suppressed)| !suppressed && f.status == status).count() as i64
    }
}

/// A saved scan, as `history` lists it.
#[derive(Debug, serde::Serialize)]
pub struct ScanSummary {
    /// Its number in the store.
    pub id: i64,
    /// When it ran.
    pub time: String,
    /// What it scanned.
    pub inputs: String,
    /// The git commit, if any.
    pub git_commit: Option<String>,
    /// Open failures.
    pub failures: i64,
    /// Open unknowns.
    pub unknowns: i64,
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: String,
    migrated: Option<PathBuf>,
}

impl Store {
    /// Opens the store at `path`, making it (and its directory) when it does not exist.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
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
        let foreign = |why: String| StoreError::Foreign { path: shown.clone(), why };
        let application: i32 =
            conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| foreign(e.to_string()))?;
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sqlite)?;
        if existed && application != APPLICATION_ID {
            return Err(foreign("another program's SQLite database".into()));
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer { path: shown, found: version });
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
            return Ok(Store { conn, path: shown, migrated: Some(backup_path(path, version)) });
        }
        Ok(Store { conn, path: shown, migrated: None })
    }

    /// Where the copy of the store is kept, when opening it migrated it to this schema.
    pub fn migrated(&self) -> Option<&Path> {
        self.migrated.as_deref()
    }

    fn sqlite(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite { path: self.path.clone(), source }
    }

    /// Saves a scan; returns its number.
    pub fn save(&mut self, scan: &NewScan) -> Result<i64, StoreError> {
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

    /// The saved scans, oldest first.
    pub fn history(&self) -> Result<Vec<ScanSummary>, StoreError> {
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

    /// The open findings (failures and unknowns that nothing suppresses) of scan `id`.
    pub fn open_findings(&self, id: i64) -> Result<Vec<Reported>, StoreError> {
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

    /// The inventory scan `id` read, as JSON.
    pub fn inventory(&self, id: i64) -> Result<String, StoreError> {
        self.conn
            .query_row("SELECT inventory FROM scans WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(self.sqlite())?
            .ok_or_else(|| StoreError::NoScan(id.to_string()))
    }

    /// The last two scans of the same inputs as the last scan: (older, newer).
    pub fn last_two(&self) -> Result<(i64, i64), StoreError> {
        let history = self.history()?;
        let newer = history.last().ok_or_else(|| StoreError::NoScan("to compare: none is saved".into()))?;
        let older = history
            .iter()
            .rev()
            .skip(1)
            .find(|s| s.inputs == newer.inputs)
            .ok_or_else(|| StoreError::NoScan(format!("before {} of the same inputs", newer.id)))?;
        Ok((older.id, newer.id))
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
        Ok(_) => Err(StoreError::Foreign { path: shown.to_string(), why: "not a SQLite database".into() }),
        Err(source) => Err(StoreError::Io { path: shown.to_string(), source }),
    }
}

/// The commit checked out in the git work tree at `root`, read from `.git` itself.
pub fn git_commit(root: &Path) -> Option<String> {
    let git = root.join(".git");
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref: ") else {
        return Some(head.to_string());
    };
    if let Ok(commit) = std::fs::read_to_string(git.join(reference)) {
        return Some(commit.trim().to_string());
    }
    let packed = std::fs::read_to_string(git.join("packed-refs")).ok()?;
    packed.lines().find_map(|l| l.strip_suffix(reference).map(|c| c.trim().to_string()))
}

/// Where the store lives by default: `.encguard/history.db` at the root of the git work
/// tree holding `first` (a path scanned), else in the current directory.
pub fn default_path(first: &Path) -> PathBuf {
    let start = std::fs::canonicalize(first).unwrap_or_else(|_| first.to_path_buf());
    let root = start.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf);
    root.unwrap_or_else(|| PathBuf::from(".")).join(".encguard").join("history.db")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan<'a>(inputs: &'a str, findings: Vec<(Reported, bool)>) -> NewScan<'a> {
        NewScan {
            time: "2026-11-29T12:00:00Z",
            tool_version: "0",
            policy_hash: "p",
            inputs,
            git_commit: None,
            inventory: "{}",
            findings,
        }
    }

    fn finding(fingerprint: &str, status: &str) -> Reported {
        crate::reported(fingerprint, status)
    }

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

        let mut store = Store::open(&path).unwrap();
        let copy = store.migrated().expect("opening migrated it").to_path_buf();
        assert_eq!(copy, dir.join("history.db.schema-1.bak"));
        let history = store.history().unwrap();
        assert_eq!((history[0].failures, history[0].unknowns), (1, 1), "counted from the saved findings");
        store.save(&scan("a", vec![(finding("x", "fail"), false)])).unwrap();
        assert_eq!(store.history().unwrap()[1].failures, 1);
        drop(store);
        assert!(Store::open(&path).unwrap().migrated().is_none(), "migrated once");

        // The copy is the store as it was: schema 1, its scan, untouched by the new one.
        let old = Connection::open(&copy).unwrap();
        let version: i32 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        let scans: i64 = old.query_row("SELECT count(*) FROM scans", [], |r| r.get(0)).unwrap();
        assert_eq!((version, scans), (1, 1));
    }

    #[test]
    fn scans_are_saved_listed_and_compared_and_foreign_files_refused() {
        let dir = std::env::temp_dir().join(format!("encguard-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join(".encguard/history.db");
        let mut store = Store::open(&path).unwrap();
        store.save(&scan("a", vec![(finding("x", "fail"), false), (finding("y", "fail"), true)])).unwrap();
        store.save(&scan("other", vec![])).unwrap();
        store.save(&scan("a", vec![(finding("z", "unknown"), false), (finding("p", "pass"), false)])).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let history = store.history().unwrap();
        assert_eq!(
            history.iter().map(|s| (s.id, s.failures, s.unknowns)).collect::<Vec<_>>(),
            [(1, 1, 0), (2, 0, 0), (3, 0, 1)]
        );
        assert_eq!(store.last_two().unwrap(), (1, 3), "the last two scans of the same inputs");
        assert_eq!(store.open_findings(3).unwrap(), vec![finding("z", "unknown")]);
        assert!(matches!(store.open_findings(9), Err(StoreError::NoScan(_))));

        let foreign = dir.join("notes.db");
        std::fs::write(&foreign, "plain text").unwrap();
        assert!(matches!(Store::open(&foreign), Err(StoreError::Foreign { .. })));
        assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "plain text", "never written");
        let other = dir.join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        assert!(matches!(Store::open(&other), Err(StoreError::Foreign { .. })));
    }
}
