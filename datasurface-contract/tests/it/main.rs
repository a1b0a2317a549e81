//! datasurface-contract's integration tests: export then import, and the
//! contracts checked by the official ODCS tools.

mod external;
mod import;
mod roundtrip;
mod tools;

use datasurface_core::names::ColumnName;
use datasurface_core::quality::{Literal, QualityRule, Severity};

fn column(name: &str) -> ColumnName {
    ColumnName::new(name).expect("a column name")
}

/// Northwind with a rule of each kind on `products`, in the order a
/// contract gives them back (the table's, then each column's).
pub(crate) fn northwind_with_rules() -> datasurface_core::Ecosystem {
    let mut model = datasurface_fixtures::northwind()
        .build()
        .expect("Northwind builds");
    let products = std::sync::Arc::make_mut(&mut model.zones[0].teams[0])
        .datastores
        .get_mut("NW_Data")
        .and_then(|s| s.datasets.get_mut("products"))
        .expect("Northwind has products");
    products.quality = vec![
        QualityRule::row_count(Some(1), Some(100_000)),
        QualityRule::unique(vec![column("supplier_id"), column("product_name")])
            .named("one-name-per-supplier"),
        QualityRule::range(
            column("unit_price"),
            Some(Literal::Number("0".into())),
            None,
        )
        .with_severity(Severity::Warn),
        QualityRule::freshness(column("product_id"), std::num::NonZeroU32::MIN),
        QualityRule::check("unit_price < 1000 OR discontinued").named("sane-price"),
        QualityRule::unique(vec![column("product_name")]),
        QualityRule::allowed_values(
            column("category_id"),
            (1..=8).map(|n| Literal::Number(n.to_string())).collect(),
        )
        .with_severity(Severity::Warn),
    ];
    model
}
