//! Saved scans: each scan's time, tool version, policy hash, inputs (and the git commit
//! they were read at), inventory and every verdict — in a SQLite file ([`sqlite`]) or a
//! PostgreSQL database many runners share ([`postgres`]), with the same tables and the
//! same answers.

#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

use crate::Reported;
use std::path::{Path, PathBuf};

#[cfg(feature = "postgres")]
#[doc(hidden)]
pub use postgres::testing as postgres_testing;
pub use sqlite::backup_path;

/// The schema this encguard writes; older stores are migrated (a copy is kept first).
pub const SCHEMA_VERSION: i32 = 2;

/// Where a store is: a file, or a PostgreSQL database (`postgres://` or `postgresql://`).
/// Shown (and debugged) without the URL's password.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl std::str::FromStr for Location {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Location, Self::Err> {
        Ok(if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_string())
        } else {
            Location::File(PathBuf::from(text))
        })
    }
}

impl std::fmt::Display for Location {
    /// A file's path; a URL without its password, which is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "Location({self})")
    }
}

/// `url` as it may be shown: its user without a password, its hosts and database, and of
/// its settings only those known to hold no secret. The user part is everything before the
/// last `@`, so that a password holding `/`, `?` or `@` is hidden whole.
fn without_password(url: &str) -> String {
    const SHOWN: &[&str] = &["sslmode", "sslrootcert", "connect_timeout", "application_name", "target_session_attrs"];
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (user, rest) = match rest.rsplit_once('@') {
        Some((user, rest)) => {
            let hidden = if user.contains(':') { ":***" } else { "" };
            (format!("{}{hidden}@", user.split(':').next().unwrap_or_default()), rest)
        }
        None => (String::new(), rest),
    };
    let (place, query) = rest.split_once('?').unwrap_or((rest, ""));
    let kept: Vec<&str> = query.split('&').filter(|p| SHOWN.iter().any(|k| p.split('=').next() == Some(*k))).collect();
    let query = if kept.is_empty() { String::new() } else { format!("?{}", kept.join("&")) };
    format!("{scheme}://{user}{place}{query}")
}

/// What cannot be done with a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file or database is not an encguard store, or cannot be read as one.
    #[error("{store}: not an encguard history store ({why}); it is left as it is")]
    Foreign {
        /// The file or database.
        store: String,
        /// What was found instead.
        why: String,
    },
    /// The store was written by a newer encguard.
    #[error("{store}: written by a newer encguard (schema {found}, this one reads up to {SCHEMA_VERSION})")]
    Newer {
        /// The file or database.
        store: String,
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
    /// PostgreSQL failed, or could not be reached.
    #[cfg(feature = "postgres")]
    #[error("{store}: {}", with_causes(source))]
    Postgres {
        /// The database, without its password.
        store: String,
        /// What PostgreSQL or the connection said.
        source: ::postgres::Error,
    },
    /// The PostgreSQL server's certificate did not verify.
    #[cfg(feature = "postgres")]
    #[error(
        "{store}: {}; the server's certificate must verify against the system's roots or the \
         file `sslrootcert=` names (for RDS, its certificate bundle)",
        with_causes(source)
    )]
    Certificate {
        /// The database, without its password.
        store: String,
        /// What the TLS handshake said.
        source: ::postgres::Error,
    },
    /// A PostgreSQL store, and this encguard was built without PostgreSQL.
    #[error("{0}: this encguard was built without PostgreSQL (the `postgres` feature)")]
    NoPostgres(String),
    /// The file or its directory could not be made, or a certificate file read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// An error with what caused it, as PostgreSQL's client says only the kind at the top.
#[cfg(feature = "postgres")]
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
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

