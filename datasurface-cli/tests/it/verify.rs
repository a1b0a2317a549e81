//! `verify`: the gate on a change, by owner and compatibility, from any repository host.

use std::path::Path;

use super::{copy_northwind, datasurface, repo_root, scratch};

#[test]
fn verify_gates_a_change_by_owner_and_compatibility() {
    let dir = scratch("verify");
    let proposed = dir.join("proposed");
    std::fs::create_dir_all(&proposed).unwrap();
    copy_northwind(&proposed, |team| {
        team.replacen("            phone: {type: {NVarChar: {maxSize: 24}}}\n", "            phone: {type: {NVarChar: {maxSize: 24}}}\n            fax: {type: {NVarChar: {maxSize: 24}}}\n", 1)
    });
    let base = repo_root().join("examples/models/northwind");
    let base = base.to_str().unwrap();
    // From the owning team: a nullable column may be added.
    let run = datasurface(
        &[
            "verify",
            "--base",
            base,
            "--proposed",
            "proposed",
            "--source",
            "northwind/northwind-team@main",
        ],
        &dir,
    );
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    team `NorthwindTeam` of zone `USA` (github:northwind/northwind-team@main): changed
      added    /zones/USA/teams/NorthwindTeam/datastores/NW_Data/datasets/suppliers/schema/columns/fax
    may merge
    --- stderr
    ");
    // From the zone's repository: not its region.
    let run = datasurface(
        &[
            "verify",
            "--base",
            base,
            "--proposed",
            "proposed",
            "--source",
            "northwind/usa-zone@main",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("error[unauthorized-change]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("may not merge: 1 error"),
        "{}",
        run.stdout
    );
    // From a stranger, as JSON.
    let run = datasurface(
        &[
            "verify",
            "--base",
            base,
            "--proposed",
            "proposed",
            "--source",
            "someone/else@main",
            "--format",
            "json",
        ],
        &dir,
    );
    assert_eq!(run.code, 1);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["mayMerge"], false);
    assert_eq!(value["findings"][0]["code"], "unknown-change-source");
    assert_eq!(value["changes"][0]["kind"], "changed");
}

/// A team whose repository lives on a self-hosted server is named by
/// `--source` with the server's address; the same path on gitlab.com or on
/// another server is someone else.
#[test]
fn verify_takes_repositories_on_other_servers() {
    let dir = scratch("verify-server");
    let on_server = |root: &Path| {
        let zone = root.join("zones/usa/zone.yaml");
        let text = std::fs::read_to_string(&zone).unwrap().replacen(
            "      name: northwind/northwind-team\n",
            "      host: GITLAB\n      url: https://git.acme.com/tools/gitlab\n      name: data/northwind/team\n",
            1,
        );
        std::fs::write(zone, text).unwrap();
    };
    copy_northwind(&dir.join("base"), str::to_owned);
    on_server(&dir.join("base"));
    copy_northwind(&dir.join("proposed"), |team| {
        team.replacen("            phone: {type: {NVarChar: {maxSize: 24}}}\n", "            phone: {type: {NVarChar: {maxSize: 24}}}\n            fax: {type: {NVarChar: {maxSize: 24}}}\n", 1)
    });
    on_server(&dir.join("proposed"));
    let verify = |source: &str| {
        datasurface(
            &[
                "verify",
                "--base",
                "base",
                "--proposed",
                "proposed",
                "--source",
                source,
            ],
            &dir,
        )
    };
    for source in [
        "gitlab:https://git.acme.com/tools/gitlab/data/northwind/team@main",
        "https://git.acme.com/tools/gitlab/data/northwind/team.git@main",
        "https://GIT.acme.com/tools/gitlab/data/Northwind/team@main",
    ] {
        let run = verify(source);
        assert_eq!(run.code, 0, "{source}: {}", run.transcript());
        assert!(
            run.stdout.contains("team `NorthwindTeam` of zone `USA` (gitlab:https://git.acme.com/tools/gitlab/data/northwind/team@main): changed"),
            "{}",
            run.stdout
        );
    }
    for stranger in [
        "gitlab:data/northwind/team@main",
        "https://git.acme.org/tools/gitlab/data/northwind/team@main",
    ] {
        let run = verify(stranger);
        assert_eq!(run.code, 1, "{stranger}: {}", run.transcript());
        assert!(
            run.stderr.contains("error[unknown-change-source]"),
            "{}",
            run.stderr
        );
    }
    let run = verify("https://token:x@git.acme.com/data/northwind/team@main");
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("no user, password"), "{}", run.stderr);
}

