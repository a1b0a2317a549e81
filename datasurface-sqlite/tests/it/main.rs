//! The `sqlite` platform: conformance, and the engine end to end on real
//! SQLite files: Northwind with its masking transformer, history kept and
//! purged, bad batches, idempotent applies, evolving models and retention
//! (a run killed mid-batch is tested through the `datasurface` binary, in the
//! CLI's tests).

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod drift;
mod engine;
mod hooks;
mod schedules;

use datasurface_sqlite::SqlitePlatform;
use datasurface_testkit::Conformance;

#[test]
fn the_sqlite_platform_conforms() {
    Conformance::new(&SqlitePlatform)
        .with_example_base(example_base())
        .assert_passes();
}

/// The example base model on this platform, its source file mapped.
fn example_base() -> String {
    datasurface_testkit::example_base(
        "sqlite",
        "^0.1",
        r#"{sources: {"Sales DB": data/sales.sqlite}}"#,
    )
}

/// Every lint code's example, an edit of the example base model, gives the
/// report its entry documents (and `explain` shows).
#[test]
fn lint_code_examples_give_their_findings() {
    let base = example_base();
    let failures = datasurface_testkit::check_code_examples(
        std::sync::Arc::new(datasurface_sqlite::SqlitePlatform),
        &base,
    );
    let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", text.join("\n\n"));
}

/// The widest decimals: 18 digits are kept and shown exactly; a
/// transformer's SQL computes with 15, so a wider decimal it reads is
/// reported once, at the column, naming the transformer.
#[test]
fn decimals_are_as_wide_as_the_platform_keeps_them_exactly() {
    let base = example_base();
    let amount = "amount: {type: {Decimal: {precision: 12, scale: 2}}}";
    let report = |precision: u32| {
        let text = base.replacen(
            amount,
            &format!("amount: {{type: {{Decimal: {{precision: {precision}, scale: 2}}}}}}"),
            1,
        );
        assert_ne!(text, base);
        datasurface_testkit::check_model_text(std::sync::Arc::new(SqlitePlatform), &text)
            .unwrap()
            .only("sqlite-inexact-type")
            .to_string()
    };
    assert_eq!(report(15), "");
    let sixteen = report(16);
    assert!(
        sixteen.contains("column `amount` of `Orders.orders` is a decimal of 16 digits, and transformer `Totals` computes with SQLite numbers, which carry 15 exactly")
            && sixteen.matches("error[").count() == 1,
        "{sixteen}"
    );
    let nineteen = report(19);
    assert!(
        nineteen.contains("is a decimal of 19 digits; the platform keeps 18 exactly")
            && nineteen.matches("error[").count() == 1,
        "{nineteen}"
    );
}
