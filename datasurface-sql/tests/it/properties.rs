//! Properties over generated queries: any text gives an answer, never a
//! panic; a projection of input columns under any aliases maps each alias
//! to its column, in order.

use datasurface_sql::{Dialect, How, Input, analyze};
use proptest::prelude::*;

const COLUMNS: [&str; 5] = ["a", "b", "c", "d", "e"];

fn dialect() -> impl Strategy<Value = Dialect> {
    prop_oneof![
        Just(Dialect::Sqlite),
        Just(Dialect::Postgres),
        Just(Dialect::Spark),
        Just(Dialect::Generic),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_gives_an_answer(sql in "[ -~\n]{0,200}", dialect in dialect()) {
        let inputs = [Input::new("t", COLUMNS)];
        let _ = analyze(&sql, dialect, &inputs);
    }

    #[test]
    fn sql_shaped_text_gives_an_answer(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("SELECT"), Just("FROM"), Just("t"), Just("u"), Just("a"), Just("("),
                Just(")"), Just(","), Just("*"), Just("WHERE"), Just("JOIN"), Just("ON"),
                Just("="), Just("WITH"), Just("AS"), Just("x"), Just("UNION"), Just("1"),
                Just("sum"), Just("OVER"), Just("CASE"), Just("WHEN"), Just("THEN"), Just("END"),
            ],
            0..40,
        ),
        dialect in dialect(),
    ) {
        let inputs = [Input::new("t", COLUMNS), Input::new("u", ["a", "x"])];
        let _ = analyze(&parts.join(" "), dialect, &inputs);
    }

    #[test]
    fn a_projection_maps_each_alias_to_its_column(
        picked in proptest::collection::vec((0..COLUMNS.len(), "[a-z]{1,8}"), 1..8),
        dialect in dialect(),
    ) {
        let inputs = [Input::new("t", COLUMNS)];
        let list: Vec<String> = picked
            .iter()
            .enumerate()
            .map(|(n, (column, alias))| format!("{} AS {alias}_{n}", COLUMNS[*column]))
            .collect();
        let sql = format!("SELECT {} FROM t", list.join(", "));
        let lineage = analyze(&sql, dialect, &inputs);
        prop_assert!(lineage.problems.is_empty(), "{sql}: {:?}", lineage.problems);
        prop_assert_eq!(lineage.columns.len(), picked.len());
        for (n, ((column, alias), out)) in picked.iter().zip(&lineage.columns).enumerate() {
            prop_assert_eq!(&out.name, &format!("{alias}_{n}"));
            prop_assert_eq!(out.sources.len(), 1);
            prop_assert_eq!(&out.sources[0].column, COLUMNS[*column]);
            prop_assert_eq!(out.sources[0].how, How::Copied);
        }
    }
}
