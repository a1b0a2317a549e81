//! Files the model names, compared as the engine will open them: with
//! links followed.
//!
//! Claims of files ([`file_claims_with`]) are compared by their text in
//! validation and in every platform's check. A link defeats that: a team's
//! `mine.sqlite` that is a link to another team's database, or to a file
//! out of the model, reads the same as any file of its own. Here each
//! claimed path is resolved through the [`ModelSource`], and the claims are
//! compared again on where they lead.

use std::borrow::Cow;

use datasurface_core::resources::{FileClaim, Owner, file_refusal, overlapping};
use datasurface_platform::{PlatformRegistry, file_claims_with};
use datasurface_rules::validate::{Diagnostic, Severity, ValidEcosystem};

use crate::source::{ModelSource, Resolved};

/// The code of a finding about a file a team may not name.
const RESOURCE_NOT_GRANTED: &str = "resource-not-granted";

/// What resolving each claimed path finds that comparing the paths' texts
/// did not: a team's path that leads out of the model, and one that leads
/// to another owner's file (or a folder holding one, or into one).
pub(crate) fn findings(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    source: &dyn ModelSource,
) -> Vec<Diagnostic> {
    let eco = valid.ecosystem();
    let resources = crate::named_files::resources(registry, eco);
    let (claims, _) = file_claims_with(eco, valid.inventory(), &resources);
    let resolved: Vec<Resolved> = claims.iter().map(|c| source.resolve(&c.path)).collect();
    let mut found = Vec::new();
    let mut leads = Vec::with_capacity(claims.len());
    for (claim, resolved) in claims.iter().zip(&resolved) {
        match resolved {
            Resolved::Inside(path) => leads.push(path.as_str()),
            Resolved::Outside(real) => {
                if matches!(claim.owner, Owner::Team { .. }) {
                    found.push(
                        Diagnostic::new(
                            RESOURCE_NOT_GRANTED,
                            Severity::Error,
                            claim.model_path(),
                            format!(
                                "{} names `{}`, which leads out of the model (to {real})",
                                claim.describe(),
                                claim.path
                            ),
                        )
                        .with_help("name a file inside the model itself, not a link out of it"),
                    );
                }
                // Compared as written: it meets nothing inside the model.
                leads.push(&claim.path);
            }
        }
    }
    if leads
        .iter()
        .zip(&claims)
        .all(|(lead, c)| *lead == c.path.as_ref())
    {
        return found;
    }
    let as_opened: Vec<FileClaim<'_>> = claims
        .iter()
        .zip(&leads)
        .map(|(c, lead)| FileClaim {
            path: Cow::Borrowed(lead),
            ..c.clone()
        })
        .collect();
    // Pairs that meet as written were judged already; only those that meet
    // once links are followed are new.
    let as_written = overlapping(&claims);
    for (i, j) in overlapping(&as_opened) {
        if as_written.contains(&(i, j)) {
            continue;
        }
        for (user, owner) in [(i, j), (j, i)] {
            if let Some((path, message, help)) =
                file_refusal(eco, &as_opened[user], &as_opened[owner])
            {
                let message = if as_opened[user].path == claims[user].path {
                    message
                } else {
                    format!(
                        "{message}; `{}` is a link to `{}`",
                        claims[user].path, as_opened[user].path
                    )
                };
                found.push(
                    Diagnostic::new(RESOURCE_NOT_GRANTED, Severity::Error, path, message)
                        .with_help(help),
                );
            }
        }
    }
    found
}
