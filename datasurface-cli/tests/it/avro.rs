//! Datasets whose schema is an Avro record in a file of the team's: its
//! columns on every platform, its pin, a platform's refusal of what it
//! cannot store, and `verify` judging versions by Avro's resolution rules.

use std::path::Path;

use super::{copy_northwind, datasurface, scratch};

const SCHEMA_FILE: &str = "zones/usa/teams/schemas/suppliers.avsc";

/// Northwind's suppliers as an Avro record (their columns as written today).
pub(super) const SUPPLIERS: &str = r#"{
  "type": "record", "name": "Supplier", "namespace": "northwind",
  "fields": [
    {"name": "supplier_id", "type": "int"},
    {"name": "company_name", "type": "string", "doc": "The supplier's trading name."},
    {"name": "contact_name", "type": ["null", "string"], "default": null},
    {"name": "city", "type": ["null", "string"], "default": null},
    {"name": "country", "type": ["null", "string"], "default": null},
    {"name": "phone", "type": ["null", "string"], "default": null}
  ]
}
"#;

/// The suppliers' columns in the Northwind team file, replaced by `avro`.
const COLUMNS: &str = "          columns:
            supplier_id: {type: Integer, nullable: false}
            company_name: {type: {NVarChar: {maxSize: 40}}, nullable: false}
            contact_name: {type: {NVarChar: {maxSize: 30}}}
            city: {type: {NVarChar: {maxSize: 15}}}
            country: {type: {NVarChar: {maxSize: 15}}}
            phone: {type: {NVarChar: {maxSize: 24}}}
";

/// Northwind in `dir` with its suppliers' schema in `SCHEMA_FILE`, holding
/// `schema` and pinned by `pin` (its own digest when `None`).
pub(super) fn northwind_with(dir: &Path, schema: &str, pin: Option<&str>) {
    let digest = pin.map_or_else(
        || datasurface_platform::sha256_hex(schema.as_bytes()),
        str::to_owned,
    );
    copy_northwind(dir, |team| {
        assert!(
            team.contains(COLUMNS),
            "the suppliers' columns are as this test knows them"
        );
        team.replacen(
            COLUMNS,
            &format!(
                "          avro:\n            file: {{path: {SCHEMA_FILE}, sha256: {digest}}}\n"
            ),
            1,
        )
    });
    let file = dir.join(SCHEMA_FILE);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, schema).unwrap();
}

#[test]
fn an_avro_file_makes_the_datasets_columns_and_data_flows_through_them() {
    let dir = scratch("avro-up");
    let model = dir.join("model");
    northwind_with(&model, SUPPLIERS, None);
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The sqlite platform makes tables of the record's columns and moves the rows.
    let run = datasurface(&["up", "model", "--state", "state"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let db =
        rusqlite::Connection::open(dir.join("state/containers/Test_Azure_SQL.sqlite")).unwrap();
    let (rows, named): (i64, i64) = db
        .query_row(
            r#"SELECT count(*), count(company_name) FROM "ProductAnalytics__Reporting__NW_Data__suppliers""#,
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(rows > 0 && named == rows, "{rows} suppliers, {named} named");
    let run = datasurface(
        &["graph", "model", "--platform", "Local", "--format", "json"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The ODCS export shows the columns the record makes.
    let run = datasurface(
        &["contract", "export", "model", "--datastore", "NW_Data"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("  - name: company_name\n    logicalType: string\n    physicalType: STRING\n    required: true\n    description: The supplier's trading name.\n"), "{}", run.stdout);
}

#[test]
fn a_changed_file_that_keeps_its_old_pin_is_refused() {
    let dir = scratch("avro-pin");
    let model = dir.join("model");
    let pin = datasurface_platform::sha256_hex(SUPPLIERS.as_bytes());
    let changed = SUPPLIERS.replace("\"int\"", "\"long\"");
    northwind_with(&model, &changed, Some(&pin));
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("error[invalid-avro-schema]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("not the pinned {pin}")),
        "{}",
        run.stderr
    );
    // A path out of the model does not load.
    std::fs::remove_dir_all(&model).unwrap();
    northwind_with(&model, SUPPLIERS, None);
    let team = model.join("zones/usa/teams/northwindteam.yaml");
    let text = std::fs::read_to_string(&team).unwrap();
    std::fs::write(&team, text.replace(SCHEMA_FILE, "../outside.avsc")).unwrap();
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("it cannot leave the model"),
        "{}",
        run.stderr
    );
    // Nor is a link inside it to a file outside it followed.
    #[cfg(unix)]
    {
        std::fs::write(&team, &text).unwrap();
        std::fs::write(dir.join("outside.avsc"), SUPPLIERS).unwrap();
        std::fs::remove_file(model.join(SCHEMA_FILE)).unwrap();
        std::os::unix::fs::symlink(dir.join("outside.avsc"), model.join(SCHEMA_FILE)).unwrap();
        let run = datasurface(&["check", "model"], &dir);
        assert_eq!(run.code, 1, "{}", run.transcript());
        assert!(run.stderr.contains("outside the model"), "{}", run.stderr);
    }
}

#[test]
fn a_platform_refuses_a_type_it_cannot_store() {
    let dir = scratch("avro-capability");
    let model = dir.join("model");
    let with_bytes = SUPPLIERS.replace(
        r#"{"name": "phone", "type": ["null", "string"], "default": null}"#,
        r#"{"name": "phone", "type": ["null", "string"], "default": null}, {"name": "logo", "type": ["null", "bytes"], "default": null}"#,
    );
    northwind_with(&model, &with_bytes, None);
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("logo") && run.stderr.contains("Binary"),
        "{}",
        run.stderr
    );
}

fn verify(dir: &Path) -> super::Run {
    datasurface(
        &[
            "verify",
            "--base",
            "base",
            "--proposed",
            "proposed",
            "--source",
            "northwind/northwind-team@main",
        ],
        dir,
    )
}

#[test]
fn verify_compares_avro_versions_as_consumers_read_them() {
    let dir = scratch("avro-verify");
    northwind_with(&dir.join("base"), SUPPLIERS, None);
    // A new field, and a field made never null: the old schema reads both.
    let compatible = SUPPLIERS
        .replace(
            r#""name": "city", "type": ["null", "string"], "default": null"#,
            r#""name": "city", "type": "string""#,
        )
        .replace(
            r#"{"name": "phone""#,
            r#"{"name": "fax", "type": ["null", "string"], "default": null}, {"name": "phone""#,
        );
    northwind_with(&dir.join("proposed"), &compatible, None);
    let run = verify(&dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("may merge"), "{}", run.stdout);
    // An int widened to a long: readers of the old schema cannot read it.
    std::fs::remove_dir_all(dir.join("proposed")).unwrap();
    northwind_with(
        &dir.join("proposed"),
        &SUPPLIERS.replace("\"int\"", "\"long\""),
        None,
    );
    let run = verify(&dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("error[avro-incompatible]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("fields[supplier_id].type: `long` cannot be read as `int`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("ProductAnalytics"),
        "names the consumer: {}",
        run.stderr
    );
}
