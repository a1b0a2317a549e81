//! Deliberate exceptions (`exceptions:` in a team's or the ecosystem's
//! document): an approval lets one breaking change through when the
//! owners of every consumer it breaks approved it (or the ecosystem's
//! owner did), until a day; a suppression quiets warnings of one code
//! below a path of its owner's own region. Each lives in its granter's
//! region, so `verify` authorizes adding it like any change; what it lets
//! through is shown, never hidden (its severity becomes `info`, with who
//! granted it, why and until when).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use datasurface_core::diagnostic::{Diagnostic, ModelPath, Severity};
use datasurface_core::regions::{self, Region};
use datasurface_core::{BreakApproval, Ecosystem, Exceptions, Suppression};

/// The codes of breaking changes an approval may let through.
pub const APPROVABLE: &[&str] = &[
    "removed-datastore",
    "removed-dataset",
    "removed-column",
    "incompatible-column-change",
    "avro-incompatible",
    "classification-changed",
    "added-required-column",
    "primary-key-changed",
    "partition-keys-changed",
];

/// The codes of findings about the model as it is, not a change, that an
/// approval lets through while it holds, at `check` as at `verify`,
/// without naming a change: a transformer writing its inputs' data less
/// classified than they are, approved by the inputs' owners.
pub const STANDING: &[&str] = &["classification-dropped"];

/// How far ahead an exception may run.
const LONGEST_DAYS: i64 = 366;

/// A finding an exception let through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Excepted {
    /// `approval` or `suppression`.
    pub kind: &'static str,
    /// The finding's code.
    pub code: &'static str,
    /// The finding's model path.
    pub path: String,
    /// The repositories that granted it.
    pub by: Vec<String>,
    /// Why, as each granter wrote it.
    pub reason: String,
    /// The last day it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// What is at each finding's path in the base and the proposed model, to
/// name a change by digests of the two. Only the region a path is in (its
/// team, for every change an approval covers) is written as JSON, once per
/// region and only when a finding or an approval needs it: a model of
/// 100,000 datasets is never written whole for one changed column.
struct Sides<'e> {
    base: Option<&'e Ecosystem>,
    proposed: &'e Ecosystem,
    /// Each region written, by the path it is at: the base's and the
    /// proposed model's.
    written: BTreeMap<String, (Option<serde_json::Value>, Option<serde_json::Value>)>,
}

/// The digest of a value: the first 12 hex digits of the SHA-256 of its
/// JSON, or `none` when nothing is there.
fn digest(value: Option<&serde_json::Value>) -> String {
    use sha2::Digest as _;
    let Some(value) = value else {
        return "none".to_owned();
    };
    let hash = sha2::Sha256::digest(value.to_string().as_bytes());
    hash.iter().take(6).fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// A JSON Pointer's segment as the key it names.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The region a JSON Pointer is in, as the pointer to it and the rest of
/// the path below it: a team's (`/zones/Z/teams/T`), or the whole model's.
fn region_of(path: &str) -> (&str, &str) {
    let mut ends = path.match_indices('/').map(|(i, _)| i).chain([path.len()]);
    let segments: Vec<&str> = path.split('/').skip(1).take(4).collect();
    match (segments.as_slice(), ends.nth(4)) {
        (["zones", _, "teams", _], Some(end)) => path.split_at(end),
        _ => ("", path),
    }
}

/// What is at `below` (a JSON Pointer, empty for itself) in a region written.
fn find<'v>(region: Option<&'v serde_json::Value>, below: &str) -> Option<&'v serde_json::Value> {
    if below.is_empty() {
        region
    } else {
        region?.pointer(below)
    }
}

/// What the region at `region` (from [`region_of`]) holds in `eco`, as JSON.
fn write_region(eco: &Ecosystem, region: &str) -> Option<serde_json::Value> {
    if region.is_empty() {
        return serde_json::to_value(eco).ok();
    }
    let segments: Vec<String> = region.split('/').skip(1).map(unescape).collect();
    let [_, zone, _, team] = segments.as_slice() else {
        return None;
    };
    let team = eco.zones.get(zone.as_str())?.teams.get(team.as_str())?;
    serde_json::to_value(team).ok()
}

