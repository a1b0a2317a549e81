//! Reading documents and assembling them into one [`Ecosystem`].

use std::collections::BTreeMap;
use std::sync::Arc;

use datasurface_core::OrderedMap;

use crate::document::{
    API_VERSION, AnyBody, ApiVersion, ApiVersionError, Body, DocumentBody, DocumentKind, OnePass,
    RawHeader,
};
use crate::error::{LoadError, LoadErrors};
use crate::explain::{json_error, yaml_error};
use datasurface_core::names::{TeamName, ZoneName};
use datasurface_core::{Ecosystem, GovernanceZone, PlatformChoices, Team};
use datasurface_stdx::suggest::{nearest, quote_list};

/// The text of one model file, with the path used to name it in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path, as it should appear in messages (relative paths read best).
    pub path: String,
    /// The file's contents.
    pub text: String,
}

impl SourceFile {
    /// A source file from a path and its text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }
}

/// The formats model files are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// YAML (`.yaml` or `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
}

impl Format {
    /// The format of a path, by its extension; `None` if it is not a model file.
    pub fn of_path(path: &str) -> Option<Format> {
        let extension = std::path::Path::new(path).extension()?.to_str()?;
        if extension.eq_ignore_ascii_case("yaml") || extension.eq_ignore_ascii_case("yml") {
            Some(Format::Yaml)
        } else if extension.eq_ignore_ascii_case("json") {
            Some(Format::Json)
        } else {
            None
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// Where one document of a loaded model came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSource {
    /// The file.
    pub path: String,
    /// The kind of document.
    pub kind: DocumentKind,
    /// The zone it defines or belongs to, for zone and team documents.
    pub zone: Option<ZoneName>,
    /// The team it defines, for team documents.
    pub team: Option<TeamName>,
}

/// A model assembled from files, with where each part came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedModel {
    /// The model.
    pub ecosystem: Ecosystem,
    /// One entry per document read, in the order read.
    pub documents: Vec<DocumentSource>,
}

/// One parsed document.
#[derive(Debug, Clone)]
enum Parsed {
    Ecosystem(Ecosystem),
    Choices(PlatformChoices),
    Zone {
        name: ZoneName,
        zone: GovernanceZone,
    },
    Team {
        zone: ZoneName,
        /// The line and column of the `zone` key, for a message naming a
        /// zone no document defines (the text is gone by then).
        zone_at: (usize, usize),
        name: TeamName,
        /// Shared: the same document in two models is one team.
        team: Arc<Team>,
    },
}

/// One model file, parsed on its own: its document, or what is wrong with
/// it. Files are parsed one by one (on any thread, in any order) and then
/// put together by [`assemble`]; a caller that reads the files itself can
/// so let go of each file's text as soon as it is parsed, and hold no more
/// than the model and the files in hand.
///
/// ```
/// use datasurface_files::{assemble, parse, SourceFile};
///
/// let root = SourceFile::new(
///     "ecosystem.yaml",
///     "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Acme\n\
///      owningRepository: {name: acme/eco, branch: main}\n\
///      liveRepository: {name: acme/eco, branch: live}\n",
/// );
/// let parsed = parse(&root);
/// drop(root); // the text is no longer needed
/// let model = assemble(vec![parsed])?;
/// assert_eq!(model.ecosystem.name, "Acme");
/// # Ok::<(), datasurface_files::LoadErrors>(())
/// ```
#[derive(Debug, Clone)]
pub struct ParsedFile {
    path: String,
    result: Result<Parsed, LoadError>,
    /// Problems after the first, where they are independent of it.
    further: Vec<LoadError>,
}

impl ParsedFile {
    /// The file's path, as messages name it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong with the file, if it could not be parsed: its first
    /// problem.
    pub fn error(&self) -> Option<&LoadError> {
        self.result.as_ref().err()
    }

    /// Every problem found in the file, in the order of its lines: the
    /// first, then those that do not follow from it (see [`parse`]).
    pub fn errors(&self) -> impl Iterator<Item = &LoadError> {
        self.error().into_iter().chain(&self.further)
    }