/// What a store does, in SQLite or PostgreSQL.
trait Backend {
    /// Saves a scan; returns its number.
    fn save(&mut self, scan: &NewScan) -> Result<i64, StoreError>;
    /// The saved scans, oldest first.
    fn history(&mut self) -> Result<Vec<ScanSummary>, StoreError>;
    /// The open findings (failures and unknowns that nothing suppresses) of scan `id`, in
    /// the order they were saved.
    fn open_findings(&mut self, id: i64) -> Result<Vec<Reported>, StoreError>;
    /// The inventory scan `id` read, as JSON.
    fn inventory(&mut self, id: i64) -> Result<String, StoreError>;
}

/// An open store.
pub struct Store {
    backend: Box<dyn Backend>,
    migrated: Option<String>,
}

impl Store {
    /// Opens the store at `location`, making it when it does not exist (a file with its
    /// directory; in a database, the tables).
    pub fn open(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::File(path) => {
                let (store, migrated) = sqlite::Sqlite::open(path)?;
                Ok(Store { backend: Box::new(store), migrated })
            }
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => {
                let store = postgres::Postgres::open(url, &location.to_string())?;
                Ok(Store { backend: Box::new(store), migrated: None })
            }
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(_) => Err(StoreError::NoPostgres(location.to_string())),
        }
    }

    /// Opens the store at `location` if there is one, never making it: a file that exists,
    /// a database that holds the store's tables.
    pub fn open_existing(location: &Location) -> Result<Option<Store>, StoreError> {
        match location {
            Location::File(path) if !path.exists() => Ok(None),
            Location::File(_) => Store::open(location).map(Some),
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => Ok(postgres::Postgres::open_existing(url, &location.to_string())?
                .map(|store| Store { backend: Box::new(store), migrated: None })),
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(_) => Err(StoreError::NoPostgres(location.to_string())),
        }
    }

    /// Where the copy of the store is kept, when opening it migrated it to this schema.
    pub fn migrated(&self) -> Option<&str> {
        self.migrated.as_deref()
    }

    /// Saves a scan; returns its number.
    pub fn save(&mut self, scan: &NewScan) -> Result<i64, StoreError> {
        self.backend.save(scan)
    }

    /// The saved scans, oldest first.
    pub fn history(&mut self) -> Result<Vec<ScanSummary>, StoreError> {
        self.backend.history()
    }

    /// The open findings (failures and unknowns that nothing suppresses) of scan `id`.
    pub fn open_findings(&mut self, id: i64) -> Result<Vec<Reported>, StoreError> {
        self.backend.open_findings(id)
    }

    /// The inventory scan `id` read, as JSON.
    pub fn inventory(&mut self, id: i64) -> Result<String, StoreError> {
        self.backend.inventory(id)
    }

    /// The last two scans of the same inputs as the last scan: (older, newer).
    pub fn last_two(&mut self) -> Result<(i64, i64), StoreError> {
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

/// The URL of the `origin` remote of the git work tree at `root`, without the credentials
/// an HTTPS URL may hold.
pub fn git_origin(root: &Path) -> Option<String> {
    let config = std::fs::read_to_string(root.join(".git").join("config")).ok()?;
    let mut in_origin = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
        } else if let Some(url) = line.strip_prefix("url").map(str::trim_start).and_then(|l| l.strip_prefix('=')) {
            if in_origin {
                let url = url.trim();
                return Some(match url.split_once("://") {
                    Some((scheme, rest)) => match rest.split_once('/') {
                        Some((authority, path)) => {
                            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
                            format!("{scheme}://{host}/{path}")
                        }
                        None => url.to_string(),
                    },
                    None => url.to_string(),
                });
            }
        }
    }
    None
}

