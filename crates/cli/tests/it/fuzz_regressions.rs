//! Every input that once crashed a fuzz target (`fuzz/regressions/TARGET/`), replayed
//! through the same code as the target, so that CI keeps them fixed without nightly Rust.

use super::workspace;
use encguard_model::Inventory;
use encguard_rules::{evaluate, Context, Date, Policy};

fn judge(inventory: &Inventory, policy: &Policy) {
    let ctx = Context::new(inventory, policy, Date::parse("2026-11-28").unwrap());
    let _ = evaluate(&ctx, |_| true);
}

fn replay(target: &str, run: impl Fn(&str)) -> usize {
    let dir = workspace().join("fuzz/regressions").join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if let Ok(text) = String::from_utf8(std::fs::read(&path).unwrap()) {
            run(&text);
            count += 1;
        }
    }
    count
}

#[test]
fn inputs_that_crashed_a_fuzz_target_are_read() {
    let policy = Policy::default();
    replay("hcl", |text| {
        let files = [("main.tf".to_string(), text.to_string())];
        let scan =
            encguard_terraform::scan_module_text(std::path::Path::new("fuzz-module"), &files, &Default::default());
        judge(&scan.inventory, &policy);
    });
    replay("plan", |text| {
        if let Ok(inventory) = encguard_terraform::scan_plan("plan.json", text) {
            judge(&inventory, &policy);
        }
    });
    replay("cloudformation", |text| {
        judge(&encguard_cloudformation::scan_template("template.yaml", text, &Default::default()).inventory, &policy);
    });
    replay("inventory", |text| {
        if let Ok(inventory) = Inventory::from_json("inventory.json", text) {
            judge(&inventory, &policy);
        }
    });
    let example = std::fs::read_to_string(workspace().join("examples/inventory.json")).unwrap();
    let example = Inventory::from_json("inventory.json", &example).unwrap();
    replay("policy", |text| {
        if let Ok(policy) = Policy::parse(text) {
            judge(&example, &policy);
        }
    });
}
