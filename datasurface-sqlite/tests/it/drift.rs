//! What is lost outside the engine is made again, and what was removed and
//! comes back is filled in full: the engine never leaves a consumer with
//! part of its data and never blocks without saying why.

use rusqlite::Connection;

use super::engine::{SHOP, rows, shop};

/// The `Audit` workspace taken out of the model.
fn without_audit() -> String {
    SHOP.replacen(
        "  - workspace: Audit\n    datasetGroup: History\n    platforms: [{platform: Local, status: PROVISIONED}]\n",
        "",
        1,
    )
    .replacen(
        "          Audit:\n            container: Warehouse\n            datasetGroups:\n              History:\n                sinks:\n                  - {datastore: Shop, dataset: items}\n                requirements: {milestoning: FORENSIC, latency: HOURS}\n",
        "",
        1,
    )
}

#[test]
fn a_consumer_removed_and_added_again_is_back_filled_in_full() {
    let rig = shop("readded");
    rig.apply(SHOP);
    rig.run();
    rig.apply(&without_audit());
    // Changes while the consumer is away.
    rig.source("shop.sqlite")
        .execute_batch("INSERT INTO items VALUES (3, 'nib', 0.75); UPDATE items SET price = 1.75 WHERE id = 1;")
        .unwrap();
    rig.run();
    rig.apply(SHOP);
    let w = rig.warehouse("Warehouse");
    // Everything live, not only what changed after its return.
    assert_eq!(
        rows(
            &w,
            "SELECT id, price FROM Audit__History__Shop__items WHERE ds_surf_batch_out = 2147483647 ORDER BY id"
        ),
        ["1|1.75", "2|4.00", "3|0.75"]
    );
    // And it keeps up from there.
    rig.source("shop.sqlite")
        .execute_batch("DELETE FROM items WHERE id = 2;")
        .unwrap();
    rig.run();
    assert_eq!(
        rows(
            &w,
            "SELECT id FROM Audit__History__Shop__items WHERE ds_surf_batch_out = 2147483647 ORDER BY id"
        ),
        ["1", "3"]
    );
}

#[test]
fn a_dropped_export_table_stops_the_stream_saying_why_and_apply_repairs_it() {
    let rig = shop("dropped");
    rig.apply(SHOP);
    rig.run();
    let table = {
        let w = rig.warehouse("Warehouse");
        let tables = rows(
            &w,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%items%' ORDER BY name",
        );
        let table = tables[0].clone();
        w.execute_batch(&format!("DROP TABLE \"{table}\"")).unwrap();
        table
    };
    // The next run fails the stream, naming the table and the fix.
    let summary = rig.run();
    let shop_stream = summary.streams.iter().find(|s| s.stream == "Shop").unwrap();
    let message = shop_stream.message.clone().unwrap_or_default();
    assert!(
        message.contains(&format!(
            "export table `{table}` is missing from container `Warehouse`"
        )) && message.contains("datasurface apply"),
        "{message}"
    );
    // Apply finds the drift with no model change, makes it again, back-fills it.
    let next = super::engine::render(SHOP, "Local");
    let plan = datasurface_platform::DataPlatform::diff(
        &datasurface_sqlite::SqlitePlatform,
        &rig.engine.applied().unwrap(),
        &next,
    );
    assert!(plan.is_empty());
    let summary = rig.engine.apply(&plan, &next).unwrap();
    assert_eq!(summary.repaired.len(), 1, "{summary:?}");
    assert_eq!(summary.backfilled, [format!("Warehouse/{table}")]);
    let w = rig.warehouse("Warehouse");
    assert_eq!(
        rows(
            &w,
            &format!("SELECT count(*) FROM \"{table}\" WHERE ds_surf_batch_out = 2147483647")
        ),
        ["2"]
    );
    let after = rig.run();
    assert!(
        after.streams.iter().all(|s| s.message.is_none()),
        "{after:?}"
    );
}

#[test]
fn a_deleted_container_database_is_made_again_by_apply() {
    let rig = shop("deleted");
    rig.apply(SHOP);
    rig.run();
    let path = rig.engine.container_path("Warehouse");
    std::fs::remove_file(&path).unwrap();
    let summary = rig.run();
    assert!(
        summary.streams.iter().all(|s| s
            .message
            .as_deref()
            .is_some_and(|m| m.contains("is missing") && m.contains("datasurface apply"))),
        "{summary:?}"
    );
    assert!(
        !path.exists(),
        "a run does not make an empty database in its place"
    );
    rig.apply(SHOP);
    let w = Connection::open(&path).unwrap();
    assert_eq!(
        rows(
            &w,
            "SELECT id, kind FROM Live__Main__Feed__events ORDER BY id"
        ),
        ["1|view", "2|buy"]
    );
    assert_eq!(
        rows(&w, "SELECT count(*) FROM Live__Main__Shop__items"),
        ["2"]
    );
}

