//! A Terraform module of one file, evaluated and judged by every rule.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let files = [("main.tf".to_string(), text.to_string())];
        // A count of 90,000 is valid and takes the time 90,000 resources take: fewer
        // instances keep each input within the fuzzer's per-input timeout.
        let options = encguard_terraform::Options { max_instances: 1_000, ..Default::default() };
        let scan = encguard_terraform::scan_module_text(std::path::Path::new("fuzz-module"), &files, &options);
        judge(&scan.inventory);
    }
});

fn judge(inventory: &encguard_model::Inventory) {
    let policy = encguard_rules::Policy::default();
    let ctx = encguard_rules::Context::new(inventory, &policy, encguard_rules::Date::parse("2026-11-28").unwrap());
    let _ = encguard_rules::evaluate(&ctx, |_| true);
}
