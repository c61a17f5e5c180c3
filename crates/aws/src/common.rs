//! What every service collector shares: the account and region it reads, the bound on
//! concurrent calls, the resources and gaps it gathers, and error text.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use encguard_model::{Gap, Location, Resource, Spec, Unknown, Value};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, SemaphorePermit};

/// `Code: message` of an SDK error, as reports show why something is unknown; for an
/// error without a code, the HTTP status or the kind of failure.
pub fn error_text<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &SdkError<E, HttpResponse>) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => match e {
            SdkError::ServiceError(se) => format!("HTTP {} with an unreadable answer", se.raw().status().as_u16()),
            SdkError::TimeoutError(_) => "timed out".to_string(),
            SdkError::DispatchFailure(_) => "could not connect".to_string(),
            SdkError::ResponseError(r) => format!("HTTP {} with an unreadable answer", r.raw().status().as_u16()),
            other => {
                let text = aws_smithy_types::error::display::DisplayErrorContext(other).to_string();
                text.chars().take(200).collect()
            }
        },
    }
}

/// A call that failed after its retries, with AWS's words for why.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{action}: {message}")]
pub struct CallFailed {
    /// `service:Action`.
    pub action: &'static str,
    /// What [`error_text`] makes of the error.
    pub message: String,
}

impl CallFailed {
    /// The failure of `action` with the SDK's error.
    pub fn new<E: ProvideErrorMetadata + std::error::Error + 'static>(
        action: &'static str,
        e: &SdkError<E, HttpResponse>,
    ) -> Self {
        CallFailed { action, message: error_text(e) }
    }
}

/// The error code of an SDK error (`NoSuchBucketPolicy`), if the service gave one.
pub fn error_code<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> Option<&str> {
    e.code()
}

/// A progress line on stderr when it is a terminal; each call with `-v`.
#[derive(Clone)]
pub struct Progress {
    total: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
    terminal: bool,
    /// Also print each API call (`--verbose`).
    pub verbose: bool,
}

impl Progress {
    /// A reporter that shows progress on standard error when it is a terminal.
    pub fn new(verbose: bool) -> Self {
        Progress { total: Arc::default(), finished: Arc::default(), terminal: std::io::stderr().is_terminal(), verbose }
    }
    /// Counts one more unit (service × account × region) to collect.
    pub fn add(&self) {
        self.total.fetch_add(1, Ordering::Relaxed);
    }
    /// Marks a unit collected.
    pub fn done(&self, service: &str, account: &str, region: &str) {
        let n = self.finished.fetch_add(1, Ordering::Relaxed) + 1;
        if self.terminal && !self.verbose {
            let total = self.total.load(Ordering::Relaxed);
            let _ = write!(std::io::stderr(), "\r\x1b[2Kcollecting [{n}/{total}] {account}/{region} {service}");
        }
    }
    /// Notes an API call, when verbose.
    pub fn call(&self, action: &str, account: &str, region: &str) {
        if self.verbose {
            eprintln!("call {action} {account}/{region}");
        }
    }
    /// Clears the progress line.
    pub fn finish(&self) {
        if self.terminal && !self.verbose {
            eprint!("\r\x1b[2K");
        }
    }
}

/// One service's collection in one account and region.
pub struct Collector {
    pub account: String,
    pub region: String,
    limit: Arc<Semaphore>,
    pub progress: Progress,
    /// Talking to a test endpoint (path-style S3).
    pub custom_endpoint: bool,
    found: Mutex<(Vec<Resource>, Vec<Gap>)>,
}

impl Collector {
    pub fn new(account: &str, region: &str, limit: Arc<Semaphore>, progress: Progress, custom_endpoint: bool) -> Self {
        Collector {
            account: account.into(),
            region: region.into(),
            limit,
            progress,
            custom_endpoint,
            found: Mutex::default(),
        }
    }

    /// Waits for a call slot, and logs the call.
    /// The partition of the unit's region (`aws`, `aws-cn`, `aws-us-gov`), for the ARNs
    /// the collector makes.
    pub fn partition(&self) -> &'static str {
        crate::partition_of(&self.region)
    }

    pub async fn call(&self, action: &str) -> SemaphorePermit<'_> {
        let permit = self.limit.acquire().await.expect("semaphore open");
        self.progress.call(action, &self.account, &self.region);
        permit
    }

    /// Records a resource read from `arn`. `handles` are the names it goes by (ids, names).
    pub fn add(&self, arn: &str, source_type: &str, handles: Vec<String>, spec: Spec) -> usize {
        self.add_in(arn, source_type, &self.region.clone(), handles, spec)
    }

    pub fn add_in(&self, arn: &str, source_type: &str, region: &str, handles: Vec<String>, spec: Spec) -> usize {
        let location =
            Location::Aws { account: self.account.clone(), region: region.to_string(), arn: arn.to_string() };
        let mut r = Resource::new(arn, source_type, location, spec);
        r.scope = format!("{}/{region}", self.account);
        r.region = Some(region.to_string());
        r.handles = handles.into_iter().filter(|h| !h.is_empty()).collect();
        let mut found = self.found.lock().expect("not poisoned");
        found.0.push(r);
        found.0.len() - 1
    }

    /// Sets the tags of a recorded resource, from an answer that carries them.
    pub fn tag<'t>(&self, index: usize, tags: impl IntoIterator<Item = (Option<&'t str>, Option<&'t str>)>) {
        let tags = tags.into_iter().filter_map(|(k, v)| Some((k?.to_string(), v.unwrap_or_default().to_string())));
        let tags: std::collections::BTreeMap<String, String> = tags.collect();
        self.update(index, |r| r.tags.value = tags);
    }

    /// Changes a recorded resource (tags read by a later call).
    pub fn update(&self, index: usize, f: impl FnOnce(&mut Resource)) {
        let mut found = self.found.lock().expect("not poisoned");
        if let Some(r) = found.0.get_mut(index) {
            f(r);
        }
    }

    /// Records a call that failed, and returns the unknown value it leaves behind.
    pub fn gap<T>(&self, action: &str, subject: &str, error: String) -> Value<T> {
        Value::unknown(self.record_gap(action, subject, error).reason)
    }

    /// Records a call that failed, and returns why what it would have read is unknown.
    pub fn record_gap(&self, action: &str, subject: &str, error: String) -> Unknown {
        let what = if subject.is_empty() { action.to_string() } else { format!("{action} {subject}") };
        let unknown = Unknown::new(format!("{action} failed: {error}"));
        self.found.lock().expect("not poisoned").1.push(Gap {
            scope: format!("{}/{}", self.account, self.region),
            what,
            error,
        });
        unknown
    }

    pub fn finish(self) -> (Vec<Resource>, Vec<Gap>) {
        self.found.into_inner().expect("not poisoned")
    }
}

/// Reads every page of a paginated call, running the body on each page; a page that fails
/// records a gap and ends the listing with `Err(unknown)`.
macro_rules! each_page {
    ($c:expr, $action:expr, $subject:expr, $pages:expr, |$page:ident| $body:block) => {{
        let mut pages = $pages;
        let mut outcome: Result<(), encguard_model::Unknown> = Ok(());
        loop {
            let permit = $c.call($action).await;
            let next = pages.next().await;
            drop(permit);
            match next {
                Some(Ok($page)) => $body,
                Some(Err(e)) => {
                    outcome = Err($c.record_gap($action, $subject, $crate::common::error_text(&e)));
                    break;
                }
                None => break,
            }
        }
        outcome
    }};
}
pub(crate) use each_page;