#[test]
fn decimals_are_kept_exactly_and_shown_at_their_scale() {
    let rig = shop("decimals");
    rig.source("shop.sqlite")
        .execute_batch(
            "DELETE FROM items; INSERT INTO items VALUES (1, 'a', '10.00'), (2, 'b', '9.99'), (3, 'c', '100.5'), (4, 'd', '123456.78');",
        )
        .unwrap();
    rig.apply(SHOP);
    rig.run();
    let w = rig.warehouse("Warehouse");
    // A consumer reads each amount as written at the declared scale, and
    // sorts it as a number by casting it.
    assert_eq!(
        rows(
            &w,
            "SELECT id, price, typeof(price) FROM Live__Main__Shop__items ORDER BY CAST(price AS REAL)"
        ),
        [
            "2|9.99|text",
            "1|10.00|text",
            "3|100.50|text",
            "4|123456.78|text"
        ]
    );
    // Stored as whole cents: exact, whatever the value.
    let merge = Connection::open(rig.engine.merge_path()).unwrap();
    assert_eq!(
        rows(
            &merge,
            "SELECT price, typeof(price) FROM Shop__items ORDER BY id"
        ),
        [
            "1000|integer",
            "999|integer",
            "10050|integer",
            "12345678|integer"
        ]
    );
    // A value with more digits than its type fails the batch, naming it.
    rig.source("shop.sqlite")
        .execute_batch("UPDATE items SET price = '1.005' WHERE id = 1;")
        .unwrap();
    let summary = rig.run();
    let message = summary
        .streams
        .iter()
        .find(|s| s.stream == "Shop")
        .and_then(|s| s.message.clone())
        .unwrap_or_default();
    assert!(
        message.contains("dataset `items`: column `price` holds `1.005`, which has more than 2 digits after the point"),
        "{message}"
    );
}

#[test]
fn decimals_beyond_the_digits_of_a_float_reach_consumers_exactly() {
    let rig = shop("wide-decimals");
    let price = "price: {type: {Decimal: {precision: 8, scale: 2}}}";
    let wide = SHOP.replacen(
        price,
        "price: {type: {Decimal: {precision: 18, scale: 2}}}",
        1,
    );
    // 2^53 is 9007199254740992: every amount here is more units than a
    // float holds exactly, and the last two are the widest of 18 digits.
    // (A SQLite source keeps them exactly only as text.)
    rig.source("shop.sqlite")
        .execute_batch(
            "DROP TABLE items; CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price TEXT); \
             INSERT INTO items VALUES \
             (1, 'a', '90071992547409.93'), (2, 'b', '1234567890123456.78'), \
             (3, 'c', '9999999999999999.99'), (4, 'd', '-9999999999999999.99');",
        )
        .unwrap();
    rig.apply(&wide);
    let summary = rig.run();
    assert!(
        summary.streams.iter().all(|s| s.message.is_none()),
        "{summary:?}"
    );
    let merge = Connection::open(rig.engine.merge_path()).unwrap();
    assert_eq!(
        rows(&merge, "SELECT price FROM Shop__items ORDER BY id"),
        [
            "9007199254740993",
            "123456789012345678",
            "999999999999999999",
            "-999999999999999999"
        ]
    );
    let w = rig.warehouse("Warehouse");
    assert_eq!(
        rows(
            &w,
            "SELECT id, price FROM Live__Main__Shop__items ORDER BY id"
        ),
        [
            "1|90071992547409.93",
            "2|1234567890123456.78",
            "3|9999999999999999.99",
            "4|-9999999999999999.99"
        ]
    );
}

#[test]
fn a_decimal_whose_scale_changes_keeps_its_values() {
    let rig = shop("rescaled");
    rig.source("shop.sqlite")
        .execute_batch(
            "DELETE FROM items; INSERT INTO items VALUES (1, 'a', '10.25'), (2, 'b', '-0.05');",
        )
        .unwrap();
    rig.apply(SHOP);
    rig.run();
    let price = "price: {type: {Decimal: {precision: 8, scale: 2}}}";
    assert!(SHOP.contains(price));
    // A wider decimal: every stored number is restated in the new unit.
    let wider = SHOP.replacen(
        price,
        "price: {type: {Decimal: {precision: 12, scale: 4}}}",
        1,
    );
    rig.apply(&wider);
    let merge = Connection::open(rig.engine.merge_path()).unwrap();
    assert_eq!(
        rows(&merge, "SELECT price FROM Shop__items ORDER BY id"),
        ["102500", "-500"]
    );
    let w = rig.warehouse("Warehouse");
    assert_eq!(
        rows(
            &w,
            "SELECT id, price FROM Live__Main__Shop__items ORDER BY id"
        ),
        ["1|10.2500", "2|-0.0500"]
    );
    // The next batch merges on as before.
    rig.source("shop.sqlite")
        .execute_batch("UPDATE items SET price = '10.2575' WHERE id = 1;")
        .unwrap();
    rig.run();
    assert_eq!(
        rows(
            &w,
            "SELECT id, price FROM Live__Main__Shop__items ORDER BY id"
        ),
        ["1|10.2575", "2|-0.0500"]
    );
    // A narrower one that cannot hold what is stored is refused, saying so,
    // and the table stays as it was.
    let narrower = SHOP.replacen(
        price,
        "price: {type: {Decimal: {precision: 8, scale: 1}}}",
        1,
    );
    let next = super::engine::render(&narrower, "Local");
    let plan = datasurface_platform::DataPlatform::diff(
        &datasurface_sqlite::SqlitePlatform,
        &rig.engine.applied().unwrap(),
        &next,
    );
    let error = rig.engine.apply(&plan, &next).unwrap_err().to_string();
    assert!(
        error.contains("table `Shop__items` cannot keep its rows")
            && error.contains("which has more than 1 digit after the point (it was SCALED_INT(4), it is now SCALED_INT(1))")
            && error.contains("change the column's type back"),
        "{error}"
    );
    assert_eq!(
        rows(
            &merge,
            "SELECT price FROM Shop__items WHERE ds_surf_batch_out = 2147483647 ORDER BY id"
        ),
        ["102575", "-500"]
    );
}