impl<'e> Sides<'e> {
    fn new(base: Option<&'e Ecosystem>, proposed: &'e Ecosystem) -> Self {
        Sides {
            base,
            proposed,
            written: BTreeMap::new(),
        }
    }

    /// What is at `path` in the base and in the proposed model.
    fn at(&mut self, path: &str) -> (Option<&serde_json::Value>, Option<&serde_json::Value>) {
        let (region, below) = region_of(path);
        let (base, proposed) = (self.base, self.proposed);
        let (before, after) = self.written.entry(region.to_owned()).or_insert_with(|| {
            (
                base.and_then(|b| write_region(b, region)),
                write_region(proposed, region),
            )
        });
        (find(before.as_ref(), below), find(after.as_ref(), below))
    }

    /// The change at `path`: `before..after`, each a [`digest`].
    fn change(&mut self, path: &str) -> String {
        let (before, after) = self.at(path);
        format!("{}..{}", digest(before), digest(after))
    }

    /// The digest of what is at `path` in the proposed model.
    fn now(&mut self, path: &str) -> String {
        digest(self.at(path).1)
    }
}

/// One region's exceptions, with where they are and who owns them.
struct Granter<'a> {
    region: Region,
    owner: String,
    exceptions: &'a Exceptions,
}

fn granters<'a>(base: Option<&Ecosystem>, proposed: &'a Ecosystem) -> Vec<Granter<'a>> {
    // Owners come from the base, so nothing a change adds authorizes itself.
    let owner = |region: &Region| {
        base.and_then(|b| regions::owner(b, region))
            .or_else(|| regions::owner(proposed, region))
            .map_or_else(String::new, ToString::to_string)
    };
    let mut out = vec![Granter {
        region: Region::Ecosystem,
        owner: owner(&Region::Ecosystem),
        exceptions: &proposed.exceptions,
    }];
    for (zone_name, zone) in &proposed.zones {
        for (team_name, team) in &zone.teams {
            if team.exceptions.is_empty() {
                continue;
            }
            let region = Region::Team(zone_name.clone(), team_name.clone());
            out.push(Granter {
                owner: owner(&region),
                region,
                exceptions: &team.exceptions,
            });
        }
    }
    out
}

fn at(granter: &Granter<'_>, list: &str, i: usize) -> ModelPath {
    granter.region.path().keys(["exceptions", list]).index(i)
}

/// The day an exception's `until` names, or the finding that it names none.
fn day(until: &str, path: &ModelPath) -> Result<NaiveDate, Box<Diagnostic>> {
    NaiveDate::parse_from_str(until, "%Y-%m-%d").map_err(|_| {
        Box::new(
            Diagnostic::new(
                "exception-invalid",
                Severity::Error,
                path.key("until"),
                format!("`until` is `{until}`, not a day such as `2026-12-31`"),
            )
            .with_help(
                "write the last day the exception holds, as YYYY-MM-DD, at most a year ahead",
            ),
        )
    })
}

/// Whether `path` is `under` or below it.
fn below(path: &str, under: &str) -> bool {
    path == under || under == "/" || path.starts_with(&format!("{under}/"))
}

/// An approval that is well formed, with its day.
struct Valid<'a> {
    granter: &'a Granter<'a>,
    at: ModelPath,
    approval: &'a BreakApproval,
    /// The last day it holds, if it ends.
    until: Option<NaiveDate>,
    used: bool,
}

/// Applies the exceptions of `proposed` to the findings of its change from
/// `base`, on `today`: what they let through becomes `info` (and is
/// listed), and every exception that cannot be taken is a finding.
pub(super) fn apply(
    found: Vec<Diagnostic>,
    base: Option<&Ecosystem>,
    proposed: &Ecosystem,
    today: NaiveDate,
) -> (Vec<Diagnostic>, Vec<Excepted>) {
    exceptions(found, base, proposed, today, true)
}