/// Where the store lives by default: `.encguard/history.db` at the root of the git work
/// tree holding `first` (a path scanned), else in the current directory.
pub fn default_path(first: &Path) -> PathBuf {
    let start = std::fs::canonicalize(first).unwrap_or_else(|_| first.to_path_buf());
    let root = start.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf);
    root.unwrap_or_else(|| PathBuf::from(".")).join(".encguard").join("history.db")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn scan<'a>(inputs: &'a str, findings: Vec<(Reported, bool)>) -> NewScan<'a> {
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

    /// What every store does, whatever keeps it.
    pub(crate) fn saves_lists_and_compares(location: &Location) {
        let mut store = Store::open(location).unwrap();
        store.save(&scan("a", vec![(finding("x", "fail"), false), (finding("y", "fail"), true)])).unwrap();
        store.save(&scan("other", vec![])).unwrap();
        let many: Vec<_> = (0..50).map(|i| (finding(&format!("f{i}"), "unknown"), false)).collect();
        store
            .save(&scan("a", [vec![(finding("z", "unknown"), false), (finding("p", "pass"), false)], many].concat()))
            .unwrap();
        drop(store);
        let mut store = Store::open(location).unwrap();
        let history = store.history().unwrap();
        assert_eq!(
            history.iter().map(|s| (s.id, s.failures, s.unknowns)).collect::<Vec<_>>(),
            [(1, 1, 0), (2, 0, 0), (3, 0, 51)]
        );
        assert_eq!(store.last_two().unwrap(), (1, 3), "the last two scans of the same inputs");
        let open = store.open_findings(3).unwrap();
        assert_eq!(open.len(), 51);
        assert_eq!((&open[0], &open[50].fingerprint[..]), (&finding("z", "unknown"), "f49"), "in the order saved");
        assert_eq!(store.open_findings(1).unwrap(), vec![finding("x", "fail")], "suppressed ones are not open");
        assert!(matches!(store.open_findings(9), Err(StoreError::NoScan(_))));
        assert_eq!(store.inventory(2).unwrap(), "{}");
        assert!(matches!(store.inventory(9), Err(StoreError::NoScan(_))));
    }

    #[test]
    fn a_sqlite_store_saves_lists_and_compares() {
        let dir = std::env::temp_dir().join(format!("encguard-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        saves_lists_and_compares(&Location::File(dir.join(".encguard/history.db")));
    }

    #[test]
    fn a_repository_is_named_by_its_origin_without_credentials() {
        let dir = std::env::temp_dir().join(format!("encguard-origin-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        let config = "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://example.com/other.git\n\
                      [remote \"origin\"]\n\turl = https://ci:token@github.com/acme/infra.git\n";
        std::fs::write(dir.join(".git/config"), config).unwrap();
        assert_eq!(git_origin(&dir).as_deref(), Some("https://github.com/acme/infra.git"));
        std::fs::write(dir.join(".git/config"), "[remote \"origin\"]\n\turl = git@github.com:acme/infra.git\n")
            .unwrap();
        assert_eq!(git_origin(&dir).as_deref(), Some("git@github.com:acme/infra.git"));
        assert_eq!(git_origin(&dir.join("nothing")), None);
    }

    #[test]
    fn passwords_are_never_shown() {
        let shown = |url: &str| url.parse::<Location>().unwrap().to_string();
        assert_eq!(shown("postgres://ci:s3cret@db:5432/encguard"), "postgres://ci:***@db:5432/encguard");
        assert_eq!(
            shown("postgresql://db/e?user=ci&password=s3cret&sslmode=require"),
            "postgresql://db/e?sslmode=require"
        );
        assert_eq!(shown("postgres://db/e?pass%77ord=s3cret"), "postgres://db/e");
        for url in ["postgres://ci:ab/cd@db/e", "postgres://ci:ab?cd@db/e", "postgres://ci:p@ss@db/e"] {
            assert_eq!(shown(url), "postgres://ci:***@db/e", "{url}");
        }
        assert_eq!(shown("postgres://ci@db/e"), "postgres://ci@db/e");
        assert_eq!(
            format!("{:?}", "postgres://ci:s3cret@db/e".parse::<Location>().unwrap()),
            "Location(postgres://ci:***@db/e)"
        );
        assert_eq!(shown("history.db"), "history.db");
    }
}