    fn of(file: &SourceFile, result: Result<Parsed, LoadError>) -> Self {
        let further = match &result {
            Err(first) => further_errors(file, first),
            Ok(_) => Vec::new(),
        };
        ParsedFile {
            path: file.path.clone(),
            result,
            further,
        }
    }
}

/// Parses one model file (see [`ParsedFile`]).
///
/// A document's problems are reported together where one cannot cause the
/// next: after a misspelt field (`unknown field`) in block YAML, the field
/// is set aside and the rest of the document read on, so a file with three
/// misspelt fields reports three errors at once, not one per attempt.
pub fn parse(file: &SourceFile) -> ParsedFile {
    ParsedFile::of(file, parse_file(file))
}

/// At most this many problems per file after its first.
const FURTHER_ERRORS: usize = 20;

/// The problems of a YAML document after `first`: while the last one found
/// is an unknown field written in block style, its key and value are
/// blanked out (their lines left empty, so every other line keeps its
/// number) and the text is read again. Anything else may follow from what
/// came before, and ends the search.
fn further_errors(file: &SourceFile, first: &LoadError) -> Vec<LoadError> {
    if Format::of_path(&file.path) != Some(Format::Yaml) {
        return Vec::new();
    }
    let mut current = file.clone();
    let mut last = first.clone();
    let mut found = Vec::new();
    while found.len() < FURTHER_ERRORS && last.message.starts_with("unknown field `") {
        let (Some(line), Some(column)) = (last.line, last.column) else {
            break;
        };
        let name = last.message.split('`').nth(1).unwrap_or_default();
        // Read on as if the field were spelt as suggested, so its absence
        // is not a second problem; set it aside when nothing is suggested.
        let meant = last
            .help
            .as_deref()
            .and_then(|h| h.strip_prefix("did you mean `"))
            .and_then(|h| h.split('`').next());
        let Some(next_text) = (match meant {
            Some(meant) => respell_key(&current.text, line, column, name, meant),
            None => blank_key(&current.text, line, column, name),
        }) else {
            break;
        };
        current = SourceFile::new(file.path.clone(), next_text);
        let Err(next) = parse_file(&current) else {
            break;
        };
        // The same problem again would be a loop; a field missing from the
        // map whose key was set aside may be that key, so it is not said.
        let set_aside = meant.is_none()
            && next.message.starts_with("missing field")
            && next.line.is_some_and(|l| l <= line);
        if next == last || set_aside || found.contains(&next) {
            break;
        }
        found.push(next.clone());
        last = next;
    }
    found
}

/// `text` with the key `name` at `line` and `column` (1-based) written as
/// `meant`; `None` when `name` is not there.
fn respell_key(text: &str, line: usize, column: usize, name: &str, meant: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + meant.len());
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let start = l.char_indices().nth(column.checked_sub(1)?)?.0;
            let rest = &l[start..];
            let quoted = rest.starts_with(['"', '\'']);
            let key = if quoted { &rest[1..] } else { rest };
            let after = key.strip_prefix(name)?;
            let key_ends = after.starts_with(':') || (quoted && after.starts_with(['"', '\'']));
            if !key_ends {
                return None;
            }
            out.push_str(&l[..start]);
            if quoted {
                out.push_str(&rest[..1]);
            }
            out.push_str(meant);
            out.push_str(after);
        } else {
            out.push_str(l);
        }
    }
    Some(out)
}

/// `text` with the block-style key at `line` and `column` (1-based), and
/// the lines of its value, made empty; `None` when the key is not the
/// first thing on its line (a flow map) or not there at all. A list item's
/// `- ` stays, so the item's other keys still belong to it.
fn blank_key(text: &str, line: usize, column: usize, name: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let at = line.checked_sub(1)?;
    let target = *lines.get(at)?;
    let start = column.checked_sub(1)?;
    let prefix = target.get(..start)?;
    if !prefix.chars().all(|c| c == ' ' || c == '-') {
        return None;
    }
    let rest = target.get(start..)?;
    let key_end = rest.find(':')?;
    if rest[..key_end].trim().trim_matches(['"', '\'']) != name {
        return None;
    }
    let kept_prefix = prefix.trim_end();
    let mut out = String::with_capacity(text.len());
    for l in &lines[..at] {
        out.push_str(l);
    }
    out.push_str(kept_prefix);
    out.push('\n');
    // The value's own lines: deeper than the key, or blank, or comments.
    let mut end = at + 1;
    while let Some(l) = lines.get(end) {
        let body = l.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        let blank = body.trim().is_empty() || body.trim_start().starts_with('#');
        if !blank && indent < column {
            break;
        }
        out.push('\n');
        end += 1;
    }
    for l in &lines[end..] {
        out.push_str(l);
    }
    Some(out)
}

/// Parses a file of one model and a file of another, such as the same path
/// in the base and in the proposed model of a change: when the two are in
/// the same format and hold the same bytes, the text is parsed once and the
/// second document is a copy of the first. The results are those of
/// [`parse`] on each.
pub fn parse_pair(first: &SourceFile, second: &SourceFile) -> (ParsedFile, ParsedFile) {
    let parsed = parse(first);
    let same =
        Format::of_path(&first.path) == Format::of_path(&second.path) && first.text == second.text;
    match &parsed.result {
        Ok(doc) if same => {
            let copy = ParsedFile {
                path: second.path.clone(),
                result: Ok(doc.clone()),
                further: Vec::new(),
            };
            (parsed, copy)
        }
        // Errors name their file: a failed text is parsed again for the other.
        _ => (parsed, parse(second)),
    }
}

