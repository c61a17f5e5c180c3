//! A policy file (`encguard.toml`), read and applied to the example inventory.
#![no_main]

const EXAMPLE: &str = include_str!("../../examples/inventory.json");
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(policy) = encguard_rules::Policy::parse(text) {
            let inventory = encguard_model::Inventory::from_json("inventory.json", EXAMPLE).expect("the example inventory");
            let ctx = encguard_rules::Context::new(&inventory, &policy, encguard_rules::Date::parse("2026-11-28").unwrap());
            let _ = encguard_rules::evaluate(&ctx, |_| true);
        }
    }
});
