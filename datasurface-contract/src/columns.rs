//! Columns and documentation between datasurface and ODCS properties.

use datasurface_core::OrderedMap;
use datasurface_core::common::Documentation;
use datasurface_core::names::ColumnName;
use datasurface_core::policy::DataClassification;
use datasurface_core::schema::Column;
use datasurface_core::types::{DataType, Struct};
use serde_json::Value;

use crate::notes::Notes;
use crate::odcs::{CustomProperty, Property, custom};
use crate::types::{self, TypeProblem};

/// The custom property listing classifications when one `classification`
/// cannot hold them.
pub(crate) const CLASSIFICATIONS: &str = "datasurfaceClassifications";
/// The custom property holding Markdown documentation.
pub(crate) const MARKDOWN: &str = "datasurfaceMarkdown";
/// The custom property holding documentation tags that `tags` cannot.
pub(crate) const TAGS: &str = "datasurfaceTags";

/// Documentation as ODCS writes it: a description, tags (`key` or
/// `key=value`), and custom properties for what those cannot hold.
pub(crate) fn documentation_out(
    doc: Option<&Documentation>,
    description: &mut Option<String>,
    tags: &mut Vec<String>,
    customs: &mut Vec<CustomProperty>,
) {
    let Some(doc) = doc else { return };
    *description = Some(doc.description.clone());
    if let Some(markdown) = &doc.markdown {
        customs.push(CustomProperty::new(MARKDOWN, markdown.as_str()));
    }
    if doc.tags.keys().any(|k| k.contains('=')) {
        let map: serde_json::Map<String, Value> = doc
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        customs.push(CustomProperty::new(TAGS, map));
    } else {
        tags.extend(doc.tags.iter().map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}={v}")
            }
        }));
    }
}

/// Documentation from ODCS's description, tags and custom properties.
/// Tags without a description have nowhere to go: they are noted.
pub(crate) fn documentation_in(
    description: Option<&str>,
    tags: &[String],
    customs: &[CustomProperty],
    at: &str,
    notes: &mut Notes,
) -> Option<Box<Documentation>> {
    let markdown = custom(customs, MARKDOWN).and_then(Value::as_str);
    let Some(description) = description else {
        if !tags.is_empty() || markdown.is_some() {
            notes.dropped(
                &format!("{at}.tags"),
                "tags and Markdown are kept only with a description; add `description:` to keep them",
            );
        }
        return None;
    };
    let mut doc = Documentation::new(description);
    doc.markdown = markdown.map(str::to_owned);
    if let Some(Value::Object(map)) = custom(customs, TAGS) {
        for (k, v) in map {
            doc.tags
                .insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
        }
    } else {
        for tag in tags {
            let (k, v) = tag.split_once('=').unwrap_or((tag, ""));
            doc.tags.insert(k.to_owned(), v.to_owned());
        }
    }
    Some(Box::new(doc))
}

/// Classifications as ODCS writes them: one in `classification`, several
/// (or a narrowed one that other tools would not read) also listed.
fn classifications_out(list: &[DataClassification], property: &mut Property) {
    match list {
        [] => {}
        [one] => property.classification = Some(one.to_string()),
        many => property.custom_properties.push(CustomProperty::new(
            CLASSIFICATIONS,
            many.iter().map(ToString::to_string).collect::<Vec<_>>(),
        )),
    }
}

