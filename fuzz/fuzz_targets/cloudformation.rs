//! A CloudFormation template (JSON or YAML), evaluated and judged by every rule.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let scan = encguard_cloudformation::scan_template("template.yaml", text, &Default::default());
        let policy = encguard_rules::Policy::default();
        let ctx = encguard_rules::Context::new(&scan.inventory, &policy, encguard_rules::Date::parse("2026-11-28").unwrap());
        let _ = encguard_rules::evaluate(&ctx, |_| true);
    }
});
