//! Where things are in model files: from a model path to a line and column.
//!
//! Positions come from the YAML event stream (JSON is YAML too), computed only
//! for the files that have findings, so a clean model costs nothing here.

use std::collections::BTreeMap;

use serde_saphyr::granit_parser::{Event, Parser};

use crate::files::document::DocumentKind;
use crate::files::load::{DocumentSource, SourceFile};
use crate::validate::{ModelPath, Report, Segment, SourceLocation};

/// The 1-based line and column of every key and list item of a document, by path.
type Positions = BTreeMap<Vec<Segment>, (usize, usize)>;

/// Fills in the file, line and column of every finding of a report, from the
/// files the model was loaded from and where each document came from
/// ([`LoadedModel::documents`](crate::files::LoadedModel::documents)).
pub fn locate(report: &mut Report, sources: &[DocumentSource], files: &[SourceFile]) {
    let documents: Vec<(ModelPath, &SourceFile)> = sources
        .iter()
        .filter_map(|doc| {
            let file = files.iter().find(|f| f.path == doc.path)?;
            let prefix = match (doc.kind, &doc.zone, &doc.team) {
                (DocumentKind::Team, Some(zone), Some(team)) => ModelPath::team(zone, team),
                (DocumentKind::GovernanceZone, Some(zone), _) => ModelPath::zone(zone),
                _ => ModelPath::root(),
            };
            Some((prefix, file))
        })
        .collect();
    // Documents by their prefix: the root, a zone (2 segments) or a team (4 segments).
    let by_prefix: BTreeMap<&[Segment], usize> = documents
        .iter()
        .enumerate()
        .map(|(i, (prefix, _))| (prefix.segments(), i))
        .collect();
    let mut cache: BTreeMap<usize, Positions> = BTreeMap::new();
    for diagnostic in report.diagnostics_mut() {
        let segments = diagnostic.path.segments();
        let best = [4, 2, 0]
            .into_iter()
            .filter(|&n| n <= segments.len())
            .find_map(|n| by_prefix.get(&segments[..n]).copied());
        let Some(i) = best else { continue };
        let (prefix, file) = &documents[i];
        let positions = cache.entry(i).or_insert_with(|| positions(&file.text));
        let relative = &segments[prefix.segments().len()..];
        // The deepest part of the path that the file spells out.
        let found = (0..=relative.len())
            .rev()
            .find_map(|n| positions.get(&relative[..n]));
        if let Some(&(line, column)) = found {
            diagnostic.location = Some(SourceLocation {
                file: file.path.clone(),
                line,
                column,
            });
        }
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { next: usize },
}

/// Indexes the positions of a document's keys and list items.
fn positions(text: &str) -> Positions {
    let mut out = Positions::new();
    let mut stack: Vec<(Frame, bool)> = Vec::new();
    let mut path: Vec<Segment> = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else { break };
        if matches!(event, Event::Scalar(..)) {
            out.entry(Vec::new())
                .or_insert((span.start.line(), span.start.col() + 1));
        }
        let at = (span.start.line(), span.start.col() + 1);
        match event {
            Event::Scalar(value, ..) => {
                if let Some((Frame::Map { key: key @ None }, _)) = stack.last_mut() {
                    let mut p = path.clone();
                    p.push(Segment::Key(value.to_string()));
                    out.entry(p).or_insert(at);
                    *key = Some(value.into_owned());
                } else {
                    value_segment(&mut stack, &mut out, &path, at);
                }
            }
            Event::Alias(_) => {
                value_segment(&mut stack, &mut out, &path, at);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                // The document itself starts where its first node does, after any comments.
                out.entry(Vec::new()).or_insert(at);
                let pushed = match value_segment(&mut stack, &mut out, &path, at) {
                    Some(segment) => {
                        path.push(segment);
                        true
                    }
                    None => false,
                };
                let frame = if matches!(event, Event::MappingStart(..)) {
                    Frame::Map { key: None }
                } else {
                    Frame::Seq { next: 0 }
                };
                stack.push((frame, pushed));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some((_, pushed)) = stack.pop()
                    && pushed
                {
                    path.pop();
                }
                if let Some((Frame::Map { key }, _)) = stack.last_mut() {
                    *key = None;
                }
            }
            _ => {}
        }
    }
    out
}

/// Handles a value node: returns its path segment (and records where a list item starts).
fn value_segment(
    stack: &mut [(Frame, bool)],
    out: &mut Positions,
    path: &[Segment],
    at: (usize, usize),
) -> Option<Segment> {
    match stack.last_mut() {
        Some((Frame::Map { key }, _)) => {
            // A scalar value ends the entry; a collection value ends at its end event.
            key.take().map(Segment::Key)
        }
        Some((Frame::Seq { next }, _)) => {
            let segment = Segment::Index(*next);
            *next += 1;
            let mut p = path.to_vec();
            p.push(segment.clone());
            out.entry(p).or_insert(at);
            Some(segment)
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_owned())
    }

    #[test]
    fn block_and_flow_positions() {
        let text = "a: 1\nb:\n  c: [x, {d: 2}]\n  e:\n    - f: 3\n";
        let p = positions(text);
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
        let p = positions("{\n  \"a\": {\"b\": [1, 2]}\n}");
        assert_eq!(p[&vec![key("a"), key("b"), Segment::Index(1)]], (2, 18));
    }
}