/// The exceptions of `eco` alone, applied to its own findings on `today`,
/// for a model checked on its own (`check`): the warnings its regions'
/// owners quieted, and the findings of the model as it is that standing
/// approvals let through ([`STANDING`]), become `info`; the exceptions
/// that cannot be taken are findings. Approvals of a change wait for
/// `verify`, which sees the change.
pub fn apply_suppressions(
    found: Vec<Diagnostic>,
    eco: &Ecosystem,
    today: NaiveDate,
) -> Vec<Diagnostic> {
    exceptions(found, None, eco, today, false).0
}

/// [`apply`] when `change` (`verify`), or, for `check`, the exceptions
/// that do not need a change to judge.
fn exceptions(
    found: Vec<Diagnostic>,
    base: Option<&Ecosystem>,
    proposed: &Ecosystem,
    today: NaiveDate,
    change: bool,
) -> (Vec<Diagnostic>, Vec<Excepted>) {
    let granters = granters(base, proposed);
    let mut out = Vec::new();
    let mut approvals = Vec::new();
    for g in &granters {
        for (i, a) in g.exceptions.approvals.iter().enumerate() {
            let standing = STANDING.contains(&a.code.as_str());
            if !change && !standing {
                continue;
            }
            let path = at(g, "approvals", i);
            if standing && a.change.is_some() {
                out.push(
                    Diagnostic::new(
                        "exception-invalid",
                        Severity::Error,
                        path.key("change"),
                        format!(
                            "an approval of `{}` holds for what is at its path while it lasts, not for one change",
                            a.code
                        ),
                    )
                    .with_help("remove `change`"),
                );
                continue;
            }
            let until = match (&a.until, standing) {
                (Some(until), _) => well_formed(&a.code, until, &path, today, true).map(Some),
                (None, true) => known_code(&a.code, &path, true).map(|()| None),
                (None, false) => Err(Box::new(
                    Diagnostic::new(
                        "exception-invalid",
                        Severity::Error,
                        path.clone(),
                        format!("the approval of `{}` at `{}` does not say until when", a.code, a.path),
                    )
                    .with_help("an approval of a change holds until a day: add `until: YYYY-MM-DD`, at most a year ahead"),
                )),
            };
            match until {
                Ok(until) => approvals.push(Valid {
                    granter: g,
                    at: path,
                    approval: a,
                    until,
                    used: false,
                }),
                Err(e) => out.push(*e),
            }
        }
    }
    let mut excepted = Vec::new();
    let mut kept = Vec::new();
    let mut sides = Sides::new(base, proposed);
    for mut d in found {
        let standing = STANDING.contains(&d.code);
        if d.severity == Severity::Error && (standing || (change && APPROVABLE.contains(&d.code))) {
            let named = (!standing).then(|| sides.change(&d.path.to_string()));
            let taken = approve(&mut d, named.as_deref(), &mut approvals, today, &mut out);
            if let Some(e) = taken {
                excepted.push(e);
            } else {
                let help = match &named {
                    Some(named) => format!(
                        "to let it through on purpose, the owners of the consumers it breaks approve this change in `exceptions.approvals`: \
                         {{code: {}, path: \"{}\", change: \"{named}\", reason: …, until: …}}",
                        d.code, d.path
                    ),
                    None => format!(
                        "to let it through on purpose, {} {} it in `exceptions.approvals`: \
                         {{code: {}, path: \"{}\", reason: …, until: …}}",
                        shown_owners(&d.approvers),
                        if d.approvers.len() > 1 {
                            "each approve"
                        } else {
                            "approves"
                        },
                        d.code,
                        d.path
                    ),
                };
                d.help = Some(match d.help.take() {
                    Some(h) => format!("{h}; {help}"),
                    None => help,
                });
            }
        }
        kept.push(d);
    }
    for a in approvals.iter().filter(|a| !a.used) {
        out.push(unused(a, &mut sides));
    }
    let kept = suppress(kept, &granters, proposed, today, &mut out, &mut excepted);
    out.extend(kept);
    (out, excepted)
}

