//! The `encguard` command: a thin layer over the model, rules and report crates.

mod inputs;
mod remediate;

use clap::{Args, Parser, Subcommand, ValueEnum};
use encguard_model::Inventory;
use encguard_report::{Report, Style};
use encguard_rules::{Context, Date, Policy, Severity, CATALOG, DEFAULT_POLICY};
use encguard_store::saved::{Location as StoreLocation, Store};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// A scan allocates millions of small values (parsed nodes, evaluated values, findings);
// mimalloc frees and reuses them across the scan threads far faster than the system
// allocator (see the README's performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes: what a CI pipeline branches on.
const EXIT_CLEAN: u8 = 0;
const EXIT_VIOLATIONS: u8 = 1;
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "encguard",
    version,
    about = "Enforces the company's AWS data-encryption policy on infrastructure descriptions and inventories"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check resources against the policy: Terraform modules and plans, CloudFormation templates, inventories, or directories holding them.
    Scan(ScanArgs),
    /// List every rule: id, severity, policy section, title.
    Rules {
        /// Print every rule's full documentation as one Markdown reference instead.
        #[arg(long)]
        markdown: bool,
    },
    /// Show a rule's documentation: what it checks, why, an example, the fix, equivalents.
    Explain {
        /// A rule id, such as S3-004.
        rule: String,
    },
    /// Write the default policy file, with comments, to start from.
    Init {
        /// Where to write it.
        #[arg(default_value = "encguard.toml")]
        path: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
        /// Require customer managed keys for every service's data, classified or not.
        #[arg(long)]
        strict: bool,
    },
    /// Print the JSON Schema of inventory.json.
    Schema,
    /// Record today's open findings, so that later scans with --baseline report only new ones.
    Baseline(ScanArgs),
    /// Fix in the Terraform and CloudFormation files the violations a rule knows a safe fix
    /// for: print the edits as a unified diff, or make them with --write.
    Fix {
        #[command(flatten)]
        scan: ScanArgs,
        /// Write the edits to the files instead of printing them.
        #[arg(long)]
        write: bool,
        /// Also make the fixes that AWS applies by recreating the resource (encryption at rest
        /// of databases, volumes and caches); the diff says what will be recreated.
        #[arg(long)]
        allow_replacement: bool,
        /// Print instead the changes to review, which are never written: key policies for
        /// keys that have none, naming the policy file's administrators and users.
        #[arg(long, conflicts_with = "write")]
        review: bool,
    },
    /// Collect live AWS accounts into an inventory file, to scan later offline.
    Collect {
        #[command(flatten)]
        aws: AwsArgs,
        /// Where to write the inventory.
        #[arg(long, short)]
        output: PathBuf,
        /// With --shard: balance the slices by the units' sizes in the newest scan of live
        /// accounts saved in the history store (the same store and count give the same
        /// slices); units it does not know go by their hash.
        #[command(flatten)]
        store: StoreArg,
    },
    /// Print the least-privilege IAM policy a live scan needs (with --export: the one
    /// `export` needs).
    IamPolicy {
        /// The permission `export securityhub` needs instead.
        #[arg(long, conflicts_with = "remediate")]
        export: bool,
        /// The permissions `remediate` needs instead (its reads and writes).
        #[arg(long)]
        remediate: bool,
    },
    /// Fix open failures of live accounts in place, in three explicit steps: --plan FILE
    /// scans (live, or an inventory) and writes the API calls with the state each changes
    /// from, to review; --apply PLAN makes them, each only while its resource is still in
    /// that state, and writes a journal; --rollback JOURNAL restores the journaled states.
    /// Nothing is deleted; what only a replacement or a person can fix is listed.
    Remediate {
        #[command(flatten)]
        scan: ScanArgs,
        /// Write the plan to FILE.
        #[arg(long, value_name = "FILE", required_unless_present_any = ["apply", "rollback"])]
        plan: Option<PathBuf>,
        /// Make the calls of a plan.
        #[arg(long, value_name = "PLAN", conflicts_with_all = ["plan", "rollback"])]
        apply: Option<PathBuf>,
        /// Restore the states a journal recorded.
        #[arg(long, value_name = "JOURNAL", conflicts_with = "plan")]
        rollback: Option<PathBuf>,
        /// Where --apply writes its journal.
        #[arg(long, value_name = "FILE", default_value = "encguard-journal.json")]
        journal: PathBuf,
    },
    /// Send findings somewhere that collects them (a write to AWS, never part of a scan).
    Export {
        #[command(subcommand)]
        to: ExportTarget,
    },
    /// Compare two scans — JSON reports (`scan --format json`) or scans saved with `scan
    /// --save` (by number, see `history`; default: the last two of the same inputs): what
    /// the newer one introduces, fixes, still fails, and where a verdict changed.
    Diff {
        /// The older scan: a JSON report or a saved scan's number.
        older: Option<String>,
        /// The newer scan: a JSON report or a saved scan's number.
        newer: Option<String>,
        /// text, json, or markdown (a pull-request comment).
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        #[command(flatten)]
        store: StoreArg,
    },
    /// Join inventories (the shards of a sharded collection) into one.
    Merge {
        /// The inventories.
        #[arg(required = true)]
        inventories: Vec<PathBuf>,
        /// Where to write the joined inventory.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Compare what code declares with what is deployed: matched resources whose
    /// attributes or verdicts differ, deployed resources no code declares, declared ones not
    /// deployed, and declared ones named only after apply.
    Drift {
        /// The Terraform and CloudFormation to compare (or a saved scan of them, by number).
        #[arg(long, required = true)]
        iac: Vec<PathBuf>,
        /// What is deployed, as inventories (`collect`) or saved scans (by number); or read
        /// live with --aws.
        #[arg(long)]
        deployed: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArg,
        #[command(flatten)]
        live: AwsArgs,
        /// text or json.
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
    },
    /// List the scans saved with `scan --save`.
    History {
        #[command(flatten)]
        store: StoreArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    Markdown,
}

/// Where and how to read live accounts.
#[derive(Args, Clone, Default)]
struct AwsArgs {
    /// Read live AWS accounts (read-only calls).
    #[arg(long)]
    aws: bool,
    /// A named profile of the AWS configuration.
    #[arg(long, env = "AWS_PROFILE")]
    profile: Option<String>,
    /// A region to read (repeatable); default: every enabled region.
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// A role to assume before reading.
    #[arg(long)]
    role_arn: Option<String>,
    /// The external id the role's trust policy asks for.
    #[arg(long)]
    external_id: Option<String>,
    /// Accounts to read, comma-separated, through --role-name in each.
    #[arg(long, value_delimiter = ',')]
    accounts: Vec<String>,
    /// The role to assume in each account of --accounts or --org.
    #[arg(long)]
    role_name: Option<String>,
    /// Every active account of the organisation.
    #[arg(long)]
    org: bool,
    /// Another endpoint for every service (VPC endpoints, tests).
    #[arg(long, env = "ENCGUARD_AWS_ENDPOINT_URL")]
    endpoint_url: Option<String>,
    /// How many calls may run at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Log every call on stderr.
    #[arg(short, long)]
    verbose: bool,
    /// Seconds one attempt of an AWS call may take before it is abandoned and retried.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    call_timeout: u64,
    /// Read only this runner's slice of the (account, region) units: `I/N` (I from 0), or
    /// `N` with I from the job runner (JOB_COMPLETION_INDEX of a Kubernetes Indexed Job,
    /// AWS_BATCH_JOB_ARRAY_INDEX of an AWS Batch array job). `merge` joins the slices.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
}

/// Where `export` sends findings.
#[derive(Subcommand)]
enum ExportTarget {
    /// Import findings in the AWS Security Finding Format (`scan --format asff`) into
    /// Security Hub with `BatchImportFindings`, each in its own region; a later export of
    /// the same findings updates them.
    Securityhub {
        /// The findings: what `scan --format asff` wrote.
        findings: PathBuf,
        /// A named profile of the AWS configuration.
        #[arg(long, env = "AWS_PROFILE")]
        profile: Option<String>,
        /// A role to assume first.
        #[arg(long)]
        role_arn: Option<String>,
        /// The external id the role's trust policy asks for.
        #[arg(long)]
        external_id: Option<String>,
        /// Another endpoint for Security Hub (VPC endpoints, tests).
        #[arg(long, env = "ENCGUARD_AWS_ENDPOINT_URL")]
        endpoint_url: Option<String>,
    },
}

/// Whether AWS made the deployed resource itself: a default parameter group, an AWS
/// managed key (or one an `alias/aws/…` names) and its aliases, an automated snapshot
/// (`rds:…`), a secret RDS keeps a master password in (`rds!…`).
fn aws_provided(r: &encguard_model::Resource, aliases: Option<&Vec<String>>) -> bool {
    use encguard_model::{KeyManager, Spec, Value};
    let named = |prefix: &str| r.handles.iter().any(|h| h.starts_with(prefix));
    match &r.spec {
        Spec::DbParameterGroup(_) => named("default."),
        Spec::KmsKey(k) => {
            matches!(&*k.key_manager, Some(Value::Known(KeyManager::Aws)))
                || aliases.is_some_and(|a| a.iter().any(|a| a.starts_with("alias/aws/")))
        }
        // The secrets RDS makes for the master passwords it manages.
        Spec::Secret(_) => named("rds!"),
        Spec::KmsAlias(_) => named("alias/aws/"),
        Spec::RdsSnapshot(_) => named("rds:"),
        _ => false,
    }
}

/// The slice `--shard` names.
#[cfg(feature = "aws")]
fn shard(spec: &str) -> Result<encguard_aws::Shard, String> {
    let (index, count) = match spec.split_once('/') {
        Some((i, n)) => (i.to_string(), n),
        None => {
            let index = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"]
                .iter()
                .find_map(|v| std::env::var(v).ok())
                .ok_or(
                    "--shard N takes its index from JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX; neither is set",
                )?;
            (index, spec)
        }
    };
    let number = |s: &str| s.trim().parse::<u32>().map_err(|_| format!("--shard {spec}: `{s}` is not a number"));
    let (index, count) = (number(&index)?, number(count)?);
    if count == 0 || index >= count {
        return Err(format!("--shard {spec}: the index must be below the count (from 0)"));
    }
    Ok(encguard_aws::Shard::hashed(index, count))
}

/// Where saved scans are kept.
#[derive(Args, Clone)]
struct StoreArg {
    /// The history store: a file (default: .encguard/history.db at the root of the git work
    /// tree of the first path, else in the current directory) or a PostgreSQL URL
    /// (postgres://user@host/database; TLS unless it says sslmode=disable; the password may
    /// come from PGPASSWORD). Its value from the environment is never printed.
    #[arg(long = "store", env = "ENCGUARD_STORE", hide_env_values = true)]
    location: Option<StoreLocation>,
}

impl StoreArg {
    /// The store named, if any: an empty value (an unset secret) names none.
    fn get(&self) -> Option<StoreLocation> {
        self.location.clone().filter(|l| *l != StoreLocation::File(PathBuf::new()))
    }
}

#[derive(Args)]
struct ScanArgs {
    /// Files or directories to scan (default: the current directory, unless --aws is given).
    paths: Vec<PathBuf>,
    /// Save the scan — inputs, git commit, policy hash, inventory and every verdict — in the
    /// history store, for `history` and `diff`.
    #[arg(long)]
    save: bool,
    #[command(flatten)]
    store: StoreArg,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit with 1 when a failure at or above this severity is not suppressed.
    #[arg(long, value_enum, default_value_t = Threshold::Info)]
    fail_on: Threshold,
    /// Exit with 1 also when a check at or above --fail-on could not be judged (unknown and
    /// not suppressed), or a part of the estate could not be read (a gap): for gates that
    /// must not pass on what they could not evaluate. The policy's `[gate]` can say so too.
    #[arg(long)]
    fail_on_unknown: bool,
    /// The most instances Terraform's `count` or `for_each` may make of one resource or
    /// module call; past it they are unknown and the input is in error.
    #[arg(long, value_name = "N", default_value_t = encguard_terraform::MAX_INSTANCES)]
    max_instances: usize,
    /// Run only these rules (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    rules: Vec<String>,
    /// Skip these rules (repeatable).
    #[arg(long = "skip-rule", value_name = "ID")]
    skip_rules: Vec<String>,
    /// The policy file; by default ./encguard.toml when it exists, else the company defaults.
    #[arg(long, env = "ENCGUARD_POLICY")]
    policy: Option<PathBuf>,
    /// Terraform variable file, applied to every root module after its own .tfvars (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Terraform variable value, NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// CloudFormation parameter value, NAME=VALUE, for every template (repeatable).
    #[arg(long = "parameter", value_name = "NAME=VALUE", value_parser = parse_var)]
    parameters: Vec<(String, String)>,
    /// CloudFormation parameter file: `[{"ParameterKey": …, "ParameterValue": …}]` or `{"Name": "Value"}`.
    #[arg(long = "parameter-file", value_name = "FILE")]
    parameter_files: Vec<PathBuf>,
    /// Report only findings that this baseline (from `encguard baseline`) does not hold;
    /// the others are kept as suppressed.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    #[command(flatten)]
    live: AwsArgs,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Markdown,
    Html,
    Ocsf,
    Asff,
}

#[derive(Clone, Copy, ValueEnum)]
enum Threshold {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<Threshold> for Severity {
    fn from(t: Threshold) -> Self {
        match t {
            Threshold::Info => Severity::Info,
            Threshold::Low => Severity::Low,
            Threshold::Medium => Severity::Medium,
            Threshold::High => Severity::High,
            Threshold::Critical => Severity::Critical,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Baseline(args) => baseline(args),
        Command::Fix { scan, write, allow_replacement, review } => fix(scan, write, allow_replacement, review),
        Command::Collect { aws, output, store } => collect(&aws, &output, store),
        Command::IamPolicy { export, remediate } => iam_policy(export, remediate),
        Command::Remediate { scan, plan, apply, rollback, journal } => {
            remediate::run(scan, plan, apply, rollback, &journal)
        }
        Command::Export { to } => export(to),
        Command::Diff { older, newer, format, store } => diff(older, newer, format, store),
        Command::History { store } => history(store),
        Command::Drift { iac, deployed, live, format, store } => drift(&iac, &deployed, store, &live, format),
        Command::Merge { inventories, output } => merge(&inventories, &output),
        Command::Rules { markdown: false } => print(&rules_table()),
        Command::Rules { markdown: true } => print(&rules_reference()),
        Command::Explain { rule } => explain(&rule),
        Command::Init { path, force, strict } => init(&path, force, strict),
        Command::Schema => print(&schema()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("encguard: error: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn print(text: &str) -> Result<u8, String> {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`encguard rules | head`) is not an error worth reporting.
    let _ = stdout.write_all(text.as_bytes());
    Ok(EXIT_CLEAN)
}

fn load_policy(path: Option<&Path>) -> Result<Policy, String> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None if Path::new("encguard.toml").exists() => PathBuf::from("encguard.toml"),
        None => return Ok(Policy::default()),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Policy::parse(&text).map_err(|e| format!("{}:{e}", path.display()))
}

/// The scan date: today, or ENCGUARD_TODAY (YYYY-MM-DD) for reproducible reports.
fn today() -> Result<Date, String> {
    match std::env::var("ENCGUARD_TODAY") {
        Ok(text) => Date::parse(&text).ok_or_else(|| format!("ENCGUARD_TODAY `{text}` is not a date (YYYY-MM-DD)")),
        Err(_) => Ok(Date::today()),
    }
}

/// Everything a scan produced.
struct Scanned {
    loaded: inputs::Loaded,
    evaluation: encguard_rules::Evaluation,
    /// Whether the policy file asks unknowns and gaps to fail the run.
    fail_on_unknown: bool,
}

fn run_scan(args: &ScanArgs) -> Result<Scanned, String> {
    for id in args.rules.iter().chain(&args.skip_rules) {
        if encguard_rules::rule(id).is_none() {
            return Err(format!("no rule `{id}` (see `encguard rules`)"));
        }
    }
    if let Some(id) = args.rules.iter().find(|id| args.skip_rules.iter().any(|s| s.eq_ignore_ascii_case(id))) {
        return Err(format!("`{id}` is both run (--rule) and skipped (--skip-rule): nothing would be checked"));
    }
    let policy = load_policy(args.policy.as_deref())?;
    let today = today()?;
    let mut parameters = std::collections::HashMap::new();
    for file in &args.parameter_files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        parameters
            .extend(encguard_cloudformation::parameter_file(&text).map_err(|e| format!("{}: {e}", file.display()))?);
    }
    parameters.extend(args.parameters.iter().cloned());
    let options = inputs::SourceOptions {
        terraform: encguard_terraform::Options {
            var_files: args.var_files.clone(),
            vars: args.vars.clone(),
            max_instances: args.max_instances,
        },
        cloudformation: encguard_cloudformation::Options { parameters },
    };
    // A live scan reads the accounts it is asked to; directories only when they are named.
    let paths = match (&args.paths[..], args.live.aws) {
        ([], false) => vec![PathBuf::from(".")],
        (paths, _) => paths.to_vec(),
    };
    let mut loaded = inputs::load(&paths, &options);
    inputs::set_places(&mut loaded.inventory, &paths);
    if args.live.aws {
        loaded.inventory.extend(live_inventory(&args.live, None)?);
    }
    let ctx = Context::new(&loaded.inventory, &policy, today);
    let selected = |rule: &encguard_rules::Rule| {
        (args.rules.is_empty() || args.rules.iter().any(|id| id.eq_ignore_ascii_case(rule.id)))
            && !args.skip_rules.iter().any(|id| id.eq_ignore_ascii_case(rule.id))
    };
    // On the scan threads, whose stacks are sized for what hostile inputs can nest.
    let mut evaluation = encguard_values::on_scan_threads(|| encguard_rules::evaluate(&ctx, selected));
    evaluation.notices.append(&mut loaded.notices);
    if let Some(path) = &args.baseline {
        let (accepted, created) = read_baseline(path)?;
        evaluation.apply_baseline(&accepted, &format!("accepted in baseline {} ({created})", path.display()));
    }
    drop(ctx);
    Ok(Scanned { loaded, evaluation, fail_on_unknown: policy.gate.fail_on_unknown })
}

fn scan(args: ScanArgs) -> Result<u8, String> {
    let Scanned { loaded, evaluation, fail_on_unknown } = run_scan(&args)?;
    let identity = scan_identity(&args)?;
    if args.save {
        save_scan(&identity, &loaded, &evaluation)?;
    }
    // The auditors' report says what the scan was of, and its trend over the saved scans.
    let about = if matches!(args.format, Format::Html) { identity.about() } else { Default::default() };
    // SARIF carries the edits `encguard fix` would make (those that recreate a resource too:
    // a person applies them, and the result's remediation says so).
    let fixes = match args.format {
        Format::Sarif => {
            encguard_fix::plan(&evaluation.findings, &fix_scope(&args), |file| std::fs::read_to_string(file), true)
                .edits
        }
        _ => Vec::new(),
    };
    // The scan's time: now, or ENCGUARD_TODAY's midnight for reproducible reports.
    let time_ms = match std::env::var("ENCGUARD_TODAY") {
        Ok(_) => today()?.0 * 86_400_000,
        Err(_) => {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
        }
    };
    let report = Report {
        evaluation: &evaluation,
        resources: &loaded.inventory.resources,
        about: &about,
        gaps: &loaded.inventory.gaps,
        errors: &loaded.errors,
        fixes: &fixes,
        time_ms,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let style = if to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) {
        Style::Color
    } else {
        Style::Plain
    };
    let format = match args.format {
        Format::Text => encguard_report::Format::Text(style),
        Format::Json => encguard_report::Format::Json,
        Format::Sarif => encguard_report::Format::Sarif,
        Format::Junit => encguard_report::Format::Junit,
        Format::Markdown => encguard_report::Format::Markdown,
        Format::Html => encguard_report::Format::Html,
        Format::Ocsf => encguard_report::Format::Ocsf,
        Format::Asff => encguard_report::Format::Asff,
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            report
                .write_to(format, &mut out)
                .and_then(|()| out.flush())
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`encguard scan | head`) is not an error worth reporting.
            let _ = report.write_to(format, &mut out).and_then(|()| out.flush());
        }
    }
    // On a terminal, the text report has listed the errors already.
    let listed = to_terminal && matches!(args.format, Format::Text) && std::io::stderr().is_terminal();
    if !listed {
        for error in &loaded.errors {
            eprintln!("encguard: error: {}", encguard_report::terminal_safe(&error.to_string()));
        }
    }
    let threshold = args.fail_on.into();
    Ok(if !loaded.errors.is_empty() {
        EXIT_ERROR
    } else if evaluation.fails_at(threshold)
        || ((args.fail_on_unknown || fail_on_unknown)
            && (evaluation.unknown_at(threshold) || !loaded.inventory.gaps.is_empty()))
    {
        EXIT_VIOLATIONS
    } else {
        EXIT_CLEAN
    })
}

fn fix(args: ScanArgs, write: bool, allow_replacement: bool, review: bool) -> Result<u8, String> {
    let Scanned { loaded, evaluation, .. } = run_scan(&args)?;
    for error in &loaded.errors {
        eprintln!("encguard: error: {}", encguard_report::terminal_safe(&error.to_string()));
    }
    let scope = fix_scope(&args);
    let plan =
        encguard_fix::plan(&evaluation.findings, &scope, |file| std::fs::read_to_string(file), allow_replacement);
    for manual in &plan.manual {
        eprintln!("encguard: fix by hand: {}", encguard_report::terminal_safe(manual));
    }
    if review {
        print(&plan.review_diff())?;
        return Ok(if loaded.errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR });
    }
    if !plan.review.is_empty() {
        eprintln!(
            "encguard: {} files have key policies to review, never written: `encguard fix --review` prints them",
            plan.review.len()
        );
    }
    if write {
        for file in &plan.files {
            std::fs::write(&file.file, &file.after).map_err(|e| format!("{}: {e}", file.file))?;
        }
        for replaced in &plan.replacements {
            eprintln!("encguard: applying this recreates {}", encguard_report::terminal_safe(replaced));
        }
        eprintln!("fixed {} findings in {} files", plan.fixed, plan.files.len());
    } else {
        print(&plan.diff())?;
    }
    Ok(if loaded.errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}

/// What the fixes need of a scan: the paths it read (those given, else the current
/// directory) and the variables its command line gave.
fn fix_scope(args: &ScanArgs) -> encguard_fix::Scope {
    let roots = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut given: Vec<String> = args.vars.iter().map(|(name, _)| name.clone()).collect();
    if !args.var_files.is_empty() {
        given.push("*".into());
    }
    encguard_fix::Scope { roots, given }
}

fn open_store(store: &StoreArg) -> Result<Store, String> {
    let location =
        store.get().unwrap_or_else(|| StoreLocation::File(encguard_store::saved::default_path(Path::new("."))));
    open_store_at(&location)
}

/// Opens the store at `location`, saying so when opening it moved it to this schema.
fn open_store_at(location: &StoreLocation) -> Result<Store, String> {
    let store = Store::open(location).map_err(|e| e.to_string())?;
    if let Some(copy) = store.migrated() {
        eprintln!(
            "{location}: moved to schema {}; the store as it was is kept as {copy}",
            encguard_store::saved::SCHEMA_VERSION,
        );
    }
    Ok(store)
}

fn diff(older: Option<String>, newer: Option<String>, format: DiffFormat, store: StoreArg) -> Result<u8, String> {
    // A scan is a JSON report file, or the number of a saved scan.
    let read = |scan: &str, saved: &mut Option<Store>| {
        let path = Path::new(scan);
        if let (false, Ok(id)) = (path.exists(), scan.parse::<i64>()) {
            let store = match saved {
                Some(store) => store,
                None => saved.insert(open_store(&store)?),
            };
            return store.open_findings(id).map_err(|e| e.to_string());
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{scan}: {e}"))?;
        encguard_store::open_findings(&text).map_err(|e| format!("{scan}: {e}"))
    };
    let mut saved = None;
    let (older, newer) = match (older, newer) {
        (Some(older), Some(newer)) => (older, newer),
        (None, None) => {
            let (older, newer) = saved.insert(open_store(&store)?).last_two().map_err(|e| e.to_string())?;
            (older.to_string(), newer.to_string())
        }
        _ => return Err("diff compares two scans: name both, or neither for the last two saved".into()),
    };
    let diff = encguard_store::diff(read(&older, &mut saved)?, read(&newer, &mut saved)?);
    print(&match format {
        DiffFormat::Text => diff.text(),
        DiffFormat::Json => serde_json::to_string_pretty(&diff).expect("JSON") + "\n",
        DiffFormat::Markdown => diff.markdown(),
    })
}

fn drift(
    iac: &[PathBuf],
    deployed: &[PathBuf],
    store: StoreArg,
    live: &AwsArgs,
    format: DiffFormat,
) -> Result<u8, String> {
    let policy = load_policy(None)?;
    let today = today()?;
    let options = inputs::SourceOptions {
        terraform: encguard_terraform::Options::default(),
        cloudformation: encguard_cloudformation::Options::default(),
    };
    // Paths are read as a scan reads them; a number that names no file is a saved scan.
    let load = |args: &[PathBuf]| -> Result<inputs::Loaded, String> {
        let (saved, paths): (Vec<&PathBuf>, Vec<&PathBuf>) =
            args.iter().partition(|p| !p.exists() && p.to_str().is_some_and(|s| s.parse::<i64>().is_ok()));
        let paths: Vec<PathBuf> = paths.into_iter().cloned().collect();
        let mut loaded = inputs::load(&paths, &options);
        if !saved.is_empty() {
            let mut history = open_store(&store)?;
            for id in saved {
                let id: i64 = id.to_str().unwrap_or_default().parse().unwrap_or_default();
                let json = history.inventory(id).map_err(|e| e.to_string())?;
                let inventory: Inventory =
                    serde_json::from_str(&json).map_err(|e| format!("saved scan {id}: its inventory: {e}"))?;
                loaded.inventory.extend(inventory);
            }
        }
        Ok(loaded)
    };
    let code = load(iac)?;
    let mut estate = match (deployed.is_empty(), live.aws) {
        (false, _) => load(deployed)?,
        (true, true) => {
            inputs::Loaded { inventory: live_inventory(live, None)?, errors: Vec::new(), notices: Vec::new() }
        }
        (true, false) => {
            return Err("drift compares code with what is deployed: pass --deployed INVENTORY or --aws".into())
        }
    };
    estate.inventory.resources.retain(|r| !matches!(r.location, encguard_model::Location::File { .. }));
    for error in code.errors.iter().chain(&estate.errors) {
        eprintln!("encguard: error: {}", encguard_report::terminal_safe(&error.to_string()));
    }
    // What the account could not say is neither drift nor a match: said here.
    for gap in &estate.inventory.gaps {
        eprintln!(
            "encguard: not read: {} {}: {} (what it would have told is not compared)",
            gap.scope,
            gap.what,
            encguard_report::terminal_safe(&gap.error)
        );
    }
    let sides = |inventory: &Inventory, declared: bool| -> Vec<encguard_store::drift::Side> {
        let ctx = Context::new(inventory, &policy, today);
        let evaluation = encguard_values::on_scan_threads(|| encguard_rules::evaluate(&ctx, |_| true));
        let mut verdicts: std::collections::HashMap<
            &str,
            std::collections::BTreeMap<String, encguard_store::Reported>,
        > = Default::default();
        for f in &evaluation.findings {
            verdicts.entry(f.resource.as_str()).or_default().insert(f.rule.to_string(), reported(f));
        }
        // A key goes by its aliases' names too: the one name code and account both know.
        let mut aliases: std::collections::HashMap<encguard_rules::ResourceId, Vec<String>> = Default::default();
        for (r, alias) in ctx.all::<encguard_model::KmsAlias>() {
            let (Some(encguard_model::Value::Known(name)), Some(encguard_model::Value::Known(target))) =
                (&*alias.alias_name, &*alias.target_key)
            else {
                continue;
            };
            if let Ok(Some(key)) = ctx.lookup_where(r, target, |s| matches!(s, encguard_model::Spec::KmsKey(_))) {
                aliases.entry(key.id).or_default().push(name.clone());
            }
        }
        ctx.resources()
            // What AWS itself provides (default parameter groups, its managed keys and their
            // aliases, automated snapshots) is nobody's code, and not unmanaged either.
            .filter(|r| declared || !aws_provided(r, aliases.get(&r.id)))
            // Resources that configure another (a bucket's encryption, a key's policy) are
            // compared through it.
            .filter(|r| {
                !matches!(
                    r.spec,
                    encguard_model::Spec::S3EncryptionConfig(_)
                        | encguard_model::Spec::S3BucketPolicy(_)
                        | encguard_model::Spec::S3Logging(_)
                        | encguard_model::Spec::S3InventoryConfig(_)
                        | encguard_model::Spec::KmsKeyPolicy(_)
                        | encguard_model::Spec::SecretRotation(_)
                        | encguard_model::Spec::ListenerCertificate(_)
                        | encguard_model::Spec::AcmValidation(_)
                )
            })
            .map(|r| {
                // A declared resource goes by its identity only: source addresses name
                // nothing deployed.
                let is_address = |h: &str| {
                    h == r.name
                        || h.contains('|')
                        || h.starts_with("module.")
                        || h.starts_with(&format!("{}.", r.source_type))
                };
                let mut names: Vec<String> =
                    r.handles.iter().filter(|h| !declared || !is_address(h)).cloned().collect();
                if !declared {
                    names.push(r.name.clone());
                }
                names.extend(aliases.get(&r.id).into_iter().flatten().cloned());
                // An account setting goes by its region: the one the provider (or account) sets.
                let setting = match &r.spec {
                    encguard_model::Spec::EbsEncryptionByDefault(_) => Some("ebs-encryption-by-default"),
                    encguard_model::Spec::EbsDefaultKey(_) => Some("ebs-default-kms-key"),
                    _ => None,
                };
                names.extend(setting.map(str::to_string));
                // Names are unique within a region (buckets and distributions everywhere):
                // code whose region is known matches a regional name only in that region.
                let global = matches!(
                    r.spec,
                    encguard_model::Spec::S3Bucket(_)
                        | encguard_model::Spec::CloudfrontDistribution(_)
                        | encguard_model::Spec::IamPolicy(_)
                ) || r.region.as_deref() == Some("global");
                if let (false, Some(region)) = (global, &r.region) {
                    let qualified = names.iter().filter(|n| !n.starts_with("arn:")).map(|n| format!("{n}@{region}"));
                    let qualified: Vec<String> = qualified.collect();
                    // Deployed resources also answer to the bare name, for code whose region
                    // is not known (then a name may match in another region).
                    if declared {
                        names.retain(|n| n.starts_with("arn:"));
                    }
                    names.extend(qualified);
                }
                let mut attributes = serde_json::to_value(&r.spec).unwrap_or_default();
                // A bucket's default encryption is what configures it, inline or split.
                if matches!(r.spec, encguard_model::Spec::S3Bucket(_)) {
                    if let Some(encryption) = ctx.bucket(r).encryption {
                        attributes["encryption"] = serde_json::to_value(encryption).unwrap_or_default();
                    }
                }
                encguard_store::drift::Side {
                    name: r.name.clone(),
                    kind: attributes["kind"].as_str().unwrap_or_default().to_string(),
                    names,
                    attributes,
                    verdicts: verdicts.remove(r.name.as_str()).unwrap_or_default(),
                }
            })
            .collect()
    };
    let drift = encguard_store::drift::drift(&sides(&code.inventory, true), &sides(&estate.inventory, false));
    print(&match format {
        DiffFormat::Json => serde_json::to_string_pretty(&drift).expect("JSON") + "\n",
        DiffFormat::Text | DiffFormat::Markdown => drift.text(),
    })?;
    Ok(if code.errors.is_empty() && estate.errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}

/// A finding as reports and the store keep it.
fn reported(f: &encguard_rules::Finding) -> encguard_store::Reported {
    let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let location = match &f.location {
        encguard_model::Location::File { file, line, .. } => format!("{file}:{line}"),
        encguard_model::Location::Aws { account, region, .. } => format!("{account}/{region}"),
    };
    encguard_store::Reported {
        rule: f.rule.to_string(),
        resource: f.resource.clone(),
        status: text(serde_json::json!(f.status)),
        severity: text(serde_json::json!(f.severity)),
        message: f.message.clone(),
        location,
        fingerprint: f.fingerprint.clone(),
    }
}

fn history(store: StoreArg) -> Result<u8, String> {
    let scans = open_store(&store)?.history().map_err(|e| e.to_string())?;
    let mut out = String::from("SCAN  TIME                  FAIL  UNKNOWN  COMMIT        INPUTS\n");
    for s in scans {
        let commit = s.git_commit.as_deref().map_or("", |c| &c[..c.len().min(12)]);
        out.push_str(&format!(
            "{:<5} {:<21} {:>4} {:>8}  {:<12}  {}\n",
            s.id,
            s.time,
            s.failures,
            s.unknowns,
            commit,
            s.inputs.replace('\n', ", ")
        ));
    }
    print(&out)
}

/// What a scan is of, as the history store and the report's reader know it.
struct ScanIdentity {
    /// The history store: `--store`, else the default under the first path's work tree.
    store: StoreLocation,
    /// What was scanned, relative to the store's root (the same inputs match from anywhere).
    inputs: Vec<String>,
    /// The policy file read, if any (else the built-in default), and its text.
    policy_file: Option<PathBuf>,
    policy: String,
    /// The commit of the git work tree holding the store.
    commit: Option<String>,
}

fn scan_identity(args: &ScanArgs) -> Result<ScanIdentity, String> {
    let first = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    // Inputs are named from the root of the store's work tree: a file's, else the scanned
    // path's (where a database is shared, the same repository matches from any runner).
    let default = encguard_store::saved::default_path(&first);
    let store = args.store.get().unwrap_or_else(|| StoreLocation::File(default.clone()));
    let file = match &store {
        StoreLocation::File(path) => path,
        StoreLocation::Postgres(_) => &default,
    };
    let root = file.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    // A database holds the scans of many repositories: a path is named with its repository
    // (its origin, else where it is), so that one repository's scans match only its own.
    let repository = match &store {
        StoreLocation::File(_) => String::new(),
        StoreLocation::Postgres(_) => {
            let origin = encguard_store::saved::git_origin(&root);
            format!("{}:", origin.unwrap_or_else(|| root.display().to_string()))
        }
    };
    let mut inputs: Vec<String> = args
        .paths
        .iter()
        .map(|p| {
            let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            let relative = p.strip_prefix(&root).map_or_else(|_| p.display().to_string(), |r| r.display().to_string());
            format!("{repository}{relative}")
        })
        .collect();
    if args.live.aws {
        inputs.push(format!("aws regions={} accounts={}", args.live.regions.join(","), args.live.accounts.join(",")));
    }
    inputs.sort();
    let policy_file =
        args.policy.clone().or_else(|| Path::new("encguard.toml").exists().then(|| PathBuf::from("encguard.toml")));
    let policy = match &policy_file {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => DEFAULT_POLICY.to_string(),
    };
    Ok(ScanIdentity { store, inputs, policy_file, policy, commit: encguard_store::saved::git_commit(&root) })
}

impl ScanIdentity {
    fn policy_hash(&self) -> String {
        format!("{:016x}", fnv1a(self.policy.as_bytes()))
    }

    /// What the report says the scan is of, with the saved scans of the same inputs
    /// (this one too, when saved) for its trend. A store that does not exist is not made.
    fn about(&self) -> encguard_report::About {
        let trend = match Store::open_existing(&self.store) {
            Ok(Some(mut store)) => store.history().unwrap_or_default(),
            _ => Vec::new(),
        };
        let inputs = self.inputs.join("\n");
        encguard_report::About {
            inputs: self.inputs.clone(),
            policy: self
                .policy_file
                .as_ref()
                .map_or_else(|| "the built-in default policy".to_string(), |p| p.display().to_string()),
            policy_hash: self.policy_hash(),
            commit: self.commit.clone(),
            trend: trend
                .into_iter()
                .filter(|s| s.inputs == inputs)
                .map(|s| encguard_report::TrendPoint {
                    time: s.time,
                    failures: s.failures as usize,
                    unknowns: s.unknowns as usize,
                })
                .collect(),
        }
    }
}

fn save_scan(
    identity: &ScanIdentity,
    loaded: &inputs::Loaded,
    evaluation: &encguard_rules::Evaluation,
) -> Result<(), String> {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let time = format!(
        "{}T{:02}:{:02}:{:02}Z",
        Date(secs.div_euclid(86_400)),
        secs.rem_euclid(86_400) / 3600,
        secs.rem_euclid(3600) / 60,
        secs.rem_euclid(60)
    );
    let findings = evaluation.findings.iter().map(|f| (reported(f), f.suppression.is_some())).collect();
    let inventory = serde_json::to_string(&loaded.inventory).map_err(|e| e.to_string())?;
    let scan = encguard_store::saved::NewScan {
        time: &time,
        tool_version: env!("CARGO_PKG_VERSION"),
        policy_hash: &identity.policy_hash(),
        inputs: &identity.inputs.join("\n"),
        git_commit: identity.commit.as_deref(),
        inventory: &inventory,
        findings,
    };
    let mut store = open_store_at(&identity.store)?;
    let id = store.save(&scan).map_err(|e| e.to_string())?;
    eprintln!("saved as scan {id} in {}", identity.store);
    Ok(())
}

/// FNV-1a, 64 bits: a hash that stays the same across versions, for telling policies apart.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The baseline format: the fingerprints of accepted findings, with what they were. It
/// follows the fingerprint's version: a baseline of other fingerprints is refused.
const BASELINE_VERSION: u64 = encguard_rules::FINGERPRINT_VERSION as u64;

fn baseline(args: ScanArgs) -> Result<u8, String> {
    let path = args.output.clone().ok_or("baseline needs --output FILE")?;
    let Scanned { loaded, evaluation, .. } = run_scan(&args)?;
    if !loaded.errors.is_empty() {
        for error in &loaded.errors {
            eprintln!("encguard: error: {}", encguard_report::terminal_safe(&error.to_string()));
        }
        return Err("not recording a baseline of a scan that could not read all its inputs".into());
    }
    let findings: Vec<serde_json::Value> = evaluation
        .findings
        .iter()
        .filter(|f| f.is_open())
        .map(|f| serde_json::json!({"fingerprint": f.fingerprint, "rule": f.rule, "resource": f.resource, "status": f.status}))
        .collect();
    let doc = serde_json::json!({"encguard_baseline": BASELINE_VERSION, "created": today()?.to_string(), "findings": findings});
    let text = serde_json::to_string_pretty(&doc).expect("JSON") + "\n";
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("recorded {} findings in {}", findings.len(), path.display());
    Ok(EXIT_CLEAN)
}

fn read_baseline(path: &Path) -> Result<(std::collections::HashSet<String>, String), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
    match doc["encguard_baseline"].as_u64() {
        Some(BASELINE_VERSION) => {}
        Some(older) if older < BASELINE_VERSION => {
            return Err(format!(
                "{}: a baseline of version {older}, whose fingerprints this encguard no longer makes \
                 (they now hold the path from the repository root and the root module); \
                 record it again with `encguard baseline`",
                path.display()
            ))
        }
        _ => return Err(format!("{}: not an encguard baseline (version {BASELINE_VERSION})", path.display())),
    }
    let accepted = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["fingerprint"].as_str().map(str::to_string))
        .collect();
    Ok((accepted, doc["created"].as_str().unwrap_or("undated").to_string()))
}

#[cfg(feature = "aws")]
/// The live accounts `args` name; a shard, balanced by `balance` when given, says which.
fn live_inventory(args: &AwsArgs, balance: Option<&Balance>) -> Result<Inventory, String> {
    let slice = args.shard.as_deref().map(shard).transpose()?;
    let shard = match (&slice, balance) {
        (Some(s), Some((sizes, _))) => Some(encguard_aws::Shard::balanced(s.index, s.count, sizes)),
        (s, _) => s.clone(),
    };
    let mut inventory =
        encguard_aws::collect(&encguard_aws::Options { shard, ..aws_options(args) }).map_err(|e| e.to_string())?;
    inventory.slice = slice.map(|s| encguard_model::Slice {
        index: s.index,
        count: s.count,
        balanced_by: balance.map(|(_, scan)| scan.clone()),
    });
    Ok(inventory)
}

#[cfg(feature = "aws")]
/// How to reach the accounts `args` name.
fn aws_options(args: &AwsArgs) -> encguard_aws::Options {
    encguard_aws::Options {
        profile: args.profile.clone(),
        regions: args.regions.clone(),
        role_arn: args.role_arn.clone(),
        external_id: args.external_id.clone(),
        accounts: args.accounts.clone(),
        role_name: args.role_name.clone(),
        organization: args.org,
        endpoint_url: args.endpoint_url.clone(),
        concurrency: args.concurrency,
        verbose: args.verbose,
        call_timeout: std::time::Duration::from_secs(args.call_timeout.max(1)),
        shard: None,
    }
}

#[cfg(not(feature = "aws"))]
fn live_inventory(_: &AwsArgs, _: Option<&Balance>) -> Result<Inventory, String> {
    Err("this encguard was built without live AWS support (feature `aws`)".into())
}

/// The sizes of (account, region) units to balance slices by, and the saved scan they are
/// from.
type Balance = (BTreeMap<String, usize>, String);

/// The sizes of the units of the newest saved scan that read live accounts, with that scan
/// named, for `merge` to compare.
#[cfg(feature = "aws")]
fn saved_unit_sizes(location: &StoreLocation) -> Result<Option<Balance>, String> {
    let mut store = open_store_at(location)?;
    for scan in store.history().map_err(|e| e.to_string())?.iter().rev() {
        let json = store.inventory(scan.id).map_err(|e| e.to_string())?;
        let inventory: Inventory = serde_json::from_str(&json).map_err(|e| format!("saved scan {}: {e}", scan.id))?;
        let sizes = encguard_aws::unit_sizes(&inventory);
        if !sizes.is_empty() {
            // Every runner must balance by the same scan: it says which, to compare.
            eprintln!("balancing the slices by the sizes of saved scan {} ({})", scan.id, scan.time);
            return Ok(Some((sizes, format!("scan {} ({})", scan.id, scan.time))));
        }
    }
    // The first run of a recipe that saves its scans: slices by hash this time.
    eprintln!("{location}: no saved scan read live accounts; the slices go by the units' hash");
    Ok(None)
}

#[cfg(not(feature = "aws"))]
fn saved_unit_sizes(_: &StoreLocation) -> Result<Option<Balance>, String> {
    Err("this encguard was built without live AWS support (feature `aws`)".into())
}

fn collect(args: &AwsArgs, output: &Path, store: StoreArg) -> Result<u8, String> {
    if !args.aws {
        return Err("collect reads live accounts: pass --aws".into());
    }
    let balance = match (&store.get(), &args.shard) {
        (Some(store), Some(_)) => saved_unit_sizes(store)?,
        _ => None,
    };
    let inventory = live_inventory(args, balance.as_ref())?;
    std::fs::write(output, inventory.to_json() + "\n").map_err(|e| format!("{}: {e}", output.display()))?;
    eprintln!(
        "collected {} resources into {}{}",
        inventory.resources.len(),
        output.display(),
        if inventory.gaps.is_empty() {
            String::new()
        } else {
            format!("; {} things could not be read (listed in `gaps`)", inventory.gaps.len())
        }
    );
    Ok(EXIT_CLEAN)
}

fn merge(inventories: &[PathBuf], output: &Path) -> Result<u8, String> {
    let mut merged = Inventory::new(Vec::new());
    let mut slices = Vec::new();
    for path in inventories {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        let inventory = Inventory::from_json(&shown, &text).map_err(|e| e.to_string())?;
        slices.push((shown, inventory.slice.clone()));
        merged.extend(inventory);
    }
    whole(&slices)?;
    // The same order as one collection's.
    merged.resources.sort_by(|a, b| a.name.cmp(&b.name));
    merged.gaps.sort_by(|a, b| (&a.scope, &a.what).cmp(&(&b.scope, &b.what)));
    std::fs::write(output, merged.to_json() + "\n").map_err(|e| format!("{}: {e}", output.display()))?;
    eprintln!(
        "merged {} resources from {} inventories into {}",
        merged.resources.len(),
        inventories.len(),
        output.display()
    );
    Ok(EXIT_CLEAN)
}

/// Whether the slices of a sharded collection make one collection: every slice of one split
/// (the same count, balanced by the same saved scan), each once. Inventories that are not
/// slices join as they are.
fn whole(slices: &[(String, Option<encguard_model::Slice>)]) -> Result<(), String> {
    let Some((first, Some(split))) = slices.iter().find(|(_, s)| s.is_some()) else { return Ok(()) };
    let mut seen = BTreeMap::new();
    for (file, slice) in slices {
        let Some(slice) = slice else {
            return Err(format!("{file} is not a slice, and {first} is: merge the slices of one collection"));
        };
        if (slice.count, &slice.balanced_by) != (split.count, &split.balanced_by) {
            let by = |s: &encguard_model::Slice| s.balanced_by.clone().unwrap_or_else(|| "hash".into());
            return Err(format!(
                "{file} is slice {}/{} balanced by {}, {first} is {}/{} balanced by {}: not one split",
                slice.index,
                slice.count,
                by(slice),
                split.index,
                split.count,
                by(split)
            ));
        }
        if let Some(other) = seen.insert(slice.index, file) {
            return Err(format!("{other} and {file} are both slice {}/{}", slice.index, slice.count));
        }
    }
    let missing: Vec<String> =
        (0..split.count).filter(|i| !seen.contains_key(i)).map(|i| format!("{i}/{}", split.count)).collect();
    if !missing.is_empty() {
        return Err(format!("slices {} are missing: the merge would not be the whole collection", missing.join(", ")));
    }
    Ok(())
}

#[cfg(feature = "aws")]
fn export(to: ExportTarget) -> Result<u8, String> {
    let ExportTarget::Securityhub { findings: path, profile, role_arn, external_id, endpoint_url } = to;
    let path = path.as_path();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let findings: Vec<serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not findings in the AWS Security Finding Format ({e})", path.display()))?;
    let options = encguard_aws::Options {
        profile,
        role_arn,
        external_id,
        endpoint_url,
        call_timeout: std::time::Duration::from_secs(10),
        ..Default::default()
    };
    let imported =
        encguard_aws::export::to_security_hub(&options, &findings).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("Security Hub imported {} of {} findings", imported.imported, findings.len());
    for (id, why) in &imported.failed {
        eprintln!("encguard: error: Security Hub refused {id}: {why}");
    }
    Ok(if imported.failed.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}

#[cfg(not(feature = "aws"))]
fn export(_: ExportTarget) -> Result<u8, String> {
    Err("this encguard was built without live AWS support (feature `aws`)".into())
}

fn iam_policy(export: bool, remediate: bool) -> Result<u8, String> {
    #[cfg(feature = "aws")]
    return print(&match (export, remediate) {
        (true, _) => encguard_aws::export::export_policy(),
        (_, true) => encguard_aws::remediate::remediate_policy(),
        _ => encguard_aws::iam_policy(),
    });
    #[cfg(not(feature = "aws"))]
    {
        let _ = (export, remediate);
        Err("this encguard was built without live AWS support (feature `aws`)".into())
    }
}

fn rules_table() -> String {
    let mut out = format!("{:<8} {:<9} {:<28} {}\n", "ID", "SEVERITY", "SECTION", "TITLE");
    for rule in CATALOG {
        out.push_str(&format!(
            "{:<8} {:<9} {:<28} {}\n",
            rule.id,
            rule.severity.name(),
            rule.section.title(),
            rule.title
        ));
    }
    out
}

/// Every rule's documentation as one Markdown page (docs/rules.md).
fn rules_reference() -> String {
    let mut out = String::from("# encguard rules\n\nGenerated by `encguard rules --markdown`: the documentation each rule holds in its code.\n");
    let mut section = None;
    for rule in CATALOG {
        if section != Some(rule.section) {
            section = Some(rule.section);
            out.push_str(&format!("\n## {}\n", rule.section.title()));
        }
        let doc = explanation(rule).replace("\n## ", "\n#### ");
        out.push_str(&format!("\n<a id=\"{}\"></a>\n\n### {doc}", rule.id.to_ascii_lowercase()));
    }
    out
}

fn explain(id: &str) -> Result<u8, String> {
    let rule = encguard_rules::rule(id).ok_or_else(|| format!("no rule `{id}` (see `encguard rules`)"))?;
    print(&explanation(rule))
}

fn explanation(rule: &encguard_rules::Rule) -> String {
    let mut out = format!(
        "{} — {}\nseverity: {}    section: {}\n\n{}\n",
        rule.id,
        rule.title,
        rule.severity,
        rule.section.title(),
        rule.documentation().trim_end()
    );
    if !rule.equivalents.is_empty() {
        out.push_str("\n## Equivalents in other tools\n");
        for (tool, ids) in rule.equivalents {
            out.push_str(&format!("- {tool}: {ids}\n"));
        }
    }
    out
}

fn init(path: &Path, force: bool, strict: bool) -> Result<u8, String> {
    if path.exists() && !force {
        return Err(format!("{} exists; pass --force to replace it", path.display()));
    }
    let text = if strict { encguard_rules::strict_policy() } else { DEFAULT_POLICY.to_string() };
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(EXIT_CLEAN)
}

fn schema() -> String {
    let schema = schemars::schema_for!(Inventory);
    let mut text = serde_json::to_string_pretty(&schema).expect("schema is JSON");
    text.push('\n');
    text
}
