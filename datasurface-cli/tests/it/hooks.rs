//! Workspaces' code hooks on the command line: `check` refuses a module that
//! is missing, changed, outside the model or not a hook; `hook test` asks a
//! module for a decision.

use std::fmt::Write as _;

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
        run.stderr.contains("northwindteam.yaml:112:7"),
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

/// A hook module that keeps the contract's exports and does `decide` in `ds_decide`.
fn module_deciding(decide: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module (memory (export "memory") 1) (table $t 1 funcref)
            (func (export "ds_contract_version") (result i32) i32.const 1)
            (func (export "ds_alloc") (param i32) (result i32) i32.const 1024)
            (func (export "ds_decide") (param i32 i32) (result i64) {decide}))"#
    ))
    .unwrap()
}

/// Northwind with `bytes` as the masking workspace's hook, at `limits`
/// (a YAML flow map, or empty), and the same module for `ProductAnalytics`
/// when `twice`.
fn northwind_with_hook(dir: &std::path::Path, bytes: &[u8], limits: &str, twice: bool) {
    let sha = datasurface_platform::sha256_hex(bytes);
    copy_northwind(dir, |team| {
        let limits = if limits.is_empty() {
            String::new()
        } else {
            format!("\n      limits: {limits}")
        };
        let hook = format!(
            "hook:\n      module: hooks/hostile.wasm\n      sha256: {sha}\n      events: [batchCommitted, scheduleTick, manualRun]{limits}"
        );
        let team = team.replacen(
            "hook:\n      module: hooks/monthly_or_new_batch.wasm\n      sha256: a6e1060870315ce6c04fbb28a25487793b60f494f4d6101b807daf20ea558c19\n      events: [batchCommitted, scheduleTick, manualRun]",
            &hook,
            1,
        );
        if twice {
            team.replacen(
                "  ProductAnalytics:\n    container: Test Azure SQL\n",
                &format!("  ProductAnalytics:\n    container: Test Azure SQL\n    {hook}\n"),
                1,
            )
        } else {
            team
        }
    });
    std::fs::write(dir.join("hooks/hostile.wasm"), bytes).unwrap();
}

#[test]
fn the_gate_asks_each_hook_its_whole_contract_once() {
    // Keeps the contract's first calls, traps only when asked to decide:
    // the gate asks it, and refuses it.
    let dir = scratch("hook-traps-in-decide");
    northwind_with_hook(&dir, &module_deciding("unreachable"), "", false);
    let run = datasurface(&["check", "."], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains(
            "(`hooks/hostile.wasm`): asked about a `batchCommitted` event: the hook trapped"
        ),
        "{}",
        run.stderr
    );

    // A loop of refused table growth once aborted the process (issue 37):
    // now the hook runs out of its fuel, and the gate says so.
    let dir = scratch("hook-table-grow");
    let grow =
        "(loop $l (drop (table.grow $t (ref.null func) (i32.const 2147483647))) br $l) i64.const 0";
    northwind_with_hook(&dir, &module_deciding(grow), "", false);
    let run = datasurface(&["check", "."], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("the hook used all its fuel"),
        "{}",
        run.stderr
    );

    // An unchanged module is not asked again by `verify`: the base passed
    // the gate with it (here it did not, which shows it is not asked).
    let run = datasurface(
        &[
            "verify",
            "--base",
            ".",
            "--proposed",
            ".",
            "--source",
            "northwind/northwind-team@main",
        ],
        &dir,
    );
    assert!(!run.stderr.contains("hook-module"), "{}", run.transcript());
}

#[test]
fn a_hook_the_budget_cuts_is_reported_not_refused() {
    // Two workspaces with a hook that loops, allowed 30 s: the gate stops
    // it at the team's budget (10 s), and cannot tell it from a slow hook:
    // it says so of each workspace, and the model still passes.
    let dir = scratch("hook-budget");
    northwind_with_hook(
        &dir,
        &module_deciding("(loop $l br $l) i64.const 0"),
        "{fuel: 10000000000, wallTimeMs: 30000}",
        true,
    );
    let run = datasurface(&["check", "."], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        run.stderr.matches("warning[hook-budget]").count(),
        2,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "team `NorthwindTeam`'s hooks took the 10 s the gate gives one team's hooks together"
        ),
        "{}",
        run.stderr
    );
}

/// Northwind with team `Evil`, whose `loops` workspaces each have a hook
/// (a module of its own) that loops at the highest limits.
fn northwind_with_evil_hooks(dir: &std::path::Path, loops: usize) {
    let mut workspaces = String::from("workspaces:\n");
    for i in 0..loops {
        let bytes = module_deciding(&format!("(loop $l br $l) i64.const {i}"));
        let sha = datasurface_platform::sha256_hex(&bytes);
        std::fs::create_dir_all(dir.join("hooks")).unwrap();
        let _ = write!(
            workspaces,
            "  Slow{i}:\n    hook:\n      module: hooks/slow{i}.wasm\n      sha256: {sha}\n      \
             events: [manualRun]\n      limits: {{fuel: 10000000000, wallTimeMs: 30000}}\n    \
             datasetGroups:\n      G:\n        sinks:\n          - {{datastore: NW_Data, dataset: products}}\n"
        );
        std::fs::write(dir.join(format!("hooks/slow{i}.wasm")), bytes).unwrap();
    }
    super::authority::with_evil_team(dir, &workspaces);
}

#[test]
fn one_teams_slow_hooks_spend_only_its_own_budget() {
    // Team `Evil`'s three hooks loop: they take Evil's budget, and more
    // cores than the machine has. Northwind's hook is asked within a
    // budget of its own, and passes, as it did alone.
    let dir = scratch("hook-budget-teams");
    let model = dir.join("model");
    northwind_with_evil_hooks(&model, 3);
    let run = datasurface(&["check", "model", "--format", "json"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let findings: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let hooks: Vec<(String, String)> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str().is_some_and(|c| c.starts_with("hook")))
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(hooks.len(), 3, "{hooks:?}");
    for (code, path) in &hooks {
        assert_eq!(code, "hook-budget", "{hooks:?}");
        assert!(path.starts_with("/zones/USA/teams/Evil/"), "{hooks:?}");
    }
    // `verify` of Evil's change judges its hooks as `check` judges the
    // merged model: all of them, in Evil's budget.
    let base = dir.join("base");
    super::authority::with_evil_team(&base, "");
    let verified = |source: &str| {
        datasurface(
            &[
                "verify",
                "--base",
                "base",
                "--proposed",
                "model",
                "--source",
                source,
                "--format",
                "json",
            ],
            &dir,
        )
    };
    let run = verified("evil/evil-team@main");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["mayMerge"], true, "{}", run.transcript());
    assert_eq!(
        run.stdout.matches("\"hook-budget\"").count(),
        3,
        "{}",
        run.stdout
    );
    // The service starts on it, and reports them.
    let server = super::serve::Server::start(&model, "0");
    let (_, answer) = server.get("/api/v1/diagnostics");
    assert_eq!(
        answer.to_string().matches("\"hook-budget\"").count(),
        3,
        "{answer}"
    );
    drop(server);
}