/// Puts parsed files together into one model, as [`load`] does: the
/// results, in the files' order, whatever order they were parsed in.
/// Every problem in every file is reported, not only the first.
pub fn assemble(files: Vec<ParsedFile>) -> Result<LoadedModel, LoadErrors> {
    let first = files.first().map(|f| f.path.clone());
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for file in files {
        match file.result {
            Ok(doc) => parsed.push((file.path, doc)),
            Err(error) => {
                errors.push(error);
                errors.extend(file.further);
            }
        }
    }
    let assembled = assemble_parts(parsed, &mut errors, first.as_deref());
    match assembled {
        Some(model) if errors.is_empty() => Ok(model),
        _ => Err(LoadErrors(errors)),
    }
}

/// Loads a model from its files: one `Ecosystem` document, plus any number of
/// `GovernanceZone` and `Team` documents.
///
/// A single document keeps its author's order. When several documents are
/// assembled, zones are placed in the order the ecosystem declares them and
/// teams in the order their zone declares them, so the result does not depend
/// on file names; definitions without a declaration follow, in file order.
/// Every problem in every file is reported, not only the first.
pub fn load(files: &[SourceFile]) -> Result<LoadedModel, LoadErrors> {
    assemble(datasurface_stdx::parallel::each(
        files,
        |f| f.text.len(),
        parse,
    ))
}