#[test]
fn verify_the_initial_check_in_and_bad_arguments() {
    let root = repo_root();
    // The initial check-in is judged as a change from an empty model: the
    // ecosystem's repository checks in its own document, declarations and
    // all; the zone and the team define themselves later.
    let dir = scratch("initial");
    std::fs::create_dir_all(dir.join("declarations")).unwrap();
    let eco =
        std::fs::read_to_string(root.join("examples/models/northwind/ecosystem.yaml")).unwrap();
    let declarations = eco.split("\nassignments:").next().unwrap();
    std::fs::write(dir.join("declarations/ecosystem.yaml"), declarations).unwrap();
    let run = datasurface(
        &[
            "verify",
            "--proposed",
            "declarations",
            "--source",
            "northwind/ecosystem@main",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let run = datasurface(
        &[
            "verify",
            "--proposed",
            "examples/models/northwind",
            "--source",
            "northwind/ecosystem@main",
        ],
        &root,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("the initial check-in from github:northwind/ecosystem@main defines zone `USA`, which github:northwind/usa-zone@main owns"),
        "{}",
        run.transcript()
    );
    let run = datasurface(
        &[
            "verify",
            "--proposed",
            "examples/models/northwind",
            "--source",
            "northwind/northwind-team@main",
        ],
        &root,
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("initial-check-in-source"),
        "{}",
        run.stderr
    );
    let run = datasurface(
        &[
            "verify",
            "--proposed",
            "examples/models/northwind",
            "--source",
            "not a repository",
        ],
        &root,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("write `owner/name@branch`"),
        "{}",
        run.stderr
    );
    let run = datasurface(
        &[
            "verify",
            "--base",
            "missing",
            "--proposed",
            "examples/models/northwind",
            "--source",
            "a/b@c",
        ],
        &root,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
}

/// Files moved or renamed in a change are paired with the base's files of
/// the same size, to parse a file once when its bytes are the same: a team's
/// file moved as it was is no change, and a zone's file renamed and edited
/// to the same size is still compared in full.
#[test]
fn verify_pairs_moved_files_by_content() {
    let dir = scratch("verify-moved");
    let proposed = dir.join("proposed");
    copy_northwind(&proposed, str::to_owned);
    let usa = proposed.join("zones/usa");
    std::fs::rename(
        usa.join("teams/northwindteam.yaml"),
        usa.join("northwind-team.yaml"),
    )
    .unwrap();
    let zone = std::fs::read_to_string(usa.join("zone.yaml")).unwrap();
    let edited = zone.replacen("governed in the USA.", "governed in the US!.", 1);
    assert_eq!((edited.len(), edited != zone), (zone.len(), true));
    std::fs::remove_file(usa.join("zone.yaml")).unwrap();
    std::fs::write(usa.join("the-zone.yaml"), edited).unwrap();
    let base = repo_root().join("examples/models/northwind");
    let run = datasurface(
        &[
            "verify",
            "--base",
            base.to_str().unwrap(),
            "--proposed",
            "proposed",
            "--source",
            "northwind/usa-zone@main",
        ],
        &dir,
    );
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    zone `USA` (github:northwind/usa-zone@main): changed
      changed  /zones/USA/documentation/description
    may merge
    --- stderr
    ");
}

/// What a CommonMark renderer (with GitHub's tables) makes of `markdown`:
/// each table's rows as the text of their cells, and the summaries of its
/// `<details>`, and any markup other than the comment's own.
fn rendered(markdown: &str) -> (Vec<Vec<String>>, Vec<String>) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut rows = Vec::new();
    let (mut row, mut cell): (Vec<String>, Option<String>) = (Vec::new(), None);
    let mut html = Vec::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.push(cell.take().unwrap_or_default()),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => rows.push(std::mem::take(&mut row)),
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => html.push(h.trim().to_owned()),
            _ => {}
        }
    }
    (rows, html)
}

