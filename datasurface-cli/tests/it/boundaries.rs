//! A model is read from its own directory only: links out of it, links that
//! go nowhere, FIFOs and oversized files are refused before anything is read
//! from them, so nothing outside the model is printed or approved.

use std::process::Command;

use super::{copy_northwind, datasurface, scratch};

/// A file outside any model, holding what an attacker wants printed.
fn secret_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("outside.env");
    std::fs::write(&path, "API_TOKEN=do-not-print-me\n").unwrap();
    path
}

#[test]
fn a_link_out_of_the_model_is_refused_and_never_read() {
    let dir = scratch("link-out");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    let secret = secret_file(&dir);
    std::os::unix::fs::symlink(&secret, model.join("zones/usa/teams/evil.yaml")).unwrap();
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("model/zones/usa/teams/evil.yaml")
            && run
                .stderr
                .contains("symbolic link that leads outside the model's directory"),
        "{}",
        run.transcript()
    );
    assert!(!run.transcript().contains("do-not-print-me"));

    // The same link in a proposed change: refused, not approved.
    let base = dir.join("base");
    copy_northwind(&base, str::to_owned);
    let verify = datasurface(
        &[
            "verify",
            "--base",
            "base",
            "--proposed",
            "model",
            "--source",
            "northwind/northwind-team@main",
        ],
        &dir,
    );
    assert_eq!(verify.code, 2, "{}", verify.transcript());
    assert!(!verify.transcript().contains("do-not-print-me"));

    // A linked directory out of the model is refused the same way.
    std::fs::remove_file(model.join("zones/usa/teams/evil.yaml")).unwrap();
    std::os::unix::fs::symlink(&dir, model.join("zones/elsewhere")).unwrap();
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("model/zones/elsewhere"),
        "{}",
        run.transcript()
    );
}

#[test]
fn container_files_and_reserved_columns_are_checked() {
    let dir = scratch("collide-files");
    let model = dir.join("model");
    // `Test Azure SQL` and `Test_Azure_SQL` would share one database file;
    // a column may not look like the platforms' own.
    copy_northwind(&model, |t| {
        t.replacen(
            "  Test Azure SQL:\n",
            "  Test_Azure_SQL:\n    kind: {database: {engine: POSTGRES, database: other}}\n  Test Azure SQL:\n",
            1,
        )
        .replacen(
            "    container: Test Azure SQL\n    priority: HIGH",
            "    container: Test_Azure_SQL\n    priority: HIGH",
            1,
        )
        .replacen(
            "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n",
            "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n            ds_surf_batch_in: {type: Integer, classifications: [PUB]}\n",
            1,
        )
    });
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains(
            "would both be a database file named `Test_Azure_SQL.sqlite` on platform `Local`"
        ),
        "{}",
        run.transcript()
    );
    assert!(
        run.stderr.contains("error[reserved-column-name]: column `ds_surf_batch_in` of dataset `NW_Data.products` starts with `ds_`, which platform `Local` keeps for its own columns"),
        "{}",
        run.transcript()
    );
}

#[test]
fn loops_fifos_and_oversized_files_are_refused_without_hanging() {
    let dir = scratch("odd-files");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    std::os::unix::fs::symlink("loop.yaml", model.join("loop.yaml")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(model.join("zones/pipe.yaml"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("model/loop.yaml") && run.stderr.contains("cannot be resolved"));
    assert!(
        run.stderr.contains("model/zones/pipe.yaml") && run.stderr.contains("not a regular file")
    );

    std::fs::remove_file(model.join("loop.yaml")).unwrap();
    std::fs::remove_file(model.join("zones/pipe.yaml")).unwrap();
    let big = model.join("zones/usa/big.yaml");
    let line = "# padding\n".repeat(1 << 20);
    let mut text = String::with_capacity(70 << 20);
    for _ in 0..7 {
        text.push_str(&line);
    }
    std::fs::write(&big, text).unwrap();
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("model/zones/usa/big.yaml")
            && run
                .stderr
                .contains("larger than 64 MiB, the most a model file may be"),
        "{}",
        run.transcript()
    );
}

#[test]
fn links_inside_the_model_and_half_written_outputs_are_fine() {
    let dir = scratch("inside");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    // A team directory linked from elsewhere in the model is read once.
    std::fs::rename(model.join("zones/usa/teams"), model.join("teams")).unwrap();
    std::os::unix::fs::symlink("../../teams", model.join("zones/usa/teams")).unwrap();
    // A state directory a crash left with only its database and a JSON file.
    std::fs::create_dir_all(model.join("state")).unwrap();
    std::fs::write(model.join("state/merge.sqlite"), "").unwrap();
    std::fs::write(model.join("state/applied.json"), "{}").unwrap();
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn two_names_that_meet_in_one_physical_name_are_an_error_at_check() {
    let dir = scratch("collide");
    let model = dir.join("model");
    // A second store whose name differs from `NW_Data` only in case, read by
    // the same consumer: both would write `nw_data_products_merge`.
    copy_northwind(&model, |t| {
        let store = t
            .split("\n  Masked_NW_Data:")
            .next()
            .unwrap()
            .split("\ndatastores:\n")
            .nth(1)
            .unwrap()
            .to_owned();
        t.replacen(
            "\ndatastores:\n",
            &format!("\ndatastores:\n{}\n", store.replacen("  NW_Data:", "  nw_data:", 1)),
            1,
        )
        .replacen(
            "          - {datastore: NW_Data, dataset: products}",
            "          - {datastore: NW_Data, dataset: products}\n          - {datastore: nw_data, dataset: products}",
            1,
        )
    });
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("error[physical-name-collision]")
            && run.stderr.contains("dataset `nw_data.products` and dataset `NW_Data.products` would both be a table, view or index in schema `azure_platform` named `nw_data_products_staging` on platform `Azure Platform` (and 3 more of the names made from them)"),
        "{}",
        run.transcript()
    );
    // The embedded platform compares table names without case too.
    assert!(
        run.stderr.contains("would both be a table in the merge database named `nw_data__products__staging` on platform `Local`"),
        "{}",
        run.transcript()
    );
}

#[test]
fn secrets_and_unsafe_credential_names_are_refused() {
    let dir = scratch("secrets");
    let model = dir.join("model");
    copy_northwind(&model, |t| {
        t.replacen(
            "        database: nw_analytics\n",
            "        database: nw_analytics\n        options: {dsn: \"postgresql://app:hunter2@db/nw\"}\n",
            1,
        )
    });
    let eco = model.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap().replacen(
        "    kind: airflow\n",
        "    kind: airflow\n    parameters: {mergePassword: hunter2}\n",
        1,
    );
    std::fs::write(&eco, text).unwrap();
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("error[secret-in-model]: `mergePassword` looks like a secret")
            && run
                .stderr
                .contains("error[secret-in-model]: the value holds a password or private key"),
        "{}",
        run.transcript()
    );

    // A credential name becomes secret names and environment variables: no
    // templates or shell in it.
    let dir = scratch("credential-name");
    let model = dir.join("model");
    copy_northwind(&model, |t| {
        t.replacen("{name: nw_reader,", "{name: \"nw{{ 7 * 7 }}$(id)\",", 1)
    });
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("a credential name holds letters, digits, `_`, `-` and `.`"),
        "{}",
        run.transcript()
    );
}

