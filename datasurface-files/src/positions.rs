//! Where things are in model files: from a model path to a line and column.
//!
//! Positions come from the YAML event stream (JSON is YAML too), computed only
//! for the files that have findings, so a clean model costs nothing here.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::granit_parser::{Event, Parser};

use crate::document::DocumentKind;
use crate::load::{DocumentSource, SourceFile};
use datasurface_core::diagnostic::{Diagnostic, ModelPath, Report, Segment, SourceLocation};

/// The 1-based line and column of every key and list item of a document, by path.
pub(crate) type Positions = BTreeMap<Vec<Segment>, (usize, usize)>;

/// Fills in the file, line and column of every finding of a report, from the
/// files the model was loaded from and where each document came from
/// ([`LoadedModel::documents`](crate::LoadedModel::documents)).
///
/// Each file with findings is read once more, and only the positions on the
/// way to a finding are kept: thousands of findings in a file of millions of
/// lines cost one pass over it. A finding already located (by a caller
/// that knows where it is, such as a reload that kept the places of the
/// last load's findings in files since unchanged) keeps its place.
pub fn locate(report: &mut Report, sources: &[DocumentSource], files: &[SourceFile]) {
    // The files by path: a model of many documents finds each in a lookup.
    let by_path: BTreeMap<&str, &SourceFile> =
        files.iter().rev().map(|f| (f.path.as_str(), f)).collect();
    let documents: Vec<(ModelPath, &SourceFile)> = prefixes(sources)
        .into_iter()
        .filter_map(|(prefix, path)| Some((prefix, *by_path.get(path)?)))
        .collect();
    let by_prefix: BTreeMap<&[Segment], usize> = documents
        .iter()
        .enumerate()
        .map(|(i, (prefix, _))| (prefix.segments(), i))
        .collect();
    // Which document each finding is in, and every path on the way to each.
    let document_of = |segments: &[Segment]| document_of(&by_prefix, segments);
    let mut wanted: BTreeMap<usize, BTreeSet<Vec<Segment>>> = BTreeMap::new();
    for diagnostic in report.diagnostics().iter().filter(|d| d.location.is_none()) {
        let segments = diagnostic.path.segments();
        let Some(i) = document_of(segments) else {
            continue;
        };
        let relative = &segments[documents[i].0.segments().len()..];
        let paths = wanted.entry(i).or_default();
        // Every prefix of a path held means every shorter one is: from the
        // longest, copy only those not held yet.
        for n in (0..=relative.len()).rev() {
            if paths.contains(&relative[..n]) {
                break;
            }
            paths.insert(relative[..n].to_vec());
        }
    }
    let wanted: Vec<(usize, BTreeSet<Vec<Segment>>)> = wanted.into_iter().collect();
    let found: BTreeMap<usize, Positions> = datasurface_stdx::parallel::each(
        &wanted,
        |(i, _)| documents[*i].1.text.len(),
        |(i, paths)| (*i, positions(&documents[*i].1.text, paths)),
    )
    .into_iter()
    .collect();
    for diagnostic in report
        .diagnostics_mut()
        .iter_mut()
        .filter(|d| d.location.is_none())
    {
        let segments = diagnostic.path.segments();
        let Some(i) = document_of(segments) else {
            continue;
        };
        let (prefix, file) = &documents[i];
        let Some(positions) = found.get(&i) else {
            continue;
        };
        let relative = &segments[prefix.segments().len()..];
        let at = (0..=relative.len())
            .rev()
            .find_map(|n| positions.get(&relative[..n]));
        if let Some(&(line, column)) = at {
            // A finding inside a text value, placed at its own character
            // when the value's key is the one found.
            let (line, column) = diagnostic
                .in_text
                .filter(|_| positions.get(relative) == Some(&(line, column)))
                .and_then(|within| crate::text_value::place(&file.text, (line, column), within))
                .unwrap_or((line, column));
            diagnostic.location = Some(SourceLocation {
                file: file.path.clone(),
                line,
                column,
            });
        }
    }
}

/// The files [`locate`] reads to place `report`'s findings not yet placed:
/// those of the documents the findings are in, by path. A caller that let
/// the texts go reads these again, and no others.
pub fn to_locate<'s>(report: &Report, sources: &'s [DocumentSource]) -> BTreeSet<&'s str> {
    documents_of(report, sources, |d| d.location.is_none())
}

/// The files of the documents `report`'s findings are in, placed or not,
/// by path: those whose lines a program showing the findings shows.
pub fn with_findings<'s>(report: &Report, sources: &'s [DocumentSource]) -> BTreeSet<&'s str> {
    documents_of(report, sources, |_| true)
}

/// The files of the documents the findings `which` chooses are in.
fn documents_of<'s>(
    report: &Report,
    sources: &'s [DocumentSource],
    which: impl Fn(&Diagnostic) -> bool,
) -> BTreeSet<&'s str> {
    let documents = prefixes(sources);
    let by_prefix: BTreeMap<&[Segment], usize> = documents
        .iter()
        .enumerate()
        .map(|(i, (prefix, _))| (prefix.segments(), i))
        .collect();
    report
        .diagnostics()
        .iter()
        .filter(|d| which(d))
        .filter_map(|d| document_of(&by_prefix, d.path.segments()))
        .filter_map(|i| documents.get(i).map(|(_, path)| *path))
        .collect()
}

