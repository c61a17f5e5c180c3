//! The store in a PostgreSQL database, shared by many runners: the tables of the SQLite
//! store in the schema `encguard` of the database the URL names, which is encguard's only
//! if its `encguard.store` row says so. Runners that open a new database at once make the
//! tables once (an advisory lock), and each saves its scan in one transaction.
//!
//! The connection is TLS unless the URL says `sslmode=disable` (or `prefer`, which lets a
//! server — or whoever answers for it — decline TLS), and the server's certificate is
//! always verified, as libpq's `verify-full` does: against the system's roots, or the file
//! `sslrootcert=` names (an RDS certificate bundle, say). A password may come from
//! `PGPASSWORD` rather than the URL.

use super::{Backend, NewScan, ScanSummary, StoreError, SCHEMA_VERSION};
use crate::Reported;
use postgres::{Client, Config};
use std::sync::Arc;
use std::time::Duration;

/// What the `encguard.store` row holds in a database that is encguard's.
const APPLICATION: &str = "encguard";
/// The advisory lock that makes the tables once ("encg", as SQLite's `application_id`).
const CREATION_LOCK: i64 = 0x656e_6367;

/// A new store's schema. PostgreSQL stores begin at schema 2: a later schema adds its
/// migration here beside SQLite's.
const SCHEMA: &str = "
CREATE SCHEMA encguard;
CREATE TABLE encguard.store (
    application TEXT NOT NULL,
    schema_version INTEGER NOT NULL
);
CREATE TABLE encguard.scans (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    policy_hash TEXT NOT NULL,
    inputs TEXT NOT NULL,
    git_commit TEXT,
    inventory TEXT NOT NULL,
    failures BIGINT NOT NULL,
    unknowns BIGINT NOT NULL
);
CREATE TABLE encguard.findings (
    scan BIGINT NOT NULL REFERENCES encguard.scans(id),
    position INTEGER NOT NULL,
    rule TEXT NOT NULL,
    resource TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    location TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    suppressed BOOLEAN NOT NULL,
    PRIMARY KEY (scan, position)
);
";

/// An open PostgreSQL store.
pub(super) struct Postgres {
    client: Client,
    /// The URL without its password.
    shown: String,
}

impl Postgres {
    /// Connects to the database at `url`, making the store's tables when it has none.
    pub(super) fn open(url: &str, shown: &str) -> Result<Postgres, StoreError> {
        Postgres::connect(url, shown, true).map(|store| store.expect("made when missing"))
    }

    /// Connects to the database at `url` if it holds the store's tables; never makes them.
    pub(super) fn open_existing(url: &str, shown: &str) -> Result<Option<Postgres>, StoreError> {
        Postgres::connect(url, shown, false)
    }

    fn connect(url: &str, shown: &str, make: bool) -> Result<Option<Postgres>, StoreError> {
        let failed = failed(shown);
        let (config, root_certificates) = parse(url).map_err(|why| StoreError::Foreign { store: shown.into(), why })?;
        let tls = tls(root_certificates.as_deref()).map_err(|source| StoreError::Io { path: shown.into(), source })?;
        let mut client = config.connect(tls).map_err(|source| {
            // rustls says why it refused a certificate only in the error's text.
            if super::with_causes(&source).contains("certificate") {
                StoreError::Certificate { store: shown.to_string(), source }
            } else {
                failed(source)
            }
        })?;
        let mut tx = client.transaction().map_err(&failed)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&CREATION_LOCK]).map_err(&failed)?;
        let row = tx
            .query_one("SELECT to_regnamespace('encguard') IS NOT NULL, to_regclass('encguard.store') IS NOT NULL", &[])
            .map_err(&failed)?;
        let foreign = |why: &str| StoreError::Foreign { store: shown.into(), why: why.into() };
        match (row.get::<_, bool>(0), row.get::<_, bool>(1)) {
            (false, _) if !make => return Ok(None),
            (false, _) => {
                tx.batch_execute(SCHEMA).map_err(&failed)?;
                tx.execute("INSERT INTO encguard.store VALUES ($1, $2)", &[&APPLICATION, &SCHEMA_VERSION])
                    .map_err(&failed)?;
            }
            (true, false) => return Err(foreign("its schema `encguard` is another program's")),
            (true, true) => {
                let rows = tx.query("SELECT application, schema_version FROM encguard.store", &[]).map_err(&failed)?;
                let [row] = rows.as_slice() else {
                    return Err(foreign("`encguard.store` does not hold one row"));
                };
                let (application, version): (String, i32) = (row.get(0), row.get(1));
                if application != APPLICATION {
                    return Err(foreign("`encguard.store` names another program"));
                }
                if version > SCHEMA_VERSION {
                    return Err(StoreError::Newer { store: shown.into(), found: version });
                }
                if version < SCHEMA_VERSION {
                    return Err(foreign("a schema older than any PostgreSQL store encguard writes"));
                }
            }
        }
        tx.commit().map_err(&failed)?;
        Ok(Some(Postgres { client, shown: shown.to_string() }))
    }
}