#[test]
fn verify_writes_a_pull_request_comment_that_renders_as_github_shows_it() {
    let dir = scratch("verify-markdown");
    let proposed = dir.join("proposed");
    std::fs::create_dir_all(&proposed).unwrap();
    // A column the consumer reads is removed: a breaking change.
    copy_northwind(&proposed, |team| {
        team.replacen(
            "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n",
            "",
            1,
        )
    });
    copy_northwind(&dir.join("base"), str::to_owned);
    let run = datasurface(
        &[
            "verify",
            "--base",
            "base",
            "--proposed",
            "proposed",
            "--source",
            "northwind/northwind-team@main",
            "--format",
            "markdown",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    insta::assert_snapshot!(run.stdout);
    let (rows, html) = rendered(&run.stdout);
    // Every row of each table has its header's cells, no more, no fewer.
    let mut width = 0;
    for row in &rows {
        if row
            .first()
            .is_some_and(|c| ["Region", "Change", "Platform"].contains(&c.as_str()))
        {
            width = row.len();
        }
        assert_eq!(row.len(), width, "{row:?} in\n{}", run.stdout);
    }
    assert!(
        rows.contains(&vec![
            "removed-column".to_owned(),
            "in NW_Data.products, column discontinued is removed; workspaces ProductAnalytics read it".to_owned(),
            "ProductAnalytics (github:northwind/northwind-team@main)".to_owned(),
        ]),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.first().map(String::as_str) == Some("Local")
                && r.get(1).map(String::as_str) == Some("sqlite")),
        "{rows:?}"
    );
    // The only markup besides Markdown is the comment's own: its marker,
    // its collapsed sections, the line breaks in findings.
    for tag in &html {
        assert!(
            tag == "<!-- datasurface:verify -->"
                || tag.starts_with("<details><summary>")
                || tag == "</details>"
                || tag == "<br>",
            "{tag}"
        );
    }
    assert_eq!(
        run.stdout.matches("<details>").count(),
        run.stdout.matches("</details>").count()
    );
}

#[test]
fn advance_dry_run_writes_its_plans_as_a_comment() {
    let dir = scratch("advance-markdown");
    copy_northwind(&dir.join("model"), str::to_owned);
    let run = datasurface(
        &[
            "advance",
            "model",
            "--out",
            "rendered",
            "--dry-run",
            "--now",
            "2026-11-27T22:30:00Z",
            "--format",
            "markdown",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.starts_with(
            "<!-- datasurface:advance -->\n### datasurface advance\\: 2 would advance"
        ),
        "{}",
        run.stdout
    );
    let (rows, _) = rendered(&run.stdout);
    assert_eq!(rows[0][..3], ["Platform", "Kind", "Decision"], "{rows:?}");
    assert!(
        rows.iter().skip(1).all(|r| r.len() == rows[0].len()),
        "{rows:?}"
    );
    assert!(
        run.stdout
            .contains("<details><summary>Plan of `Local` (sqlite)"),
        "{}",
        run.stdout
    );
}

/// The command lines of a workflow: GitLab's `script` and `before_script`
/// items, and GitHub's steps' `run`.
fn commands_in(value: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut found = Vec::new();
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("script" | "before_script", serde_json::Value::Array(items)) => {
                        found.extend(items.iter().cloned());
                    }
                    ("run", v) => found.push(v.clone()),
                    _ => found.extend(commands_in(v)),
                }
            }
        }
        serde_json::Value::Array(items) => found.extend(items.iter().flat_map(commands_in)),
        _ => {}
    }
    found
}