/// Each document's place in the model (where its findings' paths start),
/// and its file's path.
fn prefixes(sources: &[DocumentSource]) -> Vec<(ModelPath, &str)> {
    sources
        .iter()
        .filter_map(|doc| {
            let prefix = match (doc.kind, &doc.zone, &doc.team) {
                (DocumentKind::Team, Some(zone), Some(team)) => ModelPath::team(zone, team),
                (DocumentKind::GovernanceZone, Some(zone), _) => ModelPath::zone(zone),
                // The record shares the root with the Ecosystem document,
                // which findings there are placed in.
                (DocumentKind::PlatformChoices, ..) => return None,
                _ => ModelPath::root(),
            };
            Some((prefix, doc.path.as_str()))
        })
        .collect()
}

/// The document (by its position in `by_prefix`'s list) a path is in: a
/// team's, a zone's or the root's, the deepest that holds it.
fn document_of(by_prefix: &BTreeMap<&[Segment], usize>, segments: &[Segment]) -> Option<usize> {
    [4, 2, 0]
        .into_iter()
        .filter(|&n| n <= segments.len())
        .find_map(|n| by_prefix.get(&segments[..n]).copied())
}

/// What the walk is inside: a map (and the key whose value comes next) or a
/// list (and the index of its next item).
enum Frame {
    Map { key: Option<String> },
    Seq { next: usize },
}

/// The positions of the `wanted` paths that the text has (`wanted` holds
/// every prefix of each path it asks for). Parts of the document off every
/// wanted path are passed over without building their paths.
fn positions(text: &str, wanted: &BTreeSet<Vec<Segment>>) -> Positions {
    crate::quick_positions::positions(text, wanted).unwrap_or_else(|| walk(text, wanted))
}

/// [`positions`] by the YAML event stream: every document YAML allows.
pub(crate) fn walk(text: &str, wanted: &BTreeSet<Vec<Segment>>) -> Positions {
    let mut out = Positions::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<Segment> = Vec::new();
    // Containers open below a point off every wanted path.
    let mut off = 0usize;
    let mut root = wanted.contains(&Vec::new());
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else { break };
        let at = (span.start.line(), span.start.col() + 1);
        let opens = matches!(event, Event::MappingStart(..) | Event::SequenceStart(..));
        let closes = matches!(event, Event::MappingEnd | Event::SequenceEnd);
        if off > 0 {
            if opens {
                off += 1;
            } else if closes {
                off -= 1;
                if off == 0
                    && let Some(Frame::Map { key }) = stack.last_mut()
                {
                    *key = None;
                }
            }
            continue;
        }
        if root && (opens || matches!(event, Event::Scalar(..))) {
            out.insert(Vec::new(), at);
            root = false;
        }
        match event {
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map { key: key @ None }) = stack.last_mut() {
                    path.push(Segment::Key(value.into_owned()));
                    if wanted.contains(&path) {
                        out.entry(path.clone()).or_insert(at);
                    }
                    if let Some(Segment::Key(k)) = path.pop() {
                        *key = Some(k);
                    }
                } else if value_segment(&mut stack, wanted, &mut out, &mut path, at) {
                    path.pop();
                }
            }
            Event::Alias(_) if value_segment(&mut stack, wanted, &mut out, &mut path, at) => {
                path.pop();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let pushed = value_segment(&mut stack, wanted, &mut out, &mut path, at);
                if pushed && !wanted.contains(&path) {
                    // Nothing below is wanted: pass over it.
                    path.pop();
                    off = 1;
                    continue;
                }
                stack.push(if matches!(event, Event::MappingStart(..)) {
                    Frame::Map { key: None }
                } else {
                    Frame::Seq { next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                if !stack.is_empty() {
                    path.pop();
                }
                if let Some(Frame::Map { key }) = stack.last_mut() {
                    *key = None;
                }
            }
            _ => {}
        }
    }
    out
}