/// Reads a list of classification codes from a custom property's value.
pub(crate) fn classification_list(
    value: &Value,
    at: &str,
    notes: &mut Notes,
) -> Vec<DataClassification> {
    let Some(items) = value.as_array() else {
        notes.error(
            at,
            "must be a list of classifications such as [PC1, \"PC2:address\"]",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str().map(str::parse::<DataClassification>) {
            Some(Ok(c)) => out.push(c),
            Some(Err(e)) => notes.error(&format!("{at}[{i}]"), &e.to_string()),
            None => notes.error(&format!("{at}[{i}]"), "must be a string such as PC1"),
        }
    }
    out
}

fn classifications_in(property: &Property, at: &str, notes: &mut Notes) -> Vec<DataClassification> {
    if let Some(list) = custom(&property.custom_properties, CLASSIFICATIONS) {
        return classification_list(
            list,
            &format!("{at}.customProperties.{CLASSIFICATIONS}"),
            notes,
        );
    }
    let Some(text) = property.classification.as_deref() else {
        return Vec::new();
    };
    if let Ok(c) = text.parse::<DataClassification>() {
        return vec![c];
    }
    if text.eq_ignore_ascii_case("public") {
        return vec![DataClassification::of(
            datasurface_core::policy::ClassificationKind::Pub,
        )];
    }
    notes.dropped(
        &format!("{at}.classification"),
        &format!(
            "`{text}` is not a datasurface classification; classify the column in the team file with PUB, IP, PC1, PC2, PC3, CPI, MNPI or CSI (optionally `:name`)"
        ),
    );
    Vec::new()
}

/// A column (or struct field) as an ODCS property. `key` is its place in
/// the primary key and `partition` among the partition keys, from 1.
pub(crate) fn property_out(
    name: Option<&ColumnName>,
    column: &Column,
    key: Option<usize>,
    partition: Option<usize>,
) -> Property {
    let mut p = type_out(&column.data_type);
    p.name = name.map(|n| n.as_str().to_owned());
    p.required = (!column.nullable).then_some(true);
    if let Some(position) = key {
        p.primary_key = Some(true);
        p.primary_key_position = i64::try_from(position).ok();
    }
    if let Some(position) = partition {
        p.partitioned = Some(true);
        p.partition_key_position = i64::try_from(position).ok();
    }
    classifications_out(&column.classifications, &mut p);
    documentation_out(
        column.documentation.as_deref(),
        &mut p.description,
        &mut p.tags,
        &mut p.custom_properties,
    );
    p
}

/// A type as an ODCS property without a name: the standard fields, a
/// struct's fields or an array's items, and `datasurfaceType` when those
/// would not read back as the same type.
fn type_out(t: &DataType) -> Property {
    let standard = types::standard(t);
    let mut p = Property {
        logical_type: Some(standard.logical.to_owned()),
        logical_type_options: standard.options,
        physical_type: standard.physical,
        ..Property::default()
    };
    if let DataType::Struct(s) = t {
        p.properties = s
            .fields
            .iter()
            .map(|(n, c)| property_out(Some(n), c, None, None))
            .collect();
    }
    if let Some(element) = standard.items {
        p.items = Some(Box::new(type_out(&element)));
    }
    let mut scratch = Notes::default();
    if type_in(&p, "", &mut scratch).as_ref() != Some(t) {
        p.custom_properties.push(types::exact(t));
    }
    p
}

/// Reads a property's type, noting why not when it cannot.
fn type_in(property: &Property, at: &str, notes: &mut Notes) -> Option<DataType> {
    let (mut in_fields, mut in_items) = (Notes::default(), Notes::default());
    let read = types::read(
        property,
        |fields| struct_in(fields, &format!("{at}.properties"), &mut in_fields),
        |items| type_in(items, &format!("{at}.items"), &mut in_items),
    );
    notes.extend(in_fields);
    notes.extend(in_items);
    match read {
        Ok(t) => Some(t),
        Err(TypeProblem::Exact(why)) => {
            notes.error(
                &format!("{at}.customProperties.{}", types::EXACT_TYPE),
                &format!("is not a datasurface type: {why}"),
            );
            None
        }
        Err(TypeProblem::Imprecise(physical)) => {
            notes.error(
                &format!("{at}.physicalType"),
                &format!("`{physical}` has no precision, and no other type holds its numbers exactly; write it as {physical}(precision, scale), such as {physical}(18,4)"),
            );
            None
        }
        Err(TypeProblem::Unknown { logical, physical }) => {
            let said = match (logical, physical) {
                (Some(l), Some(p)) => format!("logicalType `{l}` with physicalType `{p}`"),
                (Some(l), None) => format!("logicalType `{l}`"),
                (None, Some(p)) => format!("physicalType `{p}`"),
                (None, None) => "no logicalType or physicalType".to_owned(),
            };
            notes.error(
                at,
                &format!(
                    "{said} is not a type datasurface can hold; give a physicalType such as VARCHAR(40), BIGINT, DECIMAL(10,2) or TIMESTAMP, or a logicalType other than `time`"
                ),
            );
            None
        }
    }
}

fn struct_in(fields: &[Property], at: &str, notes: &mut Notes) -> Option<Struct> {
    let mut out = OrderedMap::default();
    let mut ok = true;
    for (i, field) in fields.iter().enumerate() {
        match column_in(
            field,
            &crate::notes::index(at, i, field.name.as_deref()),
            notes,
        ) {
            Some((name, column)) => {
                if out.insert(name.clone(), column).is_some() {
                    notes.error(at, &format!("field `{name}` appears twice"));
                    ok = false;
                }
            }
            None => ok = false,
        }
    }
    ok.then_some(Struct { fields: out })
}

/// A column (or struct field) from an ODCS property, with its name.
pub(crate) fn column_in(
    property: &Property,
    at: &str,
    notes: &mut Notes,
) -> Option<(ColumnName, Column)> {
    notes.rest(at, &property.rest);
    let name = match property.name.as_deref().map(ColumnName::new) {
        Some(Ok(name)) => Some(name),
        Some(Err(e)) => {
            notes.error(&format!("{at}.name"), &e.to_string());
            None
        }
        None => {
            notes.error(at, "a property needs a `name`");
            None
        }
    };
    let data_type = type_in(property, at, notes);
    let column = Column {
        data_type: data_type?,
        nullable: !property.required.unwrap_or(false),
        classifications: classifications_in(property, at, notes),
        documentation: documentation_in(
            property.description.as_deref(),
            &property.tags,
            &property.custom_properties,
            at,
            notes,
        ),
    };
    for c in &property.custom_properties {
        if ![types::EXACT_TYPE, CLASSIFICATIONS, MARKDOWN, TAGS].contains(&c.property.as_str()) {
            notes.dropped(
                &format!("{at}.customProperties.{}", c.property),
                "datasurface has no place for this custom property",
            );
        }
    }
    Some((name?, column))
}