#[test]
fn command_line_numbers_out_of_range_are_usage_errors() {
    let dir = scratch("numbers");
    let root = super::repo_root();
    let northwind = root.join("examples/models/northwind");
    let model = northwind.to_str().unwrap();
    for (args, says) in [
        (
            vec!["graph", model, "--chunk-size", "0"],
            "0 is not in 1..=1000000",
        ),
        (
            vec!["run", model, "--every", "18446744073709551615s"],
            "longer than a week",
        ),
        (
            vec!["generate", "--stores", "100000000000", "--out", "big"],
            "is not in 1..=1000000",
        ),
        (
            vec!["generate", "--stores", "1000000", "--out", "big"],
            "the model would have 100000000 columns in all",
        ),
    ] {
        let run = datasurface(&args, &dir);
        assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
        assert!(run.stderr.contains(says), "{args:?}: {}", run.transcript());
    }
    assert!(!dir.join("big").exists());
}

#[test]
fn a_team_container_file_outside_the_model_is_refused() {
    let dir = scratch("outside-path");
    let model = dir.join("model");
    copy_northwind(&model, |t| {
        t.replacen(
            "  NW Source DB:\n    kind:\n      database:\n        engine: POSTGRES\n        database: northwind",
            "  NW Source DB:\n    kind:\n      database:\n        engine: SQLITE\n        database: ../../secrets.sqlite",
            1,
        )
    });
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("error[sqlite-path-outside-model]: container `NW Source DB` names the file `../../secrets.sqlite`"),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_team_container_file_linked_out_of_the_model_is_not_read() {
    let dir = scratch("linked-source");
    let model = dir.join("model");
    copy_northwind(&model, |t| {
        t.replacen(
            "        engine: POSTGRES\n        database: northwind\n        endpoint: {host: nw-orders.northwind.example, port: 5432}",
            "        engine: SQLITE\n        database: data/orders.sqlite",
            1,
        )
    });
    let eco = model.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco)
        .unwrap()
        .replacen(
            "    parameters:\n      # The order system's data on this machine: a SQLite file beside the model.\n      sources: {NW Source DB: data/northwind.sqlite}\n",
            "",
            1,
        );
    std::fs::write(&eco, text).unwrap();
    // The team's file is a link to a database outside the model.
    std::fs::copy(
        model.join("data/northwind.sqlite"),
        dir.join("elsewhere.sqlite"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        dir.join("elsewhere.sqlite"),
        model.join("data/orders.sqlite"),
    )
    .unwrap();
    let run = datasurface(
        &["up", "model", "--state", "state", "--platform", "Local"],
        &dir,
    );
    // Judged where the link leads: out of the model, refused before
    // anything runs (the engine would not follow it either).
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("names `data/orders.sqlite`, which leads out of the model"),
        "{}",
        run.transcript()
    );
    // The same file inside the model is read.
    std::fs::remove_file(model.join("data/orders.sqlite")).unwrap();
    std::fs::copy(
        dir.join("elsewhere.sqlite"),
        model.join("data/orders.sqlite"),
    )
    .unwrap();
    let run = datasurface(
        &[
            "run",
            "model",
            "--state",
            "state",
            "--platform",
            "Local",
            "--all",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
}
