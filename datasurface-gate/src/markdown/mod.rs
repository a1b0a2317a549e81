//! Markdown a reviewer reads in ten seconds: the pull-request comment of
//! `datasurface verify --format markdown` ([`verify_comment`]) and the
//! plans of `datasurface advance --dry-run --format markdown`
//! ([`plans_comment`]). The verdict, the change by region and owner, the
//! breaking changes with the consumers they break, each platform's plan
//! with its disruption come first; the findings, differences and steps
//! follow in collapsed `<details>`. A comment longer than
//! [`CommentOptions::limit`] is cut, with a note, never refused. Every
//! text from the model goes through [`escape`].

pub mod escape;

use std::fmt::Write as _;

use datasurface_platform::{Action, Disruption, Plan};
use datasurface_rules::validate::{Diagnostic, Severity};
use datasurface_rules::verify::{APPROVABLE, RegionChange, Verification};

use crate::{PlatformPlan, Verified};
use escape::{code, code_in_cell, message, message_in_cell, text};

/// The first line of every `verify` comment, hidden when rendered: a
/// workflow finds the comment it posted by it, and updates it on the next
/// push.
pub const MARKER: &str = "<!-- datasurface:verify -->";

/// The first line of every `advance` comment, likewise.
pub const ADVANCE_MARKER: &str = "<!-- datasurface:advance -->";

/// The most characters a GitHub comment holds (GitLab's notes hold more).
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// What the space a cut leaves is kept for: the closing tags and the note.
const RESERVE: usize = 600;

/// How a comment is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentOptions {
    /// Whether warnings fail the gate (`--deny-warnings`).
    pub deny_warnings: bool,
    /// The most bytes the comment may hold (at least as many as characters).
    pub limit: usize,
}

impl Default for CommentOptions {
    fn default() -> Self {
        CommentOptions {
            deny_warnings: false,
            limit: GITHUB_COMMENT_LIMIT,
        }
    }
}

/// A comment being written within its limit.
struct Out {
    text: String,
    limit: usize,
    /// Items left out to fit.
    cut: usize,
}

impl Out {
    fn new(limit: usize) -> Self {
        Out {
            text: String::new(),
            limit,
            cut: 0,
        }
    }

    fn fits(&self, extra: usize) -> bool {
        self.text.len() + extra + RESERVE <= self.limit
    }

    /// A line, if it fits (a line that does not is counted as cut).
    fn line(&mut self, line: &str) {
        if self.fits(line.len() + 1) {
            self.text.push_str(line);
            self.text.push('\n');
        } else {
            self.cut += 1;
        }
    }

    /// A block: `open`, as many `items` as fit, then `close`; nothing if
    /// not even its frame fits.
    fn block(&mut self, open: &str, items: Vec<String>, close: &str) {
        if !self.fits(open.len() + close.len() + 2) {
            self.cut += items.len();
            return;
        }
        self.text.push_str(open);
        self.text.push('\n');
        let mut left = items.len();
        for item in items {
            if !self.fits(item.len() + close.len() + 2) {
                break;
            }
            self.text.push_str(&item);
            self.text.push('\n');
            left -= 1;
        }
        self.cut += left;
        self.text.push_str(close);
        self.text.push('\n');
    }