#[test]
fn the_example_workflows_post_the_comment_verify_writes() {
    for file in ["docs/ci/github-verify.yml", "docs/ci/gitlab-verify.yml"] {
        let text = std::fs::read_to_string(repo_root().join(file)).unwrap();
        let parsed: Result<serde_json::Value, _> = serde_saphyr::from_str(&text);
        assert!(parsed.is_ok(), "{file} is not YAML: {parsed:?}");
        // Every command is a string (a `: ` in a plain scalar makes a map).
        let commands = commands_in(&parsed.unwrap());
        assert!(!commands.is_empty(), "{file}");
        for command in commands {
            assert!(
                command.is_string(),
                "{file}: {command} is not a command line"
            );
        }
        assert!(
            text.contains("datasurface verify --base base/model"),
            "{file}"
        );
        assert!(text.contains("--format markdown > comment.md"), "{file}");
        // It finds the comment it posted before by the comment's marker.
        assert!(
            text.contains(datasurface_gate::markdown::MARKER),
            "{file} does not look for {}",
            datasurface_gate::markdown::MARKER
        );
    }
    // The GitLab form of the source, as the job passes it.
    let dir = scratch("verify-markdown-gitlab");
    copy_northwind(&dir.join("base/model"), str::to_owned);
    copy_northwind(&dir.join("model"), str::to_owned);
    let run = datasurface(
        &[
            "verify",
            "--base",
            "base/model",
            "--proposed",
            "model",
            "--source",
            "gitlab:northwind/northwind-team@feature",
            "--format",
            "markdown",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.starts_with(datasurface_gate::markdown::MARKER),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("`unknown-change-source`"),
        "{}",
        run.stdout
    );
}

/// The approval of removing `products.discontinued`, until `until`, as a
/// team's `exceptions` holds it, naming the change as `verify` does.
pub(super) fn approval(until: &str) -> String {
    let change = discontinued_change();
    format!(
        "exceptions:\n  approvals:\n    - code: removed-column\n      path: /zones/USA/teams/NorthwindTeam/datastores/NW_Data/datasets/products/schema/columns/discontinued\n      change: '{change}'\n      reason: ProductAnalytics reads products_v2 from December; agreed in review\n      until: {until}\n"
    )
}

/// The change that removing `products.discontinued` is, as `verify` names
/// it in the finding's help for the approvers to copy.
fn discontinued_change() -> String {
    static CHANGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CHANGE
        .get_or_init(|| {
            let dir = scratch("verify-approval-change");
            copy_northwind(&dir.join("base"), str::to_owned);
            copy_northwind(&dir.join("proposed"), |team| {
                team.replacen(DISCONTINUED, "", 1)
            });
            let run = datasurface(
                &[
                    "verify",
                    "--base",
                    "base",
                    "--proposed",
                    "proposed",
                    "--source",
                    "northwind/northwind-team@main",
                    "--format",
                    "json",
                ],
                &dir,
            );
            let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let help = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["code"] == "removed-column")
                .and_then(|f| f["help"].as_str())
                .unwrap_or_else(|| panic!("no removed-column: {}", run.stdout))
                .to_owned();
            let change = help
                .split("change: \"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("no change in {help}"));
            assert!(change.ends_with("..none"), "{change}");
            change.to_owned()
        })
        .clone()
}

pub(super) const DISCONTINUED: &str =
    "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n";

/// `verify --format markdown` of a proposed Northwind against its base, at `now`.
fn verify_markdown(dir: &Path, now: &str, source: &str) -> super::Run {
    datasurface(
        &[
            "verify",
            "--base",
            "base",
            "--proposed",
            "proposed",
            "--source",
            source,
            "--now",
            now,
            "--format",
            "markdown",
        ],
        dir,
    )
}

#[test]
fn a_break_its_consumers_owner_approved_may_merge_until_the_approval_runs_out() {
    let dir = scratch("verify-approval");
    copy_northwind(&dir.join("base"), str::to_owned);
    // The team owns the producer and its consumer: it removes the column,
    // and approves the break for its consumer, in one change.
    copy_northwind(&dir.join("proposed"), |team| {
        format!(
            "{}{}",
            team.replacen(DISCONTINUED, "", 1),
            approval("2026-12-31")
        )
    });
    let run = verify_markdown(
        &dir,
        "2026-11-27T12:00:00Z",
        "northwind/northwind-team@main",
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.stdout);
    let (rows, _) = rendered(&run.stdout);
    assert!(
        rows.iter()
            .any(|r| r.first().map(String::as_str) == Some("approval")
                && r.get(3).map(String::as_str) == Some("github:northwind/northwind-team@main")
                && r.get(4).map(String::as_str) == Some("2026-12-31")),
        "{rows:?}"
    );
    // The JSON lists what was let through, by whom, why and until when.
    let json = datasurface(
        &[
            "verify",
            "--base",
            "base",
            "--proposed",
            "proposed",
            "--source",
            "northwind/northwind-team@main",
            "--now",
            "2026-11-27T12:00:00Z",
            "--format",
            "json",
        ],
        &dir,
    );
    assert_eq!(json.code, 0, "{}", json.transcript());
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["excepted"][0]["kind"], "approval", "{json}");
    assert_eq!(json["excepted"][0]["code"], "removed-column");
    assert_eq!(
        json["excepted"][0]["by"][0],
        "github:northwind/northwind-team@main"
    );
    assert_eq!(json["excepted"][0]["until"], "2026-12-31");
    // After its day, the same change may not merge, and the finding says
    // who renews it.
    let late = verify_markdown(
        &dir,
        "2027-01-02T00:00:00Z",
        "northwind/northwind-team@main",
    );
    assert_eq!(late.code, 1, "{}", late.transcript());
    assert!(
        late.stdout.contains("`approval-expired`"),
        "{}",
        late.stdout
    );
    assert!(
        late.stdout
            .contains("`github:northwind/northwind-team@main` renews it"),
        "{}",
        late.stdout
    );
    // No approval runs for more than a year.
    copy_northwind(&dir.join("proposed"), |team| {
        format!(
            "{}{}",
            team.replacen(DISCONTINUED, "", 1),
            approval("2029-01-01")
        )
    });
    let long = verify_markdown(
        &dir,
        "2026-11-27T12:00:00Z",
        "northwind/northwind-team@main",
    );
    assert_eq!(long.code, 1, "{}", long.transcript());
    assert!(
        long.stdout.contains("`exception-too-long`"),
        "{}",
        long.stdout
    );
}

