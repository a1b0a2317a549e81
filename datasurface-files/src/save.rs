//! Writing models: as one document, or as a directory of documents.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::document::{DocumentBody, DocumentOut};
use crate::load::{Format, SourceFile};
use datasurface_core::{Ecosystem, GovernanceZone, PlatformChoices, Team};

/// Why a model could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write the model as {format}: {message}")]
pub struct SaveError {
    /// The format being written.
    pub format: &'static str,
    /// What went wrong.
    pub message: String,
}

/// The name, without its extension, of the file that records the platform
/// choices (a `PlatformChoices` document) beside `ecosystem.yaml`.
pub const PLATFORM_CHOICES_FILE: &str = "platform-choices";

/// Writes recorded platform choices as a `PlatformChoices` document.
pub fn to_choices_string(choices: &PlatformChoices, format: Format) -> Result<String, SaveError> {
    render(&DocumentOut::new(choices), format)
}

/// Writes a whole model as one YAML document.
pub fn to_yaml_string(ecosystem: &Ecosystem) -> Result<String, SaveError> {
    render(&DocumentOut::new(ecosystem), Format::Yaml)
}

/// Writes a whole model as one JSON document, pretty-printed.
pub fn to_json_string(ecosystem: &Ecosystem) -> Result<String, SaveError> {
    render(&DocumentOut::new(ecosystem), Format::Json)
}

/// Writes one team's definition as a `Team` document: the file its
/// repository owns, as `zones/<zone>/teams/<team>.yaml` holds it.
pub fn team_to_string(
    zone: &str,
    name: &str,
    team: &Team,
    format: Format,
) -> Result<String, SaveError> {
    render_part::<Team>(team, Some(zone), name, format)
}

/// Splits a model into the usual directory layout, one document per file:
///
/// ```text
/// ecosystem.yaml                       the ecosystem's region
/// platform-choices.yaml                its recorded platform choices, if any
/// zones/<zone>/zone.yaml               each zone's region
/// zones/<zone>/teams/<team>.yaml       each team's region
/// ```
///
/// Path parts are the names made safe for file systems; loading the files
/// gives back an equal model.
pub fn to_directory(ecosystem: &Ecosystem, format: Format) -> Result<Vec<SourceFile>, SaveError> {
    let ext = format.extension();
    let mut root = ecosystem.clone();
    let zones = std::mem::take(&mut root.zones);
    let choices = PlatformChoices {
        platform_choices: std::mem::take(&mut root.platform_choices),
    };
    let mut files = vec![SourceFile::new(
        format!("ecosystem.{ext}"),
        render(&DocumentOut::new(&root), format)?,
    )];
    if !choices.platform_choices.is_empty() {
        files.push(SourceFile::new(
            format!("{PLATFORM_CHOICES_FILE}.{ext}"),
            render(&DocumentOut::new(&choices), format)?,
        ));
    }
    let mut zone_dirs = Slugs::default();
    for (zone_name, zone) in &zones {
        let dir = format!("zones/{}", zone_dirs.slug(zone_name));
        let mut zone_only = zone.clone();
        let teams = std::mem::take(&mut zone_only.teams);
        files.push(SourceFile::new(
            format!("{dir}/zone.{ext}"),
            render_part::<GovernanceZone>(&zone_only, None, zone_name, format)?,
        ));
        let mut team_files = Slugs::default();
        for (team_name, team) in &teams {
            let path = format!("{dir}/teams/{}.{ext}", team_files.slug(team_name));
            files.push(SourceFile::new(
                path,
                render_part::<Team>(team, Some(zone_name), team_name, format)?,
            ));
        }
    }
    Ok(files)
}

fn render_part<T: DocumentBody>(
    body: &T,
    zone: Option<&str>,
    name: &str,
    format: Format,
) -> Result<String, SaveError> {
    let mut doc = DocumentOut::new(body);
    doc.zone = zone;
    doc.name = Some(name);
    render(&doc, format)
}

fn render<T: Serialize>(value: &T, format: Format) -> Result<String, SaveError> {
    match format {
        Format::Yaml => serde_saphyr::to_string(value).map_err(|e| SaveError {
            format: "YAML",
            message: e.to_string(),
        }),
        Format::Json => serde_json::to_string_pretty(value)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| SaveError {
                format: "JSON",
                message: e.to_string(),
            }),
    }
}

/// Makes names safe as path parts, and unique.
#[derive(Default)]
struct Slugs {
    used: BTreeSet<String>,
}

impl Slugs {
    fn slug(&mut self, name: &str) -> String {
        let mut base: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        if base.trim_matches('-').is_empty() {
            "part".clone_into(&mut base);
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while !self.used.insert(candidate.clone()) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_unique() {
        let mut s = Slugs::default();
        assert_eq!(s.slug("Azure Platform"), "azure-platform");
        assert_eq!(s.slug("azure platform"), "azure-platform-2");
        assert_eq!(s.slug("ü"), "part");
        assert_eq!(s.slug("ä"), "part-2");
    }
}