/// Loads two models at once, such as the base and the proposed model of a
/// change: a file whose format and bytes are the same in both (whatever its
/// path) is parsed once, and its document shared. The results are those of
/// [`load`] on each.
pub fn load_both(
    base: &[SourceFile],
    proposed: &[SourceFile],
) -> (
    Result<LoadedModel, LoadErrors>,
    Result<LoadedModel, LoadErrors>,
) {
    let all: Vec<&SourceFile> = base.iter().chain(proposed).collect();
    // Each distinct (format, text), and which of them each file is.
    let mut distinct: BTreeMap<(Option<Format>, &str), usize> = BTreeMap::new();
    let mut unique: Vec<&SourceFile> = Vec::new();
    let slots: Vec<usize> = all
        .iter()
        .map(|file| {
            let key = (Format::of_path(&file.path), file.text.as_str());
            *distinct.entry(key).or_insert_with(|| {
                unique.push(file);
                unique.len() - 1
            })
        })
        .collect();
    let mut parsed: Vec<Option<Result<Parsed, LoadError>>> =
        datasurface_stdx::parallel::each(&unique, |f| f.text.len(), |f| Some(parse_file(f)));
    // The last file that is a document takes it; the others take a copy,
    // made on every core. So a shared document is held twice at most.
    let mut last = vec![0usize; unique.len()];
    for (file, &slot) in slots.iter().enumerate() {
        last[slot] = file;
    }
    let files: Vec<usize> = (0..all.len()).collect();
    let copy = |&file: &usize| -> Option<Parsed> {
        let slot = slots[file];
        match &parsed[slot] {
            Some(Ok(doc)) if last[slot] != file => Some(doc.clone()),
            _ => None,
        }
    };
    let copies = datasurface_stdx::parallel::each(
        &files,
        |&file| all[file].text.len() * usize::from(last[slots[file]] != file),
        copy,
    );
    let mut results: Vec<ParsedFile> = Vec::with_capacity(all.len());
    for ((file, &slot), copied) in all.iter().zip(&slots).zip(copies) {
        let result = match (copied, &parsed[slot]) {
            (Some(doc), _) => Ok(doc),
            (None, Some(Ok(_))) => parsed[slot].take().unwrap_or_else(|| parse_file(file)),
            // Errors name their file: a shared text that failed is parsed
            // again for each file that is it.
            (None, Some(Err(_)) | None) => parse_file(file),
        };
        results.push(ParsedFile::of(file, result));
    }
    let proposed_results = results.split_off(base.len());
    // The two models are assembled at once.
    std::thread::scope(|scope| {
        let base_model = scope.spawn(|| assemble(results));
        let proposed_model = assemble(proposed_results);
        match base_model.join() {
            Ok(base_model) => (base_model, proposed_model),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Loads a single-document model from YAML text.
pub fn from_yaml_str(text: &str) -> Result<Ecosystem, LoadErrors> {
    load(&[SourceFile::new("<yaml>.yaml", text)]).map(|m| m.ecosystem)
}

/// Loads a single-document model from JSON text.
pub fn from_json_str(text: &str) -> Result<Ecosystem, LoadErrors> {
    load(&[SourceFile::new("<json>.json", text)]).map(|m| m.ecosystem)
}

fn parse_file(file: &SourceFile) -> Result<Parsed, LoadError> {
    let path = file.path.as_str();
    let Some(format) = Format::of_path(path) else {
        return Err(LoadError::new(path, "not a model file")
            .with_help("model files end in `.yaml`, `.yml` or `.json`"));
    };
    if file.text.trim().is_empty() {
        return Err(LoadError::new(path, "the file is empty").with_help(format!(
            "a model file holds one document that starts with `apiVersion: {API_VERSION}` and `kind:`"
        )));
    }
    let one_pass = match format {
        // The fast reader reads ordinary files; the rest, and every error,
        // is the general parser's.
        Format::Yaml => super::block_yaml::from_str::<OnePass>(&file.text)
            .ok()
            .or_else(|| from_yaml::<OnePass>(&file.text).ok()),
        Format::Json => serde_json::from_str::<OnePass>(&file.text).ok(),
    };
    if let Some(OnePass { header, body }) = one_pass {
        check_header(file, format, &header)?;
        return parsed(file, format, &header, body);
    }
    // Something is wrong, or unusual: read the header, then the body, and
    // explain the first problem with its position.
    let header: RawHeader = match format {
        Format::Yaml => {
            from_yaml(&file.text).map_err(|e| header_error(yaml_error(path, &file.text, &e)))?
        }
        Format::Json => {
            serde_json::from_str(&file.text).map_err(|e| header_error(json_error(path, &e)))?
        }
    };
    let body = match check_header(file, format, &header)? {
        DocumentKind::Ecosystem => AnyBody::Ecosystem(parse_body(file, format)?),
        DocumentKind::GovernanceZone => AnyBody::GovernanceZone(parse_body(file, format)?),
        DocumentKind::Team => AnyBody::Team(parse_body(file, format)?),
        DocumentKind::PlatformChoices => AnyBody::PlatformChoices(parse_body(file, format)?),
    };
    parsed(file, format, &header, body)
}

/// A document's body with the names its header gives.
fn parsed(
    file: &SourceFile,
    format: Format,
    header: &RawHeader,
    body: AnyBody,
) -> Result<Parsed, LoadError> {
    match body {
        AnyBody::Ecosystem(eco) => Ok(Parsed::Ecosystem(eco)),
        AnyBody::PlatformChoices(choices) => Ok(Parsed::Choices(choices)),
        AnyBody::GovernanceZone(zone) => {
            let kind = DocumentKind::GovernanceZone;
            let (name, _) =
                header_name::<ZoneName>(file, format, "name", header.name.as_deref(), kind)?;
            Ok(Parsed::Zone { name, zone })
        }
        AnyBody::Team(team) => {
            let kind = DocumentKind::Team;
            let (zone, zone_at) =
                header_name::<ZoneName>(file, format, "zone", header.zone.as_deref(), kind)?;
            let (name, _) =
                header_name::<TeamName>(file, format, "name", header.name.as_deref(), kind)?;
            Ok(Parsed::Team {
                zone,
                zone_at,
                name,
                team: Arc::new(team),
            })
        }
    }
}

fn header_error(error: LoadError) -> LoadError {
    if error.message.starts_with("expected struct") || error.message.starts_with("expected a map") {
        let mut e = LoadError::new(&error.file, "a model document must be a map of fields")
            .with_help(format!(
                "start the document with `apiVersion: {API_VERSION}` and `kind:`"
            ));
        e.line = error.line;
        e.column = error.column;
        e
    } else {
        error
    }
}

fn check_header(
    file: &SourceFile,
    format: Format,
    header: &RawHeader,
) -> Result<DocumentKind, LoadError> {
    let path = file.path.as_str();
    let located = |key: &str, e: LoadError| match key_position(&file.text, format, key) {
        Some((line, column)) => e.at(line, column),
        None => e.at(1, 1),
    };
    let Some(version) = &header.api_version else {
        return Err(located(
            "apiVersion",
            LoadError::new(path, "missing field `apiVersion`").with_help(format!(
                "add `apiVersion: {API_VERSION}` at the top of the document"
            )),
        ));
    };
    check_api_version(version).map_err(|e| {
        located(
            "apiVersion",
            LoadError::new(path, e.to_string()).with_help(e.help()),
        )
    })?;
    let kinds: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
    let Some(kind) = &header.kind else {
        return Err(located(
            "kind",
            LoadError::new(path, "missing field `kind`")
                .with_help(format!("add `kind:` with one of {}", quote_list(&kinds))),
        ));
    };
    kind.parse::<DocumentKind>().map_err(|unknown| {
        let help = match nearest(kind, &kinds) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("valid kinds are {}", quote_list(&kinds)),
        };
        located(
            "kind",
            LoadError::new(path, unknown.to_string()).with_help(help),
        )
    })
}

/// Checks an `apiVersion`: well formed, and a version this build reads.
fn check_api_version(version: &str) -> Result<ApiVersion, ApiVersionError> {
    let parsed: ApiVersion = version.parse()?;
    if parsed.is_read() {
        Ok(parsed)
    } else {
        Err(ApiVersionError::unsupported(&parsed))
    }
}

fn header_name<N>(
    file: &SourceFile,
    format: Format,
    key: &str,
    value: Option<&str>,
    kind: DocumentKind,
) -> Result<(N, (usize, usize)), LoadError>
where
    N: TryFrom<String, Error = datasurface_core::names::NameError>,
{
    let path = file.path.as_str();
    let position = key_position(&file.text, format, key).unwrap_or((1, 1));
    let Some(value) = value else {
        return Err(LoadError::new(path, format!("missing field `{key}`"))
            .at(position.0, position.1)
            .with_help(match (kind, key) {
                (_, "zone") => {
                    "a Team document says which zone it belongs to: add `zone: <zone name>`"
                        .to_owned()
                }
                (DocumentKind::Team, _) => {
                    "a Team document says which team it defines: add `name: <team name>`".to_owned()
                }
                _ => {
                    format!("a {kind} document says which zone it defines: add `name: <zone name>`")
                }
            }));
    };
    N::try_from(value.to_owned())
        .map(|name| (name, position))
        .map_err(|e| LoadError::new(path, e.to_string()).at(position.0, position.1))
}

/// Parses YAML with limits that grow with the text, so a team's file as big
/// as an enterprise's (hundreds of thousands of nodes) loads, while nesting
/// and alias expansion keep the parser's protective limits.
pub(super) fn from_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<T, serde_saphyr::Error> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = budget.max_events.max(text.len());
    budget.max_nodes = budget.max_nodes.max(text.len());
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(text.len());
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options(text, options)
}

fn parse_body<T: DocumentBody>(file: &SourceFile, format: Format) -> Result<T, LoadError> {
    let body: Body<T> = match format {
        Format::Yaml => {
            from_yaml(&file.text).map_err(|e| yaml_error(&file.path, &file.text, &e))?
        }
        Format::Json => serde_json::from_str(&file.text).map_err(|e| json_error(&file.path, &e))?,
    };
    Ok(body.0)
}

/// The 1-based line and column of a top-level key's value, found by a plain scan.
fn key_position(text: &str, format: Format, key: &str) -> Option<(usize, usize)> {
    for (i, line) in text.lines().enumerate() {
        let found = match format {
            Format::Yaml => line
                .strip_prefix(key)
                .filter(|r| r.starts_with(':'))
                .map(|_| 1),
            Format::Json => line.find(&format!("\"{key}\"")).map(|c| c + 1),
        };
        if let Some(column) = found {
            return Some((i + 1, column));
        }
    }
    None
}

/// The documents of a model, sorted by kind, with where each came from.
#[derive(Default)]
struct Parts {
    ecosystems: Vec<(String, Ecosystem)>,
    zones: Vec<(String, ZoneName, GovernanceZone)>,
    teams: Vec<(TeamDocument, Arc<Team>)>,
    choices: Vec<(String, PlatformChoices)>,
    documents: Vec<DocumentSource>,
}

/// Where a team document is, and the names its header gives.
struct TeamDocument {
    path: String,
    zone: ZoneName,
    zone_at: (usize, usize),
    name: TeamName,
}

impl Parts {
    fn sort(parsed: Vec<(String, Parsed)>) -> Self {
        let mut parts = Parts::default();
        for (file, doc) in parsed {
            let (kind, zone, team) = match &doc {
                Parsed::Ecosystem(_) => (DocumentKind::Ecosystem, None, None),
                Parsed::Choices(_) => (DocumentKind::PlatformChoices, None, None),
                Parsed::Zone { name, .. } => {
                    (DocumentKind::GovernanceZone, Some(name.clone()), None)
                }
                Parsed::Team { zone, name, .. } => {
                    (DocumentKind::Team, Some(zone.clone()), Some(name.clone()))
                }
            };
            parts.documents.push(DocumentSource {
                path: file.clone(),
                kind,
                zone,
                team,
            });
            match doc {
                Parsed::Ecosystem(eco) => parts.ecosystems.push((file, eco)),
                Parsed::Choices(choices) => parts.choices.push((file, choices)),
                Parsed::Zone { name, zone } => parts.zones.push((file, name, zone)),
                Parsed::Team {
                    zone,
                    zone_at,
                    name,
                    team,
                } => parts.teams.push((
                    TeamDocument {
                        path: file,
                        zone,
                        zone_at,
                        name,
                    },
                    team,
                )),
            }
        }
        parts
    }
}

fn assemble_parts(
    parsed: Vec<(String, Parsed)>,
    errors: &mut Vec<LoadError>,
    first: Option<&str>,
) -> Option<LoadedModel> {
    let Parts {
        ecosystems,
        zones,
        teams,
        choices,
        documents,
    } = Parts::sort(parsed);
    let mut ecosystems = ecosystems.into_iter();
    let Some((root, mut eco)) = ecosystems.next() else {
        if errors.is_empty() {
            let path = first.unwrap_or("<model>");
            errors.push(LoadError::new(path, "the model has no Ecosystem document").model().with_help(format!(
                "add `ecosystem.yaml` with `apiVersion: {API_VERSION}` and `kind: Ecosystem`"
            )));
        }
        return None;
    };
    for (file, _) in ecosystems {
        errors.push(LoadError::new(&file, "a second Ecosystem document").model().at(1, 1).with_help(format!(
            "a model has one Ecosystem document, and `{root}` already is it; make this one a GovernanceZone or Team document, or remove it"
        )));
    }
    let zone_origin = add_zones(&mut eco, &root, zones, errors);
    add_teams(&mut eco, &zone_origin, teams, errors);
    add_choices(&mut eco, &root, choices, errors);
    if documents.len() > 1 {
        order_by_declarations(&mut eco);
    }
    // Inline Avro schemas make their datasets' columns now; a file's, once
    // its reader has read the file (`datasurface_gate::read_avro_files`).
    datasurface_avro::expand(&mut eco);
    Some(LoadedModel {
        ecosystem: eco,
        documents,
    })
}

/// Adds the recorded platform choices: one document holds them (or the
/// Ecosystem document itself, inline).
fn add_choices(
    eco: &mut Ecosystem,
    root: &str,
    documents: Vec<(String, PlatformChoices)>,
    errors: &mut Vec<LoadError>,
) {
    let mut first: Option<String> = (!eco.platform_choices.is_empty()).then(|| root.to_owned());
    for (file, choices) in documents {
        if let Some(first) = &first {
            errors.push(
                LoadError::new(&file, "the platform choices are recorded twice")
                    .model()
                    .at(1, 1)
                    .with_help(format!(
                        "`{first}` records them already; keep one record (`datasurface choose --write` writes `platform-choices.yaml`)"
                    )),
            );
            continue;
        }
        eco.platform_choices = choices.platform_choices;
        first = Some(file);
    }
}

/// Adds zone documents to the ecosystem; returns the file that defines each zone.
fn add_zones(
    eco: &mut Ecosystem,
    root: &str,
    zones: Vec<(String, ZoneName, GovernanceZone)>,
    errors: &mut Vec<LoadError>,
) -> OrderedMap<ZoneName, String> {
    let mut origin: OrderedMap<ZoneName, String> = eco
        .zones
        .keys()
        .map(|z| (z.clone(), root.to_owned()))
        .collect();
    for (file, name, zone) in zones {
        if let Some(first) = origin.get(&name) {
            errors.push(
                LoadError::new(&file, format!("zone `{name}` is defined twice"))
                    .model()
                    .at(1, 1)
                    .with_help(format!(
                        "it is already defined in `{first}`; keep one definition"
                    )),
            );
            continue;
        }
        origin.insert(name.clone(), file);
        eco.zones.insert(name, zone);
    }
    origin
}

/// Adds team documents to their zones.
fn add_teams(
    eco: &mut Ecosystem,
    zone_origin: &OrderedMap<ZoneName, String>,
    teams: Vec<(TeamDocument, Arc<Team>)>,
    errors: &mut Vec<LoadError>,
) {
    let mut origin: OrderedMap<(ZoneName, TeamName), String> = eco
        .zones
        .iter()
        .flat_map(|(z, zone)| {
            let file = zone_origin.get(z).cloned().unwrap_or_default();
            zone.teams
                .keys()
                .map(move |t| ((z.clone(), t.clone()), file.clone()))
        })
        .collect();
    for (document, team) in teams {
        let Some(zone) = eco.zones.get_mut(&document.zone) else {
            errors.push(unknown_zone(&document, zone_origin));
            continue;
        };
        let TeamDocument {
            path,
            zone: zone_name,
            name,
            ..
        } = document;
        let key = (zone_name.clone(), name.clone());
        if let Some(first) = origin.get(&key) {
            errors.push(
                LoadError::new(
                    &path,
                    format!("team `{name}` of zone `{zone_name}` is defined twice"),
                )
                .model()
                .at(1, 1)
                .with_help(format!(
                    "it is already defined in `{first}`; keep one definition"
                )),
            );
            continue;
        }
        origin.insert(key, path);
        zone.teams.insert(name, team);
    }
}

fn unknown_zone(document: &TeamDocument, defined: &OrderedMap<ZoneName, String>) -> LoadError {
    let (zone, team) = (&document.zone, &document.name);
    let defined: Vec<&str> = defined.keys().map(ZoneName::as_str).collect();
    let help = match nearest(zone, &defined) {
        Some(best) => format!("did you mean `{best}`?"),
        None if defined.is_empty() => {
            "no zone is defined yet: add a GovernanceZone document for it first".to_owned()
        }
        None => format!("defined zones are {}", quote_list(&defined)),
    };
    let (line, column) = document.zone_at;
    LoadError::new(
        &document.path,
        format!("team `{team}` belongs to zone `{zone}`, which no document defines"),
    )
    .model()
    .at(line, column)
    .with_help(help)
}

/// Orders zone and team definitions as they are declared; undeclared ones keep their order, after.
fn order_by_declarations(eco: &mut Ecosystem) {
    let zone_rank: OrderedMap<&ZoneName, usize> = eco
        .zone_declarations
        .keys()
        .enumerate()
        .map(|(i, z)| (z, i))
        .collect();
    let mut zones = std::mem::take(&mut eco.zones);
    zones.sort_by_cached_key(|name, _| zone_rank.get(name).copied().unwrap_or(usize::MAX));
    for zone in zones.values_mut() {
        let team_rank: OrderedMap<&TeamName, usize> = zone
            .team_declarations
            .keys()
            .enumerate()
            .map(|(i, t)| (t, i))
            .collect();
        let mut teams = std::mem::take(&mut zone.teams);
        teams.sort_by_cached_key(|name, _| team_rank.get(name).copied().unwrap_or(usize::MAX));
        zone.teams = teams;
    }
    eco.zones = zones;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelt_fields_of_a_document_are_reported_together() {
        let text = "apiVersion: datasurface.dev/v1
kind: Team
zone: Z
name: T
datastores:
  Orders:
    capture:
      ingestion:
        containr: Db
        consistency: MULTI_DATASET
        method:
          sqlSnapshot: {}
    datasets:
      orders:
        schema:
          colums:
            id: {type: Integer, nullable: false}
            amount: {type: Integer}
          primaryKey: [id]
workspaces:
  - descripton: a list item's first key
";
        let parsed = parse(&SourceFile::new("team.yaml", text));
        let found: Vec<(Option<usize>, Option<usize>, &str)> = parsed
            .errors()
            .map(|e| (e.line, e.column, e.message.as_str()))
            .collect();
        assert_eq!(
            found[..2],
            [
                (Some(9), Some(9), "unknown field `containr`"),
                (Some(16), Some(11), "unknown field `colums`"),
            ],
            "{found:?}"
        );
        // Whatever follows is a problem of its own, after those, in line order.
        assert!(found.windows(2).all(|w| w[0].0 < w[1].0), "{found:?}");
        // The model's load reports them all.
        let all = load(&[SourceFile::new("team.yaml", text)]).unwrap_err();
        assert!(all.0.len() >= 2, "{all:?}");
        // A file that is right after its first problem reports one.
        let one = parse(&SourceFile::new(
            "t.yaml",
            "apiVersion: datasurface.dev/v1\nkind: GovernanceZone\nname: Z\nteamz: {}\n",
        ));
        assert_eq!(one.errors().count(), 1);
    }

    #[test]
    fn a_blanked_key_keeps_every_line_number() {
        let text = "a:\n  b: 1\n  bad:\n    deep: 2\n\n    deeper: 3\n  c: 4\n- x: 1\n";
        assert_eq!(
            blank_key(text, 3, 3, "bad").as_deref(),
            Some("a:\n  b: 1\n\n\n\n\n  c: 4\n- x: 1\n")
        );
        assert_eq!(
            blank_key("- bad: 1\n  ok: 2\n", 1, 3, "bad").as_deref(),
            Some("-\n  ok: 2\n")
        );
        // A flow map, or another name there: nothing is blanked.
        assert_eq!(blank_key("a: {bad: 1, ok: 2}\n", 1, 5, "bad"), None);
        assert_eq!(blank_key("a:\n  ok: 1\n", 2, 3, "bad"), None);
    }
    use std::fmt::Write as _;

    const HEAD: &str = "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: E\n\
                        owningRepository: {name: a/b, branch: main}\nliveRepository: {name: a/b, branch: live}\n";

    /// Model documents as a hostile team writes them: many keys in block
    /// and flow style, long quoted strings full of escapes, many comments,
    /// long lists. Reading each grows about linearly.
    #[test]
    fn reading_a_document_grows_linearly_with_it() {
        use datasurface_fixtures::growth::assert_near_linear;
        type Make = fn(usize) -> String;
        let shapes: [(&str, Make); 5] = [
            ("a block map", |n| {
                let mut t = format!("{HEAD}zoneDeclarations:\n");
                for i in 0..n {
                    let _ = writeln!(t, "  Z{i}: {{repository: {{name: a/z{i}, branch: main}}}}");
                }
                t
            }),
            ("a flow map", |n| {
                let zones: Vec<String> = (0..n)
                    .map(|i| format!("Z{i}: {{repository: {{name: a/z{i}, branch: main}}}}"))
                    .collect();
                format!("{HEAD}zoneDeclarations: {{{}}}\n", zones.join(", "))
            }),
            ("a quoted string of escapes", |n| {
                format!("{HEAD}documentation: \"{}\"\n", "\\t\\u00e9\\\"".repeat(n))
            }),
            ("comments", |n| {
                format!(
                    "{}{HEAD}",
                    "# a comment that says nothing at all\n".repeat(n)
                )
            }),
            ("a long list", |n| {
                let items: Vec<String> = (0..n).map(|i| format!("  - P{i}\n")).collect();
                format!("{HEAD}platformPreference:\n{}", items.concat())
            }),
        ];
        for (what, make) in shapes {
            assert_near_linear(what, 100..=400_000, make, |text| {
                let _ = from_yaml_str(text);
            });
        }
    }

    #[test]
    fn the_platform_choices_are_recorded_once() {
        let eco = "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: E\n\
                   owningRepository: {name: a/b, branch: main}\nliveRepository: {name: a/b, branch: live}\n";
        let record = "apiVersion: datasurface.dev/v1\nkind: PlatformChoices\nplatformChoices:\n\
                      - {workspace: W, datasetGroup: G, platform: P}\n";
        let loaded = load(&[
            SourceFile::new("ecosystem.yaml", eco),
            SourceFile::new("platform-choices.yaml", record),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.ecosystem.platform_choices.len(), 1);
        assert!(
            loaded
                .documents
                .iter()
                .any(|d| d.kind == DocumentKind::PlatformChoices)
        );
        let twice = load(&[
            SourceFile::new("ecosystem.yaml", eco),
            SourceFile::new("platform-choices.yaml", record),
            SourceFile::new("more-choices.yaml", record),
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(
            twice.contains("more-choices.yaml")
                && twice.contains("the platform choices are recorded twice"),
            "{twice}"
        );
    }

    #[test]
    fn yaml_limits_grow_with_the_file_but_alias_bombs_stay_refused() {
        // 400,000 nodes: past the parser's default of 250,000.
        let big = format!("[{}]", vec!["7"; 400_000].join(", "));
        let values: Vec<u32> = from_yaml(&big).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(values.len(), 400_000);
        let levels: Vec<String> = (1..12)
            .map(|n| {
                let items = vec![format!("*l{}", n - 1); 10].join(", ");
                format!("l{n}: &l{n} [{items}]\n")
            })
            .collect();
        let bomb = format!("a: &a [x, x, x, x, x, x, x, x, x, x]\n{}", levels.concat());
        let bomb = bomb.replace("*l0", "*a");
        assert!(from_yaml::<serde_json::Value>(&bomb).is_err());
    }

    /// A team in the usual order, with `name` and `zone` after its body,
    /// with `kind` last, and with a repeated key: the first three read the
    /// same (in one pass or two), the last is refused as before.
    #[test]
    fn documents_read_in_one_pass_or_two_alike() {
        let body = "datastores: {}\nworkspaces: {}\n";
        let usual = format!("apiVersion: {API_VERSION}\nkind: Team\nzone: Z\nname: T\n{body}");
        let late_names = format!("apiVersion: {API_VERSION}\nkind: Team\n{body}name: T\nzone: Z\n");
        let late_kind = format!("apiVersion: {API_VERSION}\nzone: Z\n{body}name: T\nkind: Team\n");
        // The document, without where its `zone` key is.
        let read = |text: &str| match parse_file(&SourceFile::new("t.yaml", text)) {
            Ok(Parsed::Team {
                zone, name, team, ..
            }) => (zone, name, team),
            other => panic!("not a team: {other:?}"),
        };
        let expected = read(&usual);
        assert_eq!((expected.0.as_str(), expected.1.as_str()), ("Z", "T"));
        for text in [&late_names, &late_kind] {
            assert_eq!(read(text), expected, "{text}");
        }
        assert!(from_yaml::<OnePass>(&usual).is_ok());
        assert!(from_yaml::<OnePass>(&late_names).is_ok());
        assert!(from_yaml::<OnePass>(&late_kind).is_err());
        let json = r#"{"apiVersion": "datasurface.dev/v1", "kind": "Team", "zone": "Z", "name": "T", "name": "U"}"#;
        assert!(serde_json::from_str::<OnePass>(json).is_err());
        let err = parse_file(&SourceFile::new("t.json", json)).unwrap_err();
        assert!(err.message.contains("duplicate field `name`"), "{err}");
    }

    #[test]
    fn api_versions() {
        assert!(check_api_version("datasurface.dev/v1").is_ok());
        assert!(
            check_api_version("datasurface.dev/v2")
                .unwrap_err()
                .to_string()
                .contains("unsupported")
        );
        assert!(
            check_api_version("datasurface.dev/v1beta1")
                .unwrap_err()
                .to_string()
                .contains("unsupported")
        );
        assert!(
            check_api_version("datasurface.dev/v1x")
                .unwrap_err()
                .to_string()
                .contains("malformed")
        );
        assert!(
            check_api_version("datasurface.dev/")
                .unwrap_err()
                .to_string()
                .contains("malformed")
        );
        assert!(
            check_api_version("v1")
                .unwrap_err()
                .to_string()
                .contains("unknown")
        );
    }

    #[test]
    fn key_positions() {
        assert_eq!(
            key_position("a: 1\nkind: Team\n", Format::Yaml, "kind"),
            Some((2, 1))
        );
        assert_eq!(key_position("  kind: Team\n", Format::Yaml, "kind"), None);
        assert_eq!(
            key_position("{\n  \"kind\": 1}", Format::Json, "kind"),
            Some((2, 3))
        );
    }
}
