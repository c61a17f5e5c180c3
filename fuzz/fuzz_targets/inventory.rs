//! An inventory (`inventory.json`), read and judged by every rule.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(inventory) = encguard_model::Inventory::from_json("inventory.json", text) {
            let policy = encguard_rules::Policy::default();
            let ctx = encguard_rules::Context::new(&inventory, &policy, encguard_rules::Date::parse("2026-11-28").unwrap());
            let _ = encguard_rules::evaluate(&ctx, |_| true);
        }
    }
});