/// What a failure of PostgreSQL becomes, for the store shown as `shown`.
fn failed(shown: &str) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |source| StoreError::Postgres { store: shown.to_string(), source }
}

/// `text` as PostgreSQL's `text` can hold it: without NUL, which it refuses (and SQLite
/// keeps), as U+FFFD.
fn storable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        text.replace('\0', "\u{fffd}").into()
    } else {
        text.into()
    }
}

impl Backend for Postgres {
    fn save(&mut self, scan: &NewScan) -> Result<i64, StoreError> {
        let failed = failed(&self.shown);
        let mut tx = self.client.transaction().map_err(&failed)?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO encguard.scans (time, tool_version, policy_hash, inputs, git_commit, inventory, failures, unknowns)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    &scan.time,
                    &scan.tool_version,
                    &scan.policy_hash,
                    &storable(scan.inputs),
                    &scan.git_commit,
                    &storable(scan.inventory),
                    &scan.open("fail"),
                    &scan.open("unknown"),
                ],
            )
            .map_err(&failed)?
            .get(0);
        // One statement for all findings, a column an array, rather than a round trip each.
        let column =
            |field: fn(&Reported) -> &str| scan.findings.iter().map(|(f, _)| storable(field(f))).collect::<Vec<_>>();
        let suppressed: Vec<bool> = scan.findings.iter().map(|(_, s)| *s).collect();
        tx.execute(
            "INSERT INTO encguard.findings
               (scan, position, rule, resource, status, severity, message, location, fingerprint, suppressed)
             SELECT $1, (f.n - 1)::integer, f.rule, f.resource, f.status, f.severity, f.message, f.location,
                    f.fingerprint, f.suppressed
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::boolean[])
                  WITH ORDINALITY AS f(rule, resource, status, severity, message, location, fingerprint, suppressed, n)",
            &[
                &id,
                &column(|f| &f.rule),
                &column(|f| &f.resource),
                &column(|f| &f.status),
                &column(|f| &f.severity),
                &column(|f| &f.message),
                &column(|f| &f.location),
                &column(|f| &f.fingerprint),
                &suppressed,
            ],
        )
        .map_err(&failed)?;
        tx.commit().map_err(&failed)?;
        Ok(id)
    }

    fn history(&mut self) -> Result<Vec<ScanSummary>, StoreError> {
        let rows = self
            .client
            .query("SELECT id, time, inputs, git_commit, failures, unknowns FROM encguard.scans ORDER BY id", &[])
            .map_err(failed(&self.shown))?;
        Ok(rows
            .iter()
            .map(|r| ScanSummary {
                id: r.get(0),
                time: r.get(1),
                inputs: r.get(2),
                git_commit: r.get(3),
                failures: r.get(4),
                unknowns: r.get(5),
            })
            .collect())
    }

    fn open_findings(&mut self, id: i64) -> Result<Vec<Reported>, StoreError> {
        let failed = failed(&self.shown);
        let exists = self.client.query("SELECT 1 FROM encguard.scans WHERE id = $1", &[&id]).map_err(&failed)?;
        if exists.is_empty() {
            return Err(StoreError::NoScan(id.to_string()));
        }
        let rows = self
            .client
            .query(
                "SELECT rule, resource, status, severity, message, location, fingerprint FROM encguard.findings
                 WHERE scan = $1 AND NOT suppressed AND status IN ('fail', 'unknown') ORDER BY position",
                &[&id],
            )
            .map_err(&failed)?;
        Ok(rows
            .iter()
            .map(|r| Reported {
                rule: r.get(0),
                resource: r.get(1),
                status: r.get(2),
                severity: r.get(3),
                message: r.get(4),
                location: r.get(5),
                fingerprint: r.get(6),
            })
            .collect())
    }

    fn inventory(&mut self, id: i64) -> Result<String, StoreError> {
        self.client
            .query_opt("SELECT inventory FROM encguard.scans WHERE id = $1", &[&id])
            .map_err(failed(&self.shown))?
            .map(|r| r.get(0))
            .ok_or_else(|| StoreError::NoScan(id.to_string()))
    }
}