/// The owners, as a list for people.
fn shown_owners(owners: &[String]) -> String {
    if owners.is_empty() {
        return "the ecosystem's owner".to_owned();
    }
    owners
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The note that an approval let nothing through.
fn unused(a: &Valid<'_>, sides: &mut Sides<'_>) -> Diagnostic {
    let spent = a
        .approval
        .change
        .as_deref()
        .and_then(|c| c.split_once(".."))
        .is_some_and(|(_, after)| after == sides.now(&a.approval.path));
    let (message, help) = if STANDING.contains(&a.approval.code.as_str()) {
        (
            format!(
                "the approval of `{}` at `{}` lets nothing through: nothing there needs it",
                a.approval.code, a.approval.path
            ),
            "remove the approval, or correct its path to the finding's",
        )
    } else if spent {
        (
            format!(
                "the approval of `{}` at `{}` is spent: the change it approved has merged",
                a.approval.code, a.approval.path
            ),
            "remove the approval: it lets no other change through",
        )
    } else {
        (
            format!(
                "the approval of `{}` at `{}` lets nothing of this change through",
                a.approval.code, a.approval.path
            ),
            "once the change it approved has merged, remove the approval",
        )
    };
    Diagnostic::new("exception-unused", Severity::Info, a.at.clone(), message).with_help(help)
}

/// The day an exception holds until, if its code and day can be taken.
fn well_formed(
    code: &str,
    until: &str,
    path: &ModelPath,
    today: NaiveDate,
    approval: bool,
) -> Result<NaiveDate, Box<Diagnostic>> {
    known_code(code, path, approval)?;
    let day = day(until, path)?;
    if (day - today).num_days() > LONGEST_DAYS {
        return Err(Box::new(Diagnostic::new(
            "exception-too-long",
            Severity::Error,
            path.key("until"),
            format!("it holds until {day}, more than a year from {today}"),
        )
        .with_help("an exception is for a while: give a day within a year, and renew it if it must last")));
    }
    Ok(day)
}

/// Whether `code` is one an approval (when `approval`) may name.
fn known_code(code: &str, path: &ModelPath, approval: bool) -> Result<(), Box<Diagnostic>> {
    if approval && !APPROVABLE.contains(&code) && !STANDING.contains(&code) {
        return Err(Box::new(Diagnostic::new(
            "exception-invalid",
            Severity::Error,
            path.key("code"),
            format!(
                "an approval lets one breaking change through, and `{code}` is not the code of one"
            ),
        )
        .with_help(format!(
            "approve one of {}",
            [APPROVABLE, STANDING].concat().join(", ")
        ))));
    }
    Ok(())
}

/// Lets `d` through if the approvals of every consumer it breaks and
/// every other approver it names (or the ecosystem's owner's) name it (and
/// `change`, for a change) and hold today; otherwise says who still must
/// approve, and refuses approvals by others and expired ones.
fn approve(
    d: &mut Diagnostic,
    change: Option<&str>,
    approvals: &mut [Valid<'_>],
    today: NaiveDate,
    out: &mut Vec<Diagnostic>,
) -> Option<Excepted> {
    let path = d.path.to_string();
    let mut granted: Vec<(String, String, Option<NaiveDate>)> = Vec::new();
    let mut ecosystem = false;
    let consumers: Vec<String> = d
        .breaks
        .iter()
        .filter_map(|b| b.owner.clone())
        .chain(d.approvers.iter().cloned())
        .collect();
    // The consumers' owners who have not approved, as a list for people.
    let needed = |granted: &[(String, String, Option<NaiveDate>)]| -> String {
        let mut owners = consumers.clone();
        owners.sort();
        owners.dedup();
        owners.retain(|o| !granted.iter().any(|(by, _, _)| by == o));
        owners
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for a in approvals
        .iter_mut()
        .filter(|a| a.approval.code == d.code && a.approval.path == path)
    {
        // An approval of a change covers the one change it names.
        match (a.approval.change.as_deref(), change) {
            (Some(named), Some(change)) if named == change => {}
            (_, None) => {}
            (named, Some(change)) => {
                a.used = true;
                out.push(other_change(a, d.code, &path, named, change));
                continue;
            }
        }
        a.used = true;
        let by = &a.granter.owner;
        if a.until.is_some_and(|until| until < today) {
            out.push(expired(a, d.code, &path));
            continue;
        }
        let is_ecosystem = a.granter.region == Region::Ecosystem;
        if !is_ecosystem && !consumers.contains(by) {
            out.push(not_authorized(a, d.code, &path, &needed(&granted)));
            continue;
        }
        ecosystem |= is_ecosystem;
        granted.push((by.clone(), a.approval.reason.clone(), a.until));
    }
    if granted.is_empty() {
        return None;
    }
    let missing = needed(&granted);
    if !ecosystem && !missing.is_empty() {
        let _ = write!(
            d.message,
            "; approved by {}, and still to be approved by {missing}",
            granted
                .iter()
                .map(|(by, _, _)| format!("`{by}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return None;
    }
    let until = granted.iter().filter_map(|(_, _, u)| *u).min();
    let by: Vec<String> = granted.iter().map(|(b, _, _)| b.clone()).collect();
    let reason = granted
        .iter()
        .map(|(_, r, _)| r.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    d.severity = Severity::Info;
    let _ = write!(
        d.message,
        " (approved by {}{}: {reason})",
        by.iter()
            .map(|b| format!("`{b}`"))
            .collect::<Vec<_>>()
            .join(", "),
        until.map_or_else(String::new, |u| format!(" until {u}"))
    );
    Some(Excepted {
        kind: "approval",
        code: d.code,
        path,
        by,
        reason,
        until: until.map(|u| u.to_string()),
    })
}

/// The refusal of an approval that names no change, or another change at
/// the same place than the one this model makes.
fn other_change(
    a: &Valid<'_>,
    code: &str,
    path: &str,
    named: Option<&str>,
    change: &str,
) -> Diagnostic {
    let by = &a.granter.owner;
    let message = match named {
        None => format!(
            "the approval of `{code}` at `{path}` by `{by}` names no change, so it approves none"
        ),
        Some(named) => format!(
            "the approval of `{code}` at `{path}` by `{by}` approves change `{named}`, and this is change `{change}`"
        ),
    };
    Diagnostic::new("exception-invalid", Severity::Error, a.at.key("change"), message).with_help(
        format!(
            "an approval covers one change: `{by}` approves this one with `change: \"{change}\"` if it agrees, after looking at it"
        ),
    )
}

/// The refusal of an approval that ran out.
fn expired(a: &Valid<'_>, code: &str, path: &str) -> Diagnostic {
    let by = &a.granter.owner;
    Diagnostic::new(
        "approval-expired",
        Severity::Error,
        a.at.clone(),
        format!(
            "the approval of `{code}` at `{path}` by `{by}` ran out on {}",
            a.until.map_or_else(String::new, |u| u.to_string())
        ),
    )
    .with_help(format!(
        "`{by}` renews it with a later `until` (at most a year ahead), or the change waits"
    ))
}

/// The refusal of an approval by one who owns none of the consumers, naming
/// who may approve (`owners`).
fn not_authorized(a: &Valid<'_>, code: &str, path: &str, owners: &str) -> Diagnostic {
    let standing = STANDING.contains(&code);
    let whose = if standing {
        "the data it lets through"
    } else {
        "the consumers it breaks"
    };
    Diagnostic::new(
        "approval-not-authorized",
        Severity::Error,
        a.at.clone(),
        format!(
            "`{}` approves `{code}` at `{path}`, but owns none of {whose}",
            a.granter.owner
        ),
    )
    .with_help(match (owners.is_empty(), standing) {
        (true, false) => {
            "only the ecosystem's owner may approve a break no consumer reads".to_owned()
        }
        (true, true) => "only the ecosystem's owner may approve it".to_owned(),
        (false, false) => format!(
            "the approval belongs to the consumers' owners ({owners}) or the ecosystem's owner"
        ),
        (false, true) => {
            format!("the approval belongs to the data's owners ({owners}) or the ecosystem's owner")
        }
    })
}

/// Quiets the warnings each suppression names in its owner's region.
fn suppress(
    found: Vec<Diagnostic>,
    granters: &[Granter<'_>],
    proposed: &Ecosystem,
    today: NaiveDate,
    out: &mut Vec<Diagnostic>,
    excepted: &mut Vec<Excepted>,
) -> Vec<Diagnostic> {
    let mut active: Vec<(&Granter<'_>, &Suppression)> = Vec::new();
    for g in granters {
        for (i, s) in g.exceptions.suppressions.iter().enumerate() {
            let path = at(g, "suppressions", i);
            let until = match &s.until {
                Some(u) => match well_formed(&s.code, u, &path, today, false) {
                    Ok(day) => Some(day),
                    Err(e) => {
                        out.push(*e);
                        continue;
                    }
                },
                None => None,
            };
            let region = g.region.path().to_string();
            let own = below(&s.path, &region)
                && (g.region != Region::Ecosystem || !s.path.starts_with("/zones/"));
            if !own {
                out.push(
                    Diagnostic::new(
                        "suppression-not-authorized",
                        Severity::Error,
                        path.key("path"),
                        format!(
                            "`{}` quiets warnings at `{}`, outside its own region",
                            g.owner, s.path
                        ),
                    )
                    .with_help("a region's owner quiets warnings in its own region only: ask the owner of that path"),
                );
                continue;
            }
            if until.is_none_or(|u| u >= today) {
                active.push((g, s));
            }
        }
    }
    found
        .into_iter()
        .map(|mut d| {
            let at = d.path.to_string();
            let matching = active.iter().find(|(g, s)| {
                s.code == d.code
                    && below(&at, &s.path)
                    && regions::owner_of(proposed, &d.path).to_string() == g.owner
            });
            if let Some((g, s)) = matching {
                if d.severity == Severity::Error {
                    out.push(Diagnostic::new(
                        "suppression-of-error",
                        Severity::Warning,
                        d.path.clone(),
                        format!("a suppression by `{}` names `{}`, an error here: errors are not quieted", g.owner, d.code),
                    ));
                } else if d.severity == Severity::Warning {
                    d.severity = Severity::Info;
                    let _ = write!(d.message, " (quieted by `{}`: {})", g.owner, s.reason);
                    excepted.push(Excepted {
                        kind: "suppression",
                        code: d.code,
                        path: at,
                        by: vec![g.owner.clone()],
                        reason: s.reason.clone(),
                        until: s.until.clone(),
                    });
                }
            }
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasurface_core::diagnostic::BrokenConsumer;

    /// An ecosystem of two teams, each owning a consumer; `eco` and `a`
    /// are the exceptions of the ecosystem's document and of team `A`.
    fn model(eco: &str, a: &str) -> Ecosystem {
        let text = format!(
            "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: E\nowningRepository: {{name: e/eco, branch: main}}\nliveRepository: {{name: e/eco, branch: live}}\n{eco}\
             zoneDeclarations:\n  Z: {{repository: {{name: e/z, branch: main}}}}\n\
             zones:\n  Z:\n    teamDeclarations:\n      A: {{repository: {{name: e/a, branch: main}}}}\n      B: {{repository: {{name: e/b, branch: main}}}}\n\
             \x20   teams:\n      A:\n{a}      B: {{}}\n"
        );
        datasurface_files::from_yaml_str(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
    }

    fn approval(indent: &str) -> String {
        approval_of(indent, "/p", "none..none")
    }

    /// An approval of removing a column at `path`, of change `change`.
    fn approval_of(indent: &str, path: &str, change: &str) -> String {
        format!(
            "{indent}exceptions:\n{indent}  approvals:\n{indent}    - {{code: removed-column, path: {path}, change: '{change}', reason: agreed, until: 2026-12-31}}\n"
        )
    }

    /// A removed column read by a workspace of `A` and one of `B`.
    fn breaking() -> Diagnostic {
        let consumer = |w: &str, o: &str| BrokenConsumer {
            workspace: w.to_owned(),
            owner: Some(format!("github:{o}@main")),
        };
        let d = Diagnostic::new(
            "removed-column",
            Severity::Error,
            ModelPath::root().key("p"),
            "column `c` is removed",
        );
        d.breaking(vec![consumer("WA", "e/a"), consumer("WB", "e/b")])
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default()
    }

    #[test]
    fn a_break_of_two_teams_consumers_needs_both_or_the_ecosystem() {
        // Only A approved: still an error, naming B's repository.
        let only_a = model("", &approval("        "));
        let (found, excepted) = apply(vec![breaking()], None, &only_a, today());
        assert!(excepted.is_empty());
        let d = found.iter().find(|d| d.code == "removed-column").unwrap();
        assert_eq!(d.severity, Severity::Error);
        assert!(
            d.message.ends_with(
                "approved by `github:e/a@main`, and still to be approved by `github:e/b@main`"
            ),
            "{}",
            d.message
        );
        // The ecosystem's owner approves for everyone.
        let by_owner = model(&approval(""), "        {}\n");
        let (found, excepted) = apply(vec![breaking()], None, &by_owner, today());
        let d = found.iter().find(|d| d.code == "removed-column").unwrap();
        assert_eq!(d.severity, Severity::Info, "{}", d.message);
        assert_eq!(excepted.len(), 1);
        assert_eq!(excepted[0].by, ["github:e/eco@main"]);
        // An approval with nothing to let through says so, as info only.
        let (found, _) = apply(Vec::new(), None, &by_owner, today());
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].code, found[0].severity),
            ("exception-unused", Severity::Info)
        );
    }

    /// `breaking()`, at `path`.
    fn breaking_at(path: &str) -> Diagnostic {
        let mut d = breaking();
        d.path = ModelPath::root().key(path);
        d
    }

    #[test]
    fn a_change_is_read_from_its_teams_region_alone() {
        assert_eq!(
            region_of("/zones/Z/teams/T/datastores/S/datasets/d"),
            ("/zones/Z/teams/T", "/datastores/S/datasets/d")
        );
        assert_eq!(region_of("/zones/Z/teams/T"), ("/zones/Z/teams/T", ""));
        assert_eq!(
            region_of("/zones/Z/teamDeclarations/T"),
            ("", "/zones/Z/teamDeclarations/T")
        );
        assert_eq!(region_of("/name"), ("", "/name"));
        // What the team's region holds is what the whole model holds there.
        let eco = model("", &approval("        "));
        let path = "/zones/Z/teams/A/exceptions/approvals/0";
        let whole = serde_json::to_value(&eco).unwrap();
        assert_eq!(
            Sides::new(None, &eco).change(path),
            format!("none..{}", digest(whole.pointer(path)))
        );
        assert_ne!(digest(whole.pointer(path)), "none");
    }

    #[test]
    fn an_approval_covers_the_one_change_it_names() {
        // What `/name` holds in the proposed model, new since no base.
        let named = |change: &str| model(&approval_of("", "/name", change), "        {}\n");
        let eco = named("none..none");
        let change = Sides::new(None, &eco).change("/name");
        assert_eq!(
            change,
            format!("none..{}", digest(Some(&serde_json::json!("E"))))
        );
        // The change it names: let through.
        let (found, excepted) = apply(vec![breaking_at("name")], None, &named(&change), today());
        assert_eq!(excepted.len(), 1, "{found:?}");
        // Another change at the same path: refused, and the finding stays,
        // naming the change to approve.
        for other in ["none..0123456789ab", "none..none"] {
            let (found, excepted) = apply(vec![breaking_at("name")], None, &named(other), today());
            assert!(excepted.is_empty());
            let d = found.iter().find(|d| d.code == "removed-column").unwrap();
            assert_eq!(d.severity, Severity::Error);
            assert!(
                d.help.as_deref().unwrap_or_default().contains(&change),
                "{d:?}"
            );
            let refused = found
                .iter()
                .find(|d| d.code == "exception-invalid")
                .unwrap();
            assert!(
                refused.message.contains(&format!(
                    "approves change `{other}`, and this is change `{change}`"
                )),
                "{}",
                refused.message
            );
        }
        // No change named: refused as approving none.
        let bare = model(
            "exceptions:\n  approvals:\n    - {code: removed-column, path: /name, reason: agreed, until: 2026-12-31}\n",
            "        {}\n",
        );
        let (found, excepted) = apply(vec![breaking_at("name")], None, &bare, today());
        assert!(excepted.is_empty());
        assert!(
            found
                .iter()
                .any(|d| d.code == "exception-invalid" && d.message.contains("names no change")),
            "{found:?}"
        );
        // Once merged, the model holds what it approved: spent.
        let (found, _) = apply(Vec::new(), None, &named(&change), today());
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .ends_with("is spent: the change it approved has merged"),
            "{}",
            found[0].message
        );
    }
}