#[test]
fn an_approval_by_a_team_whose_consumers_the_change_does_not_break_is_refused() {
    let dir = scratch("verify-approval-other");
    // Another team, owning no consumer of the dataset, approved the break
    // in its own document (merged before).
    for side in ["base", "proposed"] {
        let model = dir.join(side);
        copy_northwind(&model, |team| {
            if side == "proposed" {
                team.replacen(DISCONTINUED, "", 1)
            } else {
                team.to_owned()
            }
        });
        let zone = model.join("zones/usa/zone.yaml");
        let text = std::fs::read_to_string(&zone).unwrap();
        std::fs::write(
            &zone,
            format!("{text}  Auditors:\n    repository:\n      name: northwind/auditors\n      branch: main\n"),
        )
        .unwrap();
        std::fs::write(
            model.join("zones/usa/teams/auditors.yaml"),
            format!(
                "apiVersion: datasurface.dev/v1\nkind: Team\nzone: USA\nname: Auditors\n{}",
                approval("2026-12-31")
            ),
        )
        .unwrap();
    }
    let run = verify_markdown(
        &dir,
        "2026-11-27T12:00:00Z",
        "northwind/northwind-team@main",
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains("`approval-not-authorized`"),
        "{}",
        run.stdout
    );
    // It names the approver needed: the consumer's owner, or the ecosystem's.
    for said in [
        "owns none of the consumers it breaks",
        "the approval belongs to the consumers",
        "(`github:northwind/northwind-team@main`\\) or the ecosystem",
    ] {
        assert!(run.stdout.contains(said), "{said} not in {}", run.stdout);
    }
    assert!(
        !run.stdout.contains("Let through on purpose"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_team_quiets_a_warning_in_its_own_region_and_no_further() {
    let notes = "          primaryKey: [product_id]\n      notes:\n        schema:\n          columns:\n            note_id: {type: Integer, nullable: false}\n            body: {type: {String: {}}}\n          primaryKey: [note_id]\n";
    let suppression = |path: &str| {
        format!(
            "exceptions:\n  suppressions:\n    - code: unclassified-dataset\n      path: {path}\n      reason: internal notes, classified next sprint\n"
        )
    };
    let dir = scratch("verify-suppression");
    copy_northwind(&dir.join("base"), str::to_owned);
    // A dataset with no classification: a warning, which --deny-warnings fails on.
    copy_northwind(&dir.join("proposed"), |team| {
        team.replacen("          primaryKey: [product_id]\n", notes, 1)
    });
    let args = [
        "verify",
        "--base",
        "base",
        "--proposed",
        "proposed",
        "--source",
        "northwind/northwind-team@main",
        "--deny-warnings",
        "--format",
        "json",
    ];
    let warned = datasurface(&args, &dir);
    assert_eq!(warned.code, 1, "{}", warned.transcript());
    // The team quiets it in its own region, saying why: it may merge, and
    // the output says what was quieted, by whom and why.
    copy_northwind(&dir.join("proposed"), |team| {
        format!(
            "{}{}",
            team.replacen("          primaryKey: [product_id]\n", notes, 1),
            suppression("/zones/USA/teams/NorthwindTeam/datastores/NW_Data")
        )
    });
    let quiet = datasurface(&args, &dir);
    assert_eq!(quiet.code, 0, "{}", quiet.transcript());
    let json: serde_json::Value = serde_json::from_str(&quiet.stdout).unwrap();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unclassified-dataset")
        .unwrap();
    assert_eq!(finding["severity"], "info", "{finding}");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .ends_with("(quieted by `github:northwind/northwind-team@main`: internal notes, classified next sprint)"),
        "{finding}"
    );
    // `check` of the proposed model alone quiets it too.
    let check = datasurface(&["check", "--deny-warnings", "proposed"], &dir);
    assert_eq!(check.code, 0, "{}", check.transcript());
    // A suppression outside the team's own region is refused.
    copy_northwind(&dir.join("proposed"), |team| {
        format!(
            "{}{}",
            team.replacen("          primaryKey: [product_id]\n", notes, 1),
            suppression("/zones/USA/teams/Elsewhere")
        )
    });
    let refused = datasurface(&args, &dir);
    assert_eq!(refused.code, 1, "{}", refused.transcript());
    assert!(
        refused.stdout.contains("suppression-not-authorized"),
        "{}",
        refused.stdout
    );
}

/// A team of its own, `Marketing`, whose transformer copies Northwind's
/// customers into a public dataset, with the query `select`, and what its
/// document adds (`more`).
fn marketing(model: &Path, select: &str, more: &str) {
    let zone = model.join("zones/usa/zone.yaml");
    let text = std::fs::read_to_string(&zone).unwrap();
    if !text.contains("Marketing:") {
        std::fs::write(
            &zone,
            format!("{text}  Marketing:\n    repository:\n      name: northwind/marketing\n      branch: main\n"),
        )
        .unwrap();
    }
    std::fs::write(
        model.join("zones/usa/teams/marketing.yaml"),
        format!(
            "apiVersion: datasurface.dev/v1
kind: Team
zone: USA
name: Marketing
containers:
  Marketing DB:
    kind: {{database: {{engine: POSTGRES, database: marketing, endpoint: {{host: marketing.example, port: 5432}}}}}}
    locations: [Azure:USA/eastus]
datastores:
  Contacts:
    capture:
      transformerOutput: {{workspace: ContactList}}
    datasets:
      contacts:
        classifications: [PUB]
        schema:
          columns:
            customer_id: {{type: {{NChar: {{maxSize: 5}}}}, nullable: false}}
            contact_name: {{type: {{NVarChar: {{maxSize: 30}}}}}}
          primaryKey: [customer_id]
workspaces:
  ContactList:
    container: Marketing DB
    datasetGroups:
      Input:
        sinks:
          - {{datastore: NW_Data, dataset: customers}}
    transformer:
      outputDatastore: Contacts
      code:
        sql:
          queries:
            contacts: {select}
  Campaigns:
    container: Marketing DB
    datasetGroups:
      Mailing:
        sinks:
          - {{datastore: Contacts, dataset: contacts}}
{more}"
        ),
    )
    .unwrap();
}

const CONTACTS: &str =
    "/zones/USA/teams/Marketing/datastores/Contacts/datasets/contacts/classifications";

/// An approval of the contact names' declassification, by whoever's
/// document it is in.
fn declassified(until: &str) -> String {
    format!(
        "exceptions:\n  approvals:\n    - code: classification-dropped\n      path: {CONTACTS}\n      reason: company contacts are in the trade register\n      until: \"{until}\"\n"
    )
}

#[test]
fn a_transformer_that_publishes_personal_data_needs_its_owners_approval() {
    let dir = scratch("verify-classification-flow");
    let masked = "SELECT customer_id, '***' AS contact_name FROM NW_Data_customers";
    let copied = "SELECT customer_id, contact_name FROM NW_Data_customers";
    copy_northwind(&dir.join("base"), str::to_owned);
    marketing(&dir.join("base"), masked, "");
    // Marketing copies the contact names into its public dataset: `check`
    // and `verify` both refuse, at the classification, naming the source
    // and who may approve.
    copy_northwind(&dir.join("proposed"), str::to_owned);
    marketing(&dir.join("proposed"), copied, "");
    let check = datasurface(&["check", "--format", "short", "proposed"], &dir);
    assert_eq!(check.code, 1, "{}", check.transcript());
    insta::assert_snapshot!("classification_dropped", check.transcript());
    let run = verify_markdown(&dir, "2026-11-27T12:00:00Z", "northwind/marketing@main");
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains("`classification-dropped`"),
        "{}",
        run.stdout
    );
    // Code whose lineage is not known (Python) may write any column it
    // reads into any column it writes: judged so, it fails too.
    let team = dir.join("proposed/zones/usa/teams/marketing.yaml");
    let text = std::fs::read_to_string(&team).unwrap();
    let python = text.replacen(
        &format!("        sql:\n          queries:\n            contacts: {copied}\n"),
        "        pythonRepo: {repository: {name: northwind/marketing-code, branch: main}, version: v1}\n",
        1,
    );
    assert_ne!(python, text, "the query moved");
    std::fs::write(&team, python).unwrap();
    let check = datasurface(&["check", "--format", "short", "proposed"], &dir);
    assert_eq!(check.code, 1, "{}", check.transcript());
    assert!(
        check.stdout.contains("error[classification-dropped]")
            && check
                .stdout
                .contains("has no column lineage (its code is not SQL"),
        "{}",
        check.transcript()
    );
    // Hashed in the query, it passes.
    marketing(
        &dir.join("proposed"),
        "SELECT customer_id, md5(contact_name) AS contact_name FROM NW_Data_customers",
        "",
    );
    let run = verify_markdown(&dir, "2026-11-27T12:00:00Z", "northwind/marketing@main");
    assert_eq!(run.code, 0, "{}", run.transcript());
    // Marketing cannot approve its own declassification.
    marketing(&dir.join("proposed"), copied, &declassified("2027-06-30"));
    let run = verify_markdown(&dir, "2026-11-27T12:00:00Z", "northwind/marketing@main");
    assert_eq!(run.code, 1, "{}", run.transcript());
    for said in [
        "`approval-not-authorized`",
        "owns none of the data it lets through",
        "the approval belongs to the data",
    ] {
        assert!(run.stdout.contains(said), "{said} not in {}", run.stdout);
    }
    // Northwind, which owns the customers, approves it in its own
    // document; once merged, Marketing's copy passes `check` and `verify`
    // until the approval's day, and is listed as let through.
    copy_northwind(&dir.join("base"), |team| {
        format!("{team}{}", declassified("2027-06-30"))
    });
    marketing(&dir.join("base"), masked, "");
    copy_northwind(&dir.join("proposed"), |team| {
        format!("{team}{}", declassified("2027-06-30"))
    });
    marketing(&dir.join("proposed"), copied, "");
    let check = datasurface(&["check", "--format", "short", "proposed"], &dir);
    assert_eq!(check.code, 0, "{}", check.transcript());
    let run = verify_markdown(&dir, "2026-11-27T12:00:00Z", "northwind/marketing@main");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("classification-dropped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("github:northwind/northwind-team@main"),
        "{}",
        run.stdout
    );
    let late = verify_markdown(&dir, "2027-07-01T00:00:00Z", "northwind/marketing@main");
    assert_eq!(late.code, 1, "{}", late.transcript());
    assert!(
        late.stdout.contains("`approval-expired`"),
        "{}",
        late.stdout
    );
}