/// Pushes the path segment of the value that comes next in the innermost
/// container (its key, or its index, recording a wanted index's position);
/// whether there was one (the document's root has none).
fn value_segment(
    stack: &mut [Frame],
    wanted: &BTreeSet<Vec<Segment>>,
    out: &mut Positions,
    path: &mut Vec<Segment>,
    at: (usize, usize),
) -> bool {
    match stack.last_mut() {
        Some(Frame::Map { key }) => match key.take() {
            Some(k) => {
                path.push(Segment::Key(k));
                true
            }
            None => false,
        },
        Some(Frame::Seq { next }) => {
            path.push(Segment::Index(*next));
            *next += 1;
            if wanted.contains(path.as_slice()) {
                out.entry(path.clone()).or_insert(at);
            }
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_owned())
    }

    /// Every path of these, and every prefix of each, wanted.
    fn wanted(paths: &[Vec<Segment>]) -> BTreeSet<Vec<Segment>> {
        paths
            .iter()
            .flat_map(|p| (0..=p.len()).map(|n| p[..n].to_vec()))
            .collect()
    }

    /// A team document of `n` datastores, each with a finding on its capture.
    fn many_findings(n: usize) -> (Report, Vec<DocumentSource>, Vec<SourceFile>) {
        let mut text = String::from("apiVersion: datasurface.dev/v1\nkind: Team\ndatastores:\n");
        let mut found = Vec::new();
        for i in 0..n {
            let _ = write!(
                text,
                "  S{i}:\n    capture: {{ingestion: {{container: C}}}}\n"
            );
            found.push(datasurface_core::diagnostic::Diagnostic::new(
                "x",
                datasurface_core::diagnostic::Severity::Warning,
                ModelPath::team("Z", "T").keys(["datastores", &format!("S{i}"), "capture"]),
                "m",
            ));
        }
        let doc = DocumentSource {
            path: "t.yaml".to_owned(),
            kind: DocumentKind::Team,
            zone: Some(datasurface_core::names::ZoneName::new("Z").unwrap()),
            team: Some(datasurface_core::names::TeamName::new("T").unwrap()),
        };
        (
            Report::new(found),
            vec![doc],
            vec![SourceFile::new("t.yaml", text)],
        )
    }

    /// `n` team documents, each with one finding.
    fn many_documents(n: usize) -> (Report, Vec<DocumentSource>, Vec<SourceFile>) {
        let mut docs = Vec::new();
        let mut files = Vec::new();
        let mut found = Vec::new();
        for i in 0..n {
            let team = format!("T{i}");
            let path = format!("teams/{team}.yaml");
            files.push(SourceFile::new(
                path.clone(),
                "apiVersion: datasurface.dev/v1\nkind: Team\ndatastores:\n  S: {}\n",
            ));
            docs.push(DocumentSource {
                path,
                kind: DocumentKind::Team,
                zone: Some(datasurface_core::names::ZoneName::new("Z").unwrap()),
                team: Some(datasurface_core::names::TeamName::new(team.as_str()).unwrap()),
            });
            found.push(datasurface_core::diagnostic::Diagnostic::new(
                "x",
                datasurface_core::diagnostic::Severity::Warning,
                ModelPath::team("Z", &team).keys(["datastores", "S"]),
                "m",
            ));
        }
        (Report::new(found), docs, files)
    }

    #[test]
    fn placing_findings_grows_linearly_with_findings_and_documents() {
        use datasurface_fixtures::growth::assert_near_linear;
        for (what, make) in [
            ("findings in one document", many_findings as fn(usize) -> _),
            ("documents of one finding each", many_documents),
        ] {
            assert_near_linear(what, 100..=200_000, make, |(report, docs, files)| {
                let mut report = report.clone();
                locate(&mut report, docs, files);
                assert!(report.diagnostics().iter().all(|d| d.location.is_some()));
            });
        }
    }

    #[test]
    fn block_and_flow_positions() {
        let text = "a: 1\nb:\n  c: [x, {d: 2}]\n  e:\n    - f: 3\n";
        let p = positions(
            text,
            &wanted(&[
                vec![key("a")],
                vec![key("b"), key("c"), Segment::Index(1), key("d")],
                vec![key("b"), key("e"), Segment::Index(0), key("f")],
            ]),
        );
        assert_eq!(p[&vec![key("a")]], (1, 1));
        assert_eq!(p[&vec![key("b"), key("c")]], (3, 3));
        assert_eq!(p[&vec![key("b"), key("c"), Segment::Index(1)]], (3, 10));
        assert_eq!(
            p[&vec![key("b"), key("c"), Segment::Index(1), key("d")]],
            (3, 11)
        );
        assert_eq!(
            p[&vec![key("b"), key("e"), Segment::Index(0), key("f")]],
            (5, 7)
        );
    }

    #[test]
    fn json_positions() {
        let path = vec![key("a"), key("b"), Segment::Index(1)];
        let p = positions("{\n  \"a\": {\"b\": [1, 2]}\n}", &wanted(&[path]));
        assert_eq!(p[&vec![key("a"), key("b"), Segment::Index(1)]], (2, 18));
    }

    /// Only the wanted paths are kept, and what is off them is passed over
    /// whole, whatever it holds.
    #[test]
    fn only_wanted_positions_are_kept() {
        let text = "a:\n  x: {deep: [1, {y: 2}]}\n  z: 3\nb:\n  - 1\n  - {c: 4}\n";
        let p = positions(
            text,
            &wanted(&[
                vec![key("a"), key("z")],
                vec![key("b"), Segment::Index(1), key("c")],
            ]),
        );
        assert_eq!(p[&vec![key("a"), key("z")]], (3, 3));
        assert_eq!(p[&vec![key("b"), Segment::Index(1), key("c")]], (6, 6));
        assert!(!p.contains_key(&vec![key("a"), key("x")]));
        assert_eq!(p.len(), 6, "{p:?}");
    }
}