/// The connection's settings, and the file of root certificates `sslrootcert` names. TLS is
/// required unless the URL says otherwise; libpq's `verify-ca` and `verify-full` are
/// `require` here (the certificate is always verified).
fn parse(url: &str) -> Result<(Config, Option<String>), String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut root_certificates = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslrootcert", file)) => root_certificates = Some(percent_decoded(file)),
            Some(("sslmode", "verify-ca" | "verify-full")) => kept.push("sslmode=require"),
            _ => kept.push(pair),
        }
    }
    if !kept.iter().any(|p| p.starts_with("sslmode=")) {
        kept.push("sslmode=require");
    }
    let url = format!("{base}?{}", kept.join("&"));
    let mut config: Config = url.parse().map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
    if config.get_password().is_none() {
        // An empty one is none, as libpq reads it.
        if let Some(password) = std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()) {
            config.password(password);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("encguard");
    }
    Ok((config, root_certificates))
}

/// `%XX` escapes decoded, as a URL's query writes a path.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// TLS that verifies the server against `root_certificates` (a PEM file), else the system's.
fn tls(root_certificates: Option<&str>) -> std::io::Result<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let invalid = |e: &dyn std::fmt::Display| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string());
    let mut roots = rustls::RootCertStore::empty();
    match root_certificates {
        Some(file) => {
            for certificate in CertificateDer::pem_file_iter(file).map_err(|e| invalid(&format!("{file}: {e}")))? {
                let certificate = certificate.map_err(|e| invalid(&format!("{file}: {e}")))?;
                roots.add(certificate).map_err(|e| invalid(&format!("{file}: {e}")))?;
            }
        }
        None => {
            // Certificates the system holds but rustls cannot read are left out, as a
            // browser would; the server's chain still has to verify.
            for certificate in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(certificate);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// For tests: the PostgreSQL server to test against (`ENCGUARD_POSTGRES_URL`, a URL naming
/// no database, which `scripts/test.sh` sets), and new empty databases on it.
#[doc(hidden)]
pub mod testing {
    use super::*;

    /// The server's URL; `None` with a message when it is not set, which `CI=true` forbids.
    pub fn server() -> Option<String> {
        match std::env::var("ENCGUARD_POSTGRES_URL") {
            Ok(url) => Some(url),
            Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI=true and ENCGUARD_POSTGRES_URL is not set: run the tests with scripts/test.sh")
            }
            Err(_) => {
                eprintln!(
                    "ENCGUARD_POSTGRES_URL is not set: the PostgreSQL store is not tested (scripts/test.sh sets it)"
                );
                None
            }
        }
    }

    /// A new, empty database `name` on `server` (dropped first if it is there); its URL,
    /// which names the server's certificate authority (`ENCGUARD_POSTGRES_CA`) when set.
    pub fn fresh_database(server: &str, name: &str) -> String {
        let mut admin = client(&format!("{server}/postgres"));
        // Each alone: neither runs in a transaction, which statements sent together make.
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        with_authority(&format!("{server}/{name}"))
    }

    /// A client of the database at `url`, to prepare what a test needs.
    pub fn client(url: &str) -> postgres::Client {
        let (config, roots) = parse(&with_authority(url)).unwrap();
        config.connect(tls(roots.as_deref()).unwrap()).unwrap()
    }

    /// `url` naming the test server's certificate authority, when it is known and not named.
    fn with_authority(url: &str) -> String {
        match std::env::var("ENCGUARD_POSTGRES_CA") {
            Ok(ca) if !url.contains("sslrootcert=") => {
                format!("{url}{}sslrootcert={ca}", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Location, Store};
    use super::testing::{fresh_database, server};
    use super::*;

    fn open(url: &str) -> Result<Store, StoreError> {
        Store::open(&Location::Postgres(url.to_string()))
    }

    #[test]
    fn a_postgres_store_saves_lists_and_compares() {
        let Some(server) = server() else { return };
        let url = fresh_database(&server, "store_saves");
        assert!(Store::open_existing(&Location::Postgres(url.clone())).unwrap().is_none(), "not made when read");
        let tables: i64 = super::testing::client(&url)
            .query_one("SELECT count(*) FROM pg_namespace WHERE nspname = 'encguard'", &[])
            .unwrap()
            .get(0);
        assert_eq!(tables, 0);
        super::super::tests::saves_lists_and_compares(&Location::Postgres(url.clone()));
        assert!(Store::open_existing(&Location::Postgres(url)).unwrap().is_some());
    }

    #[test]
    fn runners_opening_and_saving_at_once_lose_nothing() {
        let Some(server) = server() else { return };
        let url = fresh_database(&server, "store_at_once");
        let runners: Vec<_> = (0..4)
            .map(|runner| {
                let url = url.clone();
                std::thread::spawn(move || {
                    let mut store = open(&url).unwrap();
                    for _ in 0..5 {
                        let findings = (0..20).map(|i| (crate::reported(&format!("r{runner}-{i}"), "fail"), false));
                        store
                            .save(&super::super::tests::scan(&format!("runner {runner}"), findings.collect()))
                            .unwrap();
                    }
                })
            })
            .collect();
        for runner in runners {
            runner.join().unwrap();
        }
        let mut store = open(&url).unwrap();
        let history = store.history().unwrap();
        assert_eq!(history.len(), 20);
        for scan in history {
            let open = store.open_findings(scan.id).unwrap();
            let runner = scan.inputs.trim_start_matches("runner ");
            assert!(open.len() == 20 && open.iter().all(|f| f.fingerprint.starts_with(&format!("r{runner}-"))));
        }
    }

    #[test]
    fn databases_that_are_not_stores_are_refused_and_left_as_they_are() {
        let Some(server) = server() else { return };
        let url = fresh_database(&server, "store_foreign");
        let mut client = super::testing::client(&url);
        client.batch_execute("CREATE SCHEMA encguard; CREATE TABLE encguard.scans (x int)").unwrap();
        assert!(matches!(open(&url), Err(StoreError::Foreign { .. })));
        let tables: i64 =
            client.query_one("SELECT count(*) FROM pg_tables WHERE schemaname = 'encguard'", &[]).unwrap().get(0);
        assert_eq!(tables, 1, "nothing made beside another program's table");

        let url = fresh_database(&server, "store_newer");
        drop(open(&url).unwrap());
        super::testing::client(&url).batch_execute("UPDATE encguard.store SET schema_version = 99").unwrap();
        assert!(matches!(open(&url), Err(StoreError::Newer { found: 99, .. })));
    }

    /// With the throwaway server's certificate authority (`ENCGUARD_POSTGRES_CA`), the
    /// connection is TLS and verified; without it, the self-signed server is refused.
    #[test]
    fn the_connection_is_tls_verified_against_the_given_roots() {
        let Some(server) = server() else { return };
        let Ok(ca) = std::env::var("ENCGUARD_POSTGRES_CA") else {
            assert!(std::env::var("CI").map_or(true, |v| v != "true"), "CI=true and ENCGUARD_POSTGRES_CA is not set");
            return;
        };
        let verified = format!("{}&sslmode=verify-full", fresh_database(&server, "store_tls"));
        assert!(verified.contains(&format!("sslrootcert={ca}")));
        let (config, roots) = parse(&verified).unwrap();
        let mut client = config.connect(tls(roots.as_deref()).unwrap()).unwrap();
        let ssl: bool =
            client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).unwrap().get(0);
        assert!(ssl, "the connection is encrypted");
        let mut store = open(&verified).unwrap();
        assert!(store.history().unwrap().is_empty());
        // TLS is the default: without the authority, the self-signed server is refused.
        let refused = open(&format!("{server}/store_tls"));
        assert!(
            matches!(&refused, Err(StoreError::Certificate { .. })),
            "a certificate no root vouches for is refused: {:?}",
            refused.err()
        );
    }

    #[test]
    fn libpq_settings_tokio_postgres_lacks_are_read_here() {
        let (config, roots) =
            parse("postgres://u@db.example:5432/encguard?sslmode=verify-full&sslrootcert=%2Fetc%2Frds%20ca.pem")
                .unwrap();
        assert_eq!(roots.as_deref(), Some("/etc/rds ca.pem"));
        assert_eq!(config.get_ssl_mode(), postgres::config::SslMode::Require);
        assert_eq!(config.get_dbname(), Some("encguard"));
        assert_eq!(config.get_application_name(), Some("encguard"));
        assert!(parse("postgres://u@h/d?sslmode=bogus").is_err());
        let mode = |url: &str| parse(url).unwrap().0.get_ssl_mode();
        assert_eq!(mode("postgres://u@h/d"), postgres::config::SslMode::Require, "TLS unless told otherwise");
        assert_eq!(mode("postgres://u@h/d?sslmode=disable"), postgres::config::SslMode::Disable);
    }
}
