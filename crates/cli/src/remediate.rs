//! `encguard remediate`: plans the API calls that fix open failures of live resources,
//! applies a reviewed plan, and rolls an applied one back from its journal.

use crate::ScanArgs;
use std::path::{Path, PathBuf};

#[cfg(not(feature = "aws"))]
pub fn run(_: ScanArgs, _: Option<PathBuf>, _: Option<PathBuf>, _: Option<PathBuf>, _: &Path) -> Result<u8, String> {
    Err("this encguard was built without live AWS support (feature `aws`)".into())
}

#[cfg(feature = "aws")]
pub fn run(
    scan: ScanArgs,
    plan: Option<PathBuf>,
    apply: Option<PathBuf>,
    rollback: Option<PathBuf>,
    journal: &Path,
) -> Result<u8, String> {
    use crate::{EXIT_CLEAN, EXIT_ERROR};
    use encguard_aws::remediate;
    use encguard_model::remediation::{Journal, Outcome, RemediationPlan, Target};

    let safe = encguard_report::terminal_safe;
    let read = |path: &Path| std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()));
    let write =
        |path: &Path, json: String| std::fs::write(path, json + "\n").map_err(|e| format!("{}: {e}", path.display()));
    // Calls go to each resource's region; credentials start in the partition of the first.
    let options = |targets: Vec<&Target>| {
        let mut options = crate::aws_options(&scan.live);
        if options.regions.is_empty() {
            options.regions.extend(targets.first().map(|t| t.region.clone()));
        }
        options
    };
    let report = |journal: &Journal, verb: &str| -> u8 {
        let mut failed = false;
        for entry in &journal.entries {
            let step = &entry.step;
            let what = format!("{} {}", step.call.action(), step.target.resource);
            let line = match &entry.outcome {
                Outcome::Applied => format!("{verb}: {what}"),
                Outcome::AlreadyDone => format!("already so, no call: {what}"),
                Outcome::Changed => format!("skipped, its state changed since (now {}): {what}", entry.found),
                Outcome::Failed(why) => {
                    failed = true;
                    format!("failed: {what}: {why}")
                }
                Outcome::Manual(why) => format!("by hand: {what}: {why}"),
            };
            eprintln!("{}", safe(&line));
        }
        if failed {
            EXIT_ERROR
        } else {
            EXIT_CLEAN
        }
    };

    if let Some(path) = apply {
        let plan: RemediationPlan =
            serde_json::from_str(&read(&path)?).map_err(|e| format!("{}: not a plan: {e}", path.display()))?;
        // The journal is what a rollback reads: never written over, and made before any call.
        std::fs::OpenOptions::new().write(true).create_new(true).open(journal).map_err(|e| {
            format!("{}: {e} (a journal is never written over: name another with --journal)", journal.display())
        })?;
        let mut unwritten = None;
        let done = remediate::apply(&options(plan.steps.iter().map(|s| &s.target).collect()), &plan, |so_far| {
            if let Err(e) = write(journal, serde_json::to_string_pretty(so_far).expect("JSON")) {
                unwritten.get_or_insert(e);
            }
        })
        .map_err(|e| format!("{}: {e}", path.display()))?;
        let code = report(&done, "applied");
        if let Some(e) = unwritten {
            eprintln!("encguard: error: the journal could not be written, and is not whole: {e}");
            return Ok(EXIT_ERROR);
        }
        eprintln!("journal: {} (roll back with --rollback {0})", journal.display());
        return Ok(code);
    }
    if let Some(path) = rollback {
        let applied: Journal =
            serde_json::from_str(&read(&path)?).map_err(|e| format!("{}: not a journal: {e}", path.display()))?;
        let targets = applied.entries.iter().map(|e| &e.step.target).collect();
        let undone =
            remediate::rollback(&options(targets), &applied).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(report(&undone, "restored"));
    }
    let path = plan.expect("clap requires --plan without --apply or --rollback");
    let crate::Scanned { loaded, evaluation, .. } = crate::run_scan(&scan)?;
    for error in &loaded.errors {
        eprintln!("encguard: error: {}", safe(&error.to_string()));
    }
    let (wanted, manual) = encguard_fix::live::wanted(&evaluation.findings);
    let planned = remediate::plan(&options(wanted.iter().map(|w| &w.target).collect()), wanted, manual)
        .map_err(|e| e.to_string())?;
    write(&path, serde_json::to_string_pretty(&planned).expect("JSON"))?;
    for step in &planned.steps {
        let rules: Vec<&str> = step.fixes.iter().map(|f| f.rule.as_str()).collect();
        let line = format!(
            "{} {} ({}): {} → {}",
            step.call.action(),
            step.target.resource,
            rules.join(", "),
            step.before,
            step.after
        );
        eprintln!("{}", safe(&line));
    }
    // By hand: each piece of advice once, with how many resources it concerns (the plan
    // lists them all).
    let mut advice: std::collections::BTreeMap<(String, &str), Vec<&str>> = Default::default();
    for step in &planned.manual {
        let rules: Vec<&str> = step.fixes.iter().map(|f| f.rule.as_str()).collect();
        advice.entry((rules.join(", "), step.what.as_str())).or_default().push(&step.target.resource);
    }
    for ((rules, what), resources) in advice {
        let (first, more) = (resources[0], resources.len() - 1);
        let others = if more > 0 { format!(" and {more} more") } else { String::new() };
        eprintln!("by hand: {rules} on {}{others}: {}", safe(first), safe(what));
    }
    eprintln!(
        "{} calls planned in {}, {} fixes by hand; review it, then --apply {1}",
        planned.steps.len(),
        path.display(),
        planned.manual.len()
    );
    Ok(if loaded.errors.is_empty() { EXIT_CLEAN } else { EXIT_ERROR })
}