    fn finish(mut self, rerun: &str) -> String {
        if self.cut > 0 {
            let _ = write!(
                self.text,
                "\n> [!NOTE]\n> {} more {} not shown: the comment is cut to fit {} characters. `{rerun}` prints everything.\n",
                self.cut,
                if self.cut == 1 { "item" } else { "items" },
                self.limit
            );
        }
        self.text
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The pull-request comment for a verified change from `source`.
pub fn verify_comment(verified: &Verified, source: &str, options: &CommentOptions) -> String {
    let mut out = Out::new(options.limit);
    out.line(MARKER);
    let may_merge = verified.may_merge(options.deny_warnings);
    let Some(v) = verified.verification.as_ref() else {
        out.line("### ❌ datasurface: could not verify");
        out.line("");
        out.line(&format!(
            "A model could not be loaded ({}):",
            plural(verified.load_errors.len(), "problem")
        ));
        out.line("");
        for e in &verified.load_errors {
            out.line(&format!(
                "- {} {}: {}",
                code(e.kind.code()),
                code(&e.file),
                message(&e.message)
            ));
        }
        return out.finish("datasurface verify");
    };
    let (errors, warnings) = (
        v.report.count(Severity::Error),
        v.report.count(Severity::Warning),
    );
    verdict(&mut out, may_merge, errors, warnings, options.deny_warnings);
    let breaking: Vec<&Diagnostic> = v
        .report
        .diagnostics()
        .iter()
        .filter(|d| APPROVABLE.contains(&d.code))
        .collect();
    out.line(&headline(v, source, &breaking, &verified.plans));
    out.line("");
    regions(&mut out, v);
    breaking_changes(&mut out, &breaking);
    excepted(&mut out, v);
    plan_table(&mut out, &verified.plans);
    moves(&mut out, v);
    findings(&mut out, v);
    differences(&mut out, &v.changes);
    plan_details(&mut out, &verified.plans);
    out.finish("datasurface verify")
}

fn verdict(out: &mut Out, may_merge: bool, errors: usize, warnings: usize, deny: bool) {
    let counts = match (errors, warnings) {
        (0, 0) => String::new(),
        (e, 0) => format!(": {}", plural(e, "error")),
        (0, w) => format!(": {}", plural(w, "warning")),
        (e, w) => format!(": {}, {}", plural(e, "error"), plural(w, "warning")),
    };
    if may_merge {
        out.line(&format!("### ✅ datasurface: may merge{counts}"));
    } else if errors == 0 && deny {
        out.line(&format!(
            "### ❌ datasurface: may not merge{counts} (warnings are denied)"
        ));
    } else {
        out.line(&format!("### ❌ datasurface: may not merge{counts}"));
    }
    out.line("");
}

fn headline(
    v: &Verification,
    source: &str,
    breaking: &[&Diagnostic],
    plans: &[PlatformPlan],
) -> String {
    let mut parts = vec![format!("{} changed", plural(v.changes.len(), "region"))];
    if !breaking.is_empty() {
        let consumers: std::collections::BTreeSet<&str> = breaking
            .iter()
            .flat_map(|d| d.breaks.iter().map(|b| b.workspace.as_str()))
            .collect();
        let approved = breaking
            .iter()
            .filter(|d| d.severity != Severity::Error)
            .count();
        parts.push(format!(
            "**{}** breaking {}{} {}",
            breaking.len(),
            if breaking.len() == 1 {
                "change"
            } else {
                "changes"
            },
            if approved > 0 {
                format!(", {approved} approved")
            } else {
                String::new()
            },
            if consumers.is_empty() {
                "(no consumer reads what it changes)".to_owned()
            } else {
                format!("({} broken)", plural(consumers.len(), "consumer"))
            }
        ));
    }
    if !plans.is_empty() {
        let disruptive = plans
            .iter()
            .filter(|p| {
                p.plan
                    .as_ref()
                    .is_ok_and(|plan| plan.worst_disruption() >= Disruption::Backfill)
            })
            .count();
        let mut part = format!("plans on {}", plural(plans.len(), "platform"));
        if disruptive > 0 {
            let _ = write!(part, ", **{disruptive} disruptive**");
        }
        parts.push(part);
    }
    format!("Change from {}: {}.", code(source), parts.join(" · "))
}

/// The regions the change touches, with their owners and findings.
fn regions(out: &mut Out, v: &Verification) {
    if v.changes.is_empty() && v.files.is_empty() {
        out.line("No region of the model changes.");
        out.line("");
        return;
    }
    let paths: Vec<String> = v
        .changes
        .iter()
        .map(|c| c.region.path().to_string())
        .collect();
    // A finding belongs to the most specific changed region holding it.
    let region_of = |d: &Diagnostic| {
        let at = d.path.to_string();
        paths
            .iter()
            .enumerate()
            .filter(|(_, p)| p.as_str() == "/" || at == **p || at.starts_with(&format!("{p}/")))
            .max_by_key(|(_, p)| p.len())
            .map(|(i, _)| i)
    };
    let mut counts = vec![(0usize, 0usize); v.changes.len()];
    for d in v.report.diagnostics() {
        if let Some(i) = region_of(d) {
            match d.severity {
                Severity::Error => counts[i].0 += 1,
                Severity::Warning => counts[i].1 += 1,
                Severity::Info => {}
            }
        }
    }
    let mut rows: Vec<String> = v
        .changes
        .iter()
        .zip(&counts)
        .map(|(c, (e, w))| {
            format!(
                "| {} | {} | {} | {} | {} | {} |",
                message_in_cell(&c.region.to_string()),
                c.owner
                    .as_deref()
                    .map_or_else(|| "no declared owner".to_owned(), code_in_cell),
                c.kind,
                c.differences.len(),
                e,
                w
            )
        })
        .collect();
    rows.extend(v.files.iter().map(|f| {
        format!(
            "| file {} | {} | {} | | | |",
            code_in_cell(&f.path),
            f.owners
                .iter()
                .map(|o| code_in_cell(o))
                .collect::<Vec<_>>()
                .join(", "),
            f.kind
        )
    }));
    out.block(
        "| Region | Owner | Change | Differences | Errors | Warnings |\n|---|---|---|---:|---:|---:|",
        rows,
        "",
    );
}

/// The changes that break consumers, and whom they break.
fn breaking_changes(out: &mut Out, breaking: &[&Diagnostic]) {
    if breaking.is_empty() {
        return;
    }
    let rows = breaking
        .iter()
        .map(|d| {
            let broken = if d.breaks.is_empty() {
                "no consumer reads it".to_owned()
            } else {
                d.breaks
                    .iter()
                    .map(|b| match &b.owner {
                        Some(owner) => {
                            format!("{} ({})", code_in_cell(&b.workspace), code_in_cell(owner))
                        }
                        None => code_in_cell(&b.workspace),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "| {} | {} | {} |",
                code_in_cell(d.code),
                message_in_cell(&d.message),
                broken
            )
        })
        .collect();
    out.block(
        "#### Breaking changes\n\n| Change | What | Breaks (owner) |\n|---|---|---|",
        rows,
        "",
    );
}

/// What exceptions let through on purpose: by whom, until when, why.
fn excepted(out: &mut Out, v: &Verification) {
    if v.excepted.is_empty() {
        return;
    }
    let rows = v
        .excepted
        .iter()
        .map(|e| {
            format!(
                "| {} | {} | {} | {} | {} | {} |",
                e.kind,
                code_in_cell(e.code),
                code_in_cell(&e.path),
                e.by.iter()
                    .map(|b| code_in_cell(b))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.until.as_deref().map_or_else(|| "no end".to_owned(), text),
                message_in_cell(&e.reason)
            )
        })
        .collect();
    out.block(
        "#### Let through on purpose\n\n| Exception | Finding | At | Granted by | Until | Why |\n|---|---|---|---|---|---|",
        rows,
        "",
    );
}

/// A plan's disruption as a reviewer should see it.
fn disruption(d: Disruption) -> String {
    match d {
        Disruption::None => "none".to_owned(),
        Disruption::Recreate => "re-create, no data lost".to_owned(),
        Disruption::Backfill => "⚠️ **re-ingest or backfill**".to_owned(),
        Disruption::DataDropped => "🛑 **data dropped**".to_owned(),
        other => format!("**{other}**"),
    }
}

/// Each platform's plan totals (and what was decided for it, if anything).
fn plan_table(out: &mut Out, plans: &[PlatformPlan]) {
    if plans.is_empty() {
        return;
    }
    let decided = plans.iter().any(|p| p.decision.is_some());
    let rows = plans
        .iter()
        .map(|p| {
            let decision = if decided {
                format!(
                    " {} |",
                    p.decision
                        .as_deref()
                        .map(message_in_cell)
                        .unwrap_or_default()
                )
            } else {
                String::new()
            };
            match &p.plan {
                Ok(plan) => format!(
                    "| {} | {} |{decision} {} | {} | {} | {} | {} |",
                    code_in_cell(&p.name),
                    text(&p.kind),
                    plan.count(Action::Create),
                    plan.count(Action::Update),
                    plan.count(Action::Replace),
                    plan.count(Action::Delete),
                    if plan.is_empty() {
                        "no change".to_owned()
                    } else {
                        disruption(plan.worst_disruption())
                    }
                ),
                Err(why) => format!(
                    "| {} | {} |{decision} | | | | could not render: {} |",
                    code_in_cell(&p.name),
                    text(&p.kind),
                    message_in_cell(&why.to_string())
                ),
            }
        })
        .collect();
    let (head, rule) = if decided {
        ("| Platform | Kind | Decision |", "|---|---|---|")
    } else {
        ("| Platform | Kind |", "|---|---|")
    };
    out.block(
        &format!(
            "#### Plans\n\n{head} Create | Update | Replace | Delete | Worst disruption |\n{rule}---:|---:|---:|---:|---|"
        ),
        rows,
        "",
    );
}

/// Dataset groups whose chosen platform moves.
fn moves(out: &mut Out, v: &Verification) {
    if v.moves.is_empty() {
        return;
    }
    let name = |p: &Option<datasurface_core::names::PlatformName>| {
        p.as_ref()
            .map_or_else(|| "no platform".to_owned(), |p| code(p.as_str()))
    };
    let items = v
        .moves
        .iter()
        .map(|m| {
            format!(
                "- {} moves from {} to {}: its consumers are delivered anew",
                code(&format!("{}/{}", m.workspace, m.dataset_group)),
                name(&m.from),
                name(&m.to)
            )
        })
        .collect();
    out.block("#### Dataset groups that move platform\n", items, "");
}

fn findings(out: &mut Out, v: &Verification) {
    let all = v.report.diagnostics();
    if all.is_empty() {
        return;
    }
    let items = all
        .iter()
        .map(|d| {
            let mark = match d.severity {
                Severity::Error => "❌ error",
                Severity::Warning => "⚠️ warning",
                Severity::Info => "ℹ️ info",
            };
            let at = d.location.as_ref().map_or_else(
                || code(&d.path.to_string()),
                |l| {
                    format!(
                        "{} ({})",
                        code(&d.path.to_string()),
                        code(&format!("{}:{}", l.file, l.line))
                    )
                },
            );
            let mut item = format!("- {mark} {} at {at}: {}", code(d.code), message(&d.message));
            if let Some(help) = d.full_help() {
                let _ = write!(item, "<br>↳ {}", message(&help));
            }
            item
        })
        .collect();
    out.block(
        &format!("<details><summary>Findings ({})</summary>\n", all.len()),
        items,
        "\n</details>\n",
    );
}

fn differences(out: &mut Out, changes: &[RegionChange]) {
    let items: Vec<String> = changes
        .iter()
        .flat_map(|c| {
            c.differences.iter().map(move |d| {
                format!(
                    "- {} {}: {}",
                    message(&c.region.to_string()),
                    d.kind,
                    code(&d.path.to_string())
                )
            })
        })
        .collect();
    if items.is_empty() {
        return;
    }
    out.block(
        &format!(
            "<details><summary>What changed ({})</summary>\n",
            plural(items.len(), "difference")
        ),
        items,
        "\n</details>\n",
    );
}

/// A plan's steps, as list items.
fn steps(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| {
            let verb = match s.action {
                Action::Create => "➕ create",
                Action::Update => "✏️ update",
                Action::Replace => "🔁 replace",
                Action::Delete => "➖ delete",
                other => other.verb(),
            };
            let mut item = format!("- {verb} {}: {}", code(s.key.as_str()), message(&s.reason));
            if s.disruption != Disruption::None {
                let _ = write!(item, " ({})", disruption(s.disruption));
            }
            item
        })
        .collect()
}

fn plan_details(out: &mut Out, plans: &[PlatformPlan]) {
    for p in plans {
        let Ok(plan) = &p.plan else { continue };
        if plan.is_empty() {
            continue;
        }
        out.block(
            &format!(
                "<details><summary>Plan of {} ({}): {}</summary>\n",
                code(&p.name),
                text(&p.kind),
                text(&plan.totals())
            ),
            steps(plan),
            "\n</details>\n",
        );
    }
}

/// The plans of `advance` (`--dry-run`: what it would do), as a comment
/// headed `title`: each platform's decision and totals, then its steps
/// collapsed.
pub fn plans_comment(title: &str, plans: &[PlatformPlan], limit: usize) -> String {
    let mut out = Out::new(limit);
    out.line(ADVANCE_MARKER);
    out.line(&format!("### {}", text(title)));
    out.line("");
    plan_table(&mut out, plans);
    plan_details(&mut out, plans);
    out.finish("datasurface advance --dry-run")
}
