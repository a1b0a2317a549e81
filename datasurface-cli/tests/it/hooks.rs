//! Workspaces' code hooks on the command line: `check` refuses a module that
//! is missing, changed, outside the model or not a hook; `hook test` asks a
//! module for a decision.

use super::{copy_northwind, datasurface, repo_root, scratch};

#[test]
fn check_refuses_hook_modules_that_cannot_be_used() {
    // Changed after it was pinned.
    let dir = scratch("hook-changed");
    copy_northwind(&dir, str::to_owned);
    let module = dir.join("hooks/monthly_or_new_batch.wasm");
    let mut bytes = std::fs::read(&module).unwrap();
    bytes.push(0);
    std::fs::write(&module, bytes).unwrap();
    let run = datasurface(&["check", "."], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("error[hook-module]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("but the model pins a6e10608"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("northwindteam.yaml:113:7"),
        "{}",
        run.stderr
    );

    // Missing.
    std::fs::remove_file(&module).unwrap();
    let run = datasurface(&["check", "."], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);

    // A link that leads out of the model is not followed.
    #[cfg(unix)]
    {
        let outside = scratch("hook-outside").join("monthly_or_new_batch.wasm");
        std::fs::copy(
            repo_root().join("examples/hooks/monthly_or_new_batch.wasm"),
            &outside,
        )
        .unwrap();
        std::os::unix::fs::symlink(&outside, &module).unwrap();
        let run = datasurface(&["check", "."], &dir);
        assert_eq!(run.code, 1, "{}", run.transcript());
        assert!(
            run.stderr.contains("resolves outside the model"),
            "{}",
            run.stderr
        );
    }

    // A path that tries to leave the model does not even load.
    let dir = scratch("hook-dotdot");
    copy_northwind(&dir, |team| {
        team.replacen("module: hooks/", "module: ../hooks/", 1)
    });
    let run = datasurface(&["check", "."], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("path inside the model"),
        "{}",
        run.stderr
    );
}

#[test]
fn hook_test_prints_the_decision_with_its_cost() {
    let dir = scratch("hook-test");
    std::fs::write(
        dir.join("tick.json"),
        r#"{"kind": "scheduleTick", "time": "2026-11-15T06:00:00Z"}"#,
    )
    .unwrap();
    let module = repo_root().join("examples/hooks/monthly_or_new_batch.wasm");
    let module = module.to_str().unwrap();
    let run = datasurface(&["hook", "test", module, "--event", "tick.json"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let answer: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(answer["decision"]["action"], "defer");
    assert_eq!(answer["decision"]["until"], "2026-12-01T00:00:00Z");
    assert!(answer["fuel"].as_u64().is_some_and(|f| f > 0), "{answer}");
    assert!(answer["micros"].as_u64().is_some(), "{answer}");

    // Too little fuel: the hook fails, exit 1, the error says what to raise.
    let run = datasurface(
        &[
            "hook",
            "test",
            module,
            "--event",
            "tick.json",
            "--fuel",
            "100",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("raise `limits.fuel`"), "{}", run.stderr);

    // An event that is not one: exit 2, with an example.
    std::fs::write(dir.join("bad.json"), r#"{"kind": "tick"}"#).unwrap();
    let run = datasurface(&["hook", "test", module, "--event", "bad.json"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("unknown variant `tick`"),
        "{}",
        run.stderr
    );
}

#[test]
fn up_shows_the_hook_s_decisions_and_a_broken_module_fails_by_its_policy() {
    let dir = scratch("hook-up");
    copy_northwind(&dir, str::to_owned);
    let up = datasurface(&["up", ".", "--state", "state"], &dir);
    assert_eq!(up.code, 0, "{}", up.transcript());
    assert!(
        up.stdout.contains(
            "MaskCustomersWorkSpace                   hook on batchCommitted: run: a new batch of NW_Data with changes\n"
        ),
        "{}",
        up.stdout
    );
    assert!(up.stdout.contains("Masked_NW_Data"), "{}", up.stdout);
    // With --verbose, the fuel the hook used.
    let up = datasurface(&["up", ".", "--state", "state-v", "--verbose"], &dir);
    assert_eq!(up.code, 0, "{}", up.transcript());
    assert!(
        up.stdout.contains("with changes (") && up.stdout.contains(" fuel)\n"),
        "{}",
        up.stdout
    );

    // The module changed after the model pinned it: the hook cannot be
    // used, and Northwind's hook fails open, so the transformer runs.
    let dir = scratch("hook-up-broken");
    copy_northwind(&dir, str::to_owned);
    let module = dir.join("hooks/monthly_or_new_batch.wasm");
    let mut bytes = std::fs::read(&module).unwrap();
    bytes.push(0);
    std::fs::write(&module, bytes).unwrap();
    let up = datasurface(&["up", ".", "--state", "state"], &dir);
    assert_eq!(up.code, 0, "{}", up.transcript());
    assert!(
        up.stdout
            .contains("hook on batchCommitted: run: the hook's module cannot be used: the hook of workspace `MaskCustomersWorkSpace`"),
        "{}",
        up.stdout
    );
    assert!(up.stdout.contains("failing open"), "{}", up.stdout);
    assert!(up.stdout.contains("Masked_NW_Data "), "{}", up.stdout);

    // Failing closed, the transformer does not run, and `--format json`
    // carries the decision.
    let dir = scratch("hook-up-closed");
    copy_northwind(&dir, |team| {
        team.replacen(
            "      events: [",
            "      onFailure: failClosed\n      events: [",
            1,
        )
    });
    let module = dir.join("hooks/monthly_or_new_batch.wasm");
    std::fs::write(&module, b"not a module").unwrap();
    let apply = datasurface(&["apply", ".", "--state", "state"], &dir);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    let run = datasurface(
        &["run", ".", "--state", "state", "--all", "--format", "json"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let decision = &summary["decisions"][0];
    assert_eq!(decision["workspace"], "MaskCustomersWorkSpace");
    assert_eq!(decision["action"], "skip");
    assert_eq!(decision["decidedBy"], "failedClosed");
    let streams: Vec<&str> = summary["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stream"].as_str().unwrap())
        .collect();
    assert_eq!(streams, ["NW_Data"]);
}
