//! Parsing an Avro schema from its JSON, validating names, logical types
//! and defaults as the Avro specification (1.12) states them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::schema::{AvroSchema, Enum, Field, Fixed, FullName, Logical, Primitive, Record};

/// The deepest nesting of types parsed: far beyond any real schema, and
/// well within the stack.
pub const MAX_DEPTH: usize = 64;

/// The most types a schema may unfold to, each named type counted every
/// time it is used: its columns are made by unfolding it, so a schema
/// that reuses a named type in each of many levels is refused rather
/// than unfolded into millions of columns.
pub const MAX_UNFOLDED: usize = 10_000;

/// A problem in an Avro schema, at its place in the schema's JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct AvroError {
    /// Where: `fields[2].type`, or `(schema)` for the whole.
    pub at: String,
    /// What is wrong, and how to fix it.
    pub message: String,
}

/// Parses and validates an Avro schema. Every problem is reported, each at
/// its place.
pub fn parse(json: &Value) -> Result<AvroSchema, Vec<AvroError>> {
    let mut parser = Parser::default();
    let schema = parser.schema(json, "", "(schema)", 0);
    match schema {
        Some(schema) if parser.errors.is_empty() => {
            let mut left = MAX_UNFOLDED;
            if unfold(&schema, &mut left) {
                Ok(schema)
            } else {
                Err(vec![AvroError {
                    at: "(schema)".to_owned(),
                    message: format!(
                        "the schema unfolds to more than {MAX_UNFOLDED} types (a named type counts each time it is used); split the dataset"
                    ),
                }])
            }
        }
        _ => {
            let more = parser.problems - parser.errors.len();
            let mut errors = parser.errors;
            if more > 0 {
                errors.push(AvroError {
                    at: "(schema)".to_owned(),
                    message: format!("and {more} more problems like these"),
                });
            }
            Err(errors)
        }
    }
}

/// Counts the types a schema unfolds to against `left`; false once it
/// runs out, having walked at most `left` of them.
fn unfold(schema: &AvroSchema, left: &mut usize) -> bool {
    if *left == 0 {
        return false;
    }
    *left -= 1;
    match schema {
        AvroSchema::Primitive(..) | AvroSchema::Enum(_) | AvroSchema::Fixed(..) => true,
        AvroSchema::Array(inner) | AvroSchema::Map(inner) => unfold(inner, left),
        AvroSchema::Union(branches) => branches.iter().all(|b| unfold(b, left)),
        AvroSchema::Record(r) => r.fields.iter().all(|f| unfold(&f.schema, left)),
    }
}

/// Parses an Avro schema from its text (an `.avsc` file).
pub fn parse_str(text: &str) -> Result<AvroSchema, Vec<AvroError>> {
    let json: Value = serde_json::from_str(text).map_err(|e| {
        vec![AvroError {
            at: format!("line {}, column {}", e.line(), e.column()),
            message: format!("is not JSON: {e}"),
        }]
    })?;
    parse(&json)
}

#[derive(Default)]
struct Parser {
    named: BTreeMap<FullName, AvroSchema>,
    defining: BTreeSet<FullName>,
    errors: Vec<AvroError>,
    problems: usize,
}

/// Whether a name part is an Avro name: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn join(at: &str, key: &str) -> String {
    if at == "(schema)" {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

impl Parser {
    fn error(&mut self, at: &str, message: impl Into<String>) {
        // A broken schema is told in its first problems, not all of them.
        const SHOWN: usize = 50;
        self.problems += 1;
        if self.errors.len() < SHOWN {
            self.errors.push(AvroError {
                at: at.to_owned(),
                message: message.into(),
            });
        }
    }

    fn schema(
        &mut self,
        json: &Value,
        namespace: &str,
        at: &str,
        depth: usize,
    ) -> Option<AvroSchema> {
        if depth > MAX_DEPTH {
            self.error(at, format!("types nest deeper than {MAX_DEPTH} levels"));
            return None;
        }
        match json {
            Value::String(name) => self.reference(name, namespace, at),
            Value::Array(branches) => self.union(branches, namespace, at, depth),
            Value::Object(object) => self.object(object, namespace, at, depth),
            _ => {
                self.error(at, "a type is a name (\"long\"), an object ({\"type\": \"record\", …}) or a union ([\"null\", \"string\"])");
                None
            }
        }
    }

    fn reference(&mut self, name: &str, namespace: &str, at: &str) -> Option<AvroSchema> {
        if let Some(p) = Primitive::of(name) {
            return Some(AvroSchema::Primitive(p, None));
        }
        let candidates = if name.contains('.') {
            vec![full_name(name, "")]
        } else {
            vec![full_name(name, namespace), full_name(name, "")]
        };
        for candidate in &candidates {
            if self.defining.contains(candidate) {
                self.error(at, format!("`{candidate}` refers to itself; a dataset's columns cannot contain themselves, so recursive types are not supported"));
                return None;
            }
            if let Some(schema) = self.named.get(candidate) {
                return Some(schema.clone());
            }
        }
        self.error(
            at,
            format!("`{name}` is neither a primitive type nor a named type defined before it"),
        );
        None
    }

    fn union(
        &mut self,
        branches: &[Value],
        namespace: &str,
        at: &str,
        depth: usize,
    ) -> Option<AvroSchema> {
        let mut out = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut ok = true;
        for (i, branch) in branches.iter().enumerate() {
            let branch_at = format!("{at}[{i}]");
            let Some(schema) = self.schema(branch, namespace, &branch_at, depth + 1) else {
                ok = false;
                continue;
            };
            let key = match &schema {
                AvroSchema::Union(_) => {
                    self.error(&branch_at, "a union cannot hold a union directly");
                    ok = false;
                    continue;
                }
                AvroSchema::Record(r) => r.name.to_string(),
                AvroSchema::Enum(e) => e.name.to_string(),
                AvroSchema::Fixed(f, _) => f.name.to_string(),
                other => other.kind().to_owned(),
            };
            if !seen.insert(key.clone()) {
                self.error(&branch_at, format!("the union holds `{key}` twice"));
                ok = false;
            }
            out.push(schema);
        }
        if branches.is_empty() {
            self.error(at, "a union needs at least one type");
            ok = false;
        }
        ok.then_some(AvroSchema::Union(out))
    }

    fn object(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        at: &str,
        depth: usize,
    ) -> Option<AvroSchema> {
        let Some(kind) = object.get("type") else {
            self.error(at, "a type object needs `type`");
            return None;
        };
        let Some(kind) = kind.as_str() else {
            self.error(
                &join(at, "type"),
                "`type` of a type object is a name such as \"record\" or \"long\"",
            );
            return None;
        };
        let schema = match kind {
            "record" => self.record(object, namespace, at, depth),
            "enum" => self.enumeration(object, namespace, at),
            "fixed" => self
                .fixed(object, namespace, at)
                .map(|f| AvroSchema::Fixed(f, None)),
            "array" => self
                .inner(object, "items", "an array", namespace, at, depth)
                .map(|items| AvroSchema::Array(Box::new(items))),
            "map" => self
                .inner(object, "values", "a map", namespace, at, depth)
                .map(|values| AvroSchema::Map(Box::new(values))),
            other => match Primitive::of(other) {
                Some(p) => Some(AvroSchema::Primitive(p, None)),
                None => self.reference(other, namespace, &join(at, "type")),
            },
        }?;
        match object.get("logicalType") {
            None => Some(schema),
            Some(Value::String(logical)) => self.logical(schema, logical, object, at),
            Some(_) => {
                self.error(
                    &join(at, "logicalType"),
                    "a logical type is a name such as \"decimal\"",
                );
                None
            }
        }
    }

    /// The type an array's `items` or a map's `values` holds.
    fn inner(
        &mut self,
        object: &Map<String, Value>,
        key: &str,
        what: &str,
        namespace: &str,
        at: &str,
        depth: usize,
    ) -> Option<AvroSchema> {
        let Some(inner) = object.get(key) else {
            self.error(at, format!("{what} needs `{key}`"));
            return None;
        };
        self.schema(inner, namespace, &join(at, key), depth + 1)
    }

    fn logical(
        &mut self,
        schema: AvroSchema,
        name: &str,
        object: &Map<String, Value>,
        at: &str,
    ) -> Option<AvroSchema> {
        use Primitive::{Bytes, Int, Long, String as Str};
        let at = join(at, "logicalType");
        let on = schema.kind();
        let logical = match name {
            "decimal" => {
                let number = |key: &str| {
                    object
                        .get(key)
                        .map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
                };
                let precision = match number("precision") {
                    Some(Some(p)) if p > 0 => p,
                    _ => {
                        self.error(&at, "a decimal needs `precision`, a whole number above 0");
                        return None;
                    }
                };
                let scale = match number("scale") {
                    None => 0,
                    Some(Some(s)) if s <= precision => s,
                    Some(_) => {
                        self.error(&at, format!("a decimal's `scale` is a whole number from 0 to its precision ({precision})"));
                        return None;
                    }
                };
                if let AvroSchema::Fixed(f, _) = &schema {
                    // The most digits a fixed of n bytes holds: floor(log10(2^(8n-1) - 1)).
                    let bits = f.size.saturating_mul(8).saturating_sub(1);
                    #[allow(
                        clippy::cast_precision_loss,
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        reason = "an estimate of digits, far within range"
                    )]
                    let digits = (bits as f64 * std::f64::consts::LOG10_2).floor() as u64;
                    if u64::from(precision) > digits {
                        self.error(&at, format!("a fixed of {} bytes holds at most {digits} digits, not a precision of {precision}", f.size));
                        return None;
                    }
                } else if !matches!(schema, AvroSchema::Primitive(Bytes, None)) {
                    self.error(&at, format!("`decimal` goes on bytes or fixed, not {on}"));
                    return None;
                }
                Logical::Decimal { precision, scale }
            }
            "uuid" => match &schema {
                AvroSchema::Primitive(Str, None) => Logical::Uuid,
                AvroSchema::Fixed(f, None) if f.size == 16 => Logical::Uuid,
                _ => {
                    self.error(
                        &at,
                        format!("`uuid` goes on string or a fixed of 16, not {on}"),
                    );
                    return None;
                }
            },
            "duration" => match &schema {
                AvroSchema::Fixed(f, None) if f.size == 12 => Logical::Duration,
                _ => {
                    self.error(&at, format!("`duration` goes on a fixed of 12, not {on}"));
                    return None;
                }
            },
            other => {
                let (logical, underlying) = match other {
                    "date" => (Logical::Date, Int),
                    "time-millis" => (Logical::TimeMillis, Int),
                    "time-micros" => (Logical::TimeMicros, Long),
                    "timestamp-millis" => (Logical::TimestampMillis, Long),
                    "timestamp-micros" => (Logical::TimestampMicros, Long),
                    "timestamp-nanos" => (Logical::TimestampNanos, Long),
                    "local-timestamp-millis" => (Logical::LocalTimestampMillis, Long),
                    "local-timestamp-micros" => (Logical::LocalTimestampMicros, Long),
                    "local-timestamp-nanos" => (Logical::LocalTimestampNanos, Long),
                    _ => {
                        self.error(&at, format!("`{other}` is not a logical type of Avro 1.12 (decimal, uuid, date, time-millis, time-micros, timestamp-millis, timestamp-micros, timestamp-nanos, local-timestamp-millis, local-timestamp-micros, local-timestamp-nanos, duration)"));
                        return None;
                    }
                };
                if schema != AvroSchema::Primitive(underlying, None) {
                    self.error(
                        &at,
                        format!("`{other}` goes on {}, not {on}", underlying.name()),
                    );
                    return None;
                }
                logical
            }
        };
        Some(match schema {
            AvroSchema::Primitive(p, _) => AvroSchema::Primitive(p, Some(logical)),
            AvroSchema::Fixed(f, _) => {
                // The fixed was registered without its logical type: a later
                // reference by name reads it as written there, plain.
                AvroSchema::Fixed(f, Some(logical))
            }
            other => other,
        })
    }

    /// The full name a named type defines, checked, and its aliases.
    fn names(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        at: &str,
    ) -> Option<(FullName, Vec<FullName>)> {
        let Some(name) = object.get("name").and_then(Value::as_str) else {
            self.error(at, "a named type needs `name`");
            return None;
        };
        let own_namespace = match object.get("namespace") {
            None | Some(Value::Null) => namespace.to_owned(),
            Some(Value::String(ns)) => ns.clone(),
            Some(_) => {
                self.error(
                    &join(at, "namespace"),
                    "a namespace is a dotted name such as \"com.acme\"",
                );
                return None;
            }
        };
        let full = full_name(name, &own_namespace);
        let mut ok = self.check_full_name(&full, &join(at, "name"));
        if Primitive::of(&full.name).is_some() && full.namespace.is_empty() {
            self.error(
                &join(at, "name"),
                format!("`{}` is a primitive type's name", full.name),
            );
            ok = false;
        }
        let aliases = self.aliases(object, &full.namespace, at);
        ok.then_some((full, aliases?))
    }

    fn check_full_name(&mut self, full: &FullName, at: &str) -> bool {
        let bad_namespace = !full.namespace.is_empty() && !full.namespace.split('.').all(is_name);
        if !is_name(&full.name) || bad_namespace {
            self.error(at, format!("`{full}` is not an Avro name: each part starts with a letter or `_`, then letters, digits or `_`"));
            return false;
        }
        true
    }

    fn aliases(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        at: &str,
    ) -> Option<Vec<FullName>> {
        let at = join(at, "aliases");
        match object.get("aliases") {
            None => Some(Vec::new()),
            Some(Value::Array(list)) => {
                let mut out = Vec::new();
                for (i, alias) in list.iter().enumerate() {
                    let Some(alias) = alias.as_str() else {
                        self.error(&format!("{at}[{i}]"), "an alias is a name");
                        return None;
                    };
                    let full = full_name(alias, namespace);
                    if !self.check_full_name(&full, &format!("{at}[{i}]")) {
                        return None;
                    }
                    out.push(full);
                }
                Some(out)
            }
            Some(_) => {
                self.error(&at, "aliases are a list of names");
                None
            }
        }
    }

    fn define(&mut self, name: &FullName, schema: &AvroSchema, at: &str) -> bool {
        if self.named.contains_key(name) {
            self.error(&join(at, "name"), format!("`{name}` is defined twice; define a named type once and refer to it by name after"));
            return false;
        }
        self.named.insert(name.clone(), schema.clone());
        true
    }

    fn record(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        at: &str,
        depth: usize,
    ) -> Option<AvroSchema> {
        let (name, aliases) = self.names(object, namespace, at)?;
        let Some(fields_json) = object.get("fields").and_then(Value::as_array) else {
            self.error(at, "a record needs `fields`, a list");
            return None;
        };
        self.defining.insert(name.clone());
        let mut fields = Vec::new();
        let mut seen = BTreeSet::new();
        let mut ok = true;
        for (i, field) in fields_json.iter().enumerate() {
            let field_at = join(at, &format!("fields[{i}]"));
            match self.field(field, &name.namespace, &field_at, depth) {
                Some(field) => {
                    if !seen.insert(field.name.clone()) {
                        self.error(
                            &join(&field_at, "name"),
                            format!("field `{}` appears twice", field.name),
                        );
                        ok = false;
                    }
                    fields.push(field);
                }
                None => ok = false,
            }
        }
        self.defining.remove(&name);
        let doc = object.get("doc").and_then(Value::as_str).map(str::to_owned);
        let schema = AvroSchema::Record(Arc::new(Record {
            name: name.clone(),
            aliases,
            fields,
            doc,
        }));
        (self.define(&name, &schema, at) && ok).then_some(schema)
    }

    fn field(&mut self, json: &Value, namespace: &str, at: &str, depth: usize) -> Option<Field> {
        let Some(object) = json.as_object() else {
            self.error(at, "a field is an object with `name` and `type`");
            return None;
        };
        let name = object.get("name").and_then(Value::as_str);
        let Some(name) = name.filter(|n| is_name(n)) else {
            self.error(
                &join(at, "name"),
                "a field needs a `name`: a letter or `_`, then letters, digits or `_`",
            );
            return None;
        };
        let Some(kind) = object.get("type") else {
            self.error(at, "a field needs `type`");
            return None;
        };
        let schema = self.schema(kind, namespace, &join(at, "type"), depth + 1)?;
        let aliases = match object.get("aliases") {
            None => Vec::new(),
            Some(Value::Array(list)) if list.iter().all(|a| a.as_str().is_some_and(is_name)) => {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }
            Some(_) => {
                self.error(
                    &join(at, "aliases"),
                    "a field's aliases are a list of names",
                );
                return None;
            }
        };
        let default = object.get("default").cloned();
        if let Some(default) = &default
            && let Err(why) = check_default(&schema, default, 0)
        {
            self.error(&join(at, "default"), why.to_string());
            return None;
        }
        let doc = object.get("doc").and_then(Value::as_str).map(str::to_owned);
        Some(Field {
            name: name.to_owned(),
            aliases,
            schema,
            default,
            doc,
        })
    }

    fn enumeration(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        at: &str,
    ) -> Option<AvroSchema> {
        let (name, aliases) = self.names(object, namespace, at)?;
        let Some(list) = object.get("symbols").and_then(Value::as_array) else {
            self.error(at, "an enum needs `symbols`, a list of names");
            return None;
        };
        let mut symbols = Vec::with_capacity(list.len());
        // Seen symbols in a set: a list of 100,000 is checked in a blink.
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for (i, symbol) in list.iter().enumerate() {
            match symbol.as_str().filter(|s| is_name(s)) {
                Some(s) if !seen.insert(s) => {
                    let symbol_at = join(at, &format!("symbols[{i}]"));
                    self.error(&symbol_at, format!("symbol `{s}` appears twice"));
                    return None;
                }
                Some(s) => symbols.push(s.to_owned()),
                None => {
                    self.error(
                        &join(at, &format!("symbols[{i}]")),
                        "a symbol is a letter or `_`, then letters, digits or `_`",
                    );
                    return None;
                }
            }
        }
        let default = match object.get("default") {
            None => None,
            Some(Value::String(s)) if seen.contains(s.as_str()) => Some(s.clone()),
            Some(_) => {
                self.error(
                    &join(at, "default"),
                    "an enum's default is one of its symbols",
                );
                return None;
            }
        };
        let schema = AvroSchema::Enum(Arc::new(Enum {
            name: name.clone(),
            aliases,
            symbols,
            default,
        }));
        self.define(&name, &schema, at).then_some(schema)
    }

    fn fixed(
        &mut self,
        object: &Map<String, Value>,
        namespace: &str,
        at: &str,
    ) -> Option<Arc<Fixed>> {
        let (name, aliases) = self.names(object, namespace, at)?;
        let Some(size) = object.get("size").and_then(Value::as_u64) else {
            self.error(at, "a fixed needs `size`, a whole number of bytes");
            return None;
        };
        let fixed = Arc::new(Fixed {
            name: name.clone(),
            aliases,
            size,
        });
        self.define(&name, &AvroSchema::Fixed(fixed.clone(), None), at)
            .then_some(fixed)
    }
}

/// A name made full in a namespace: a dotted name is full already.
fn full_name(name: &str, namespace: &str) -> FullName {
    match name.rsplit_once('.') {
        Some((ns, n)) => FullName {
            namespace: ns.to_owned(),
            name: n.to_owned(),
        },
        None => FullName {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        },
    }
}

/// Why a field's default is not a value of its type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BadDefault {
    /// A value of another type.
    #[error("the default `{value}` is not of type `{kind}`")]
    WrongType { value: Value, kind: String },
    /// Nested deeper than a schema may be.
    #[error("the default nests too deep")]
    TooDeep,
    /// A record's default without a field that has no default of its own.
    #[error("the default `{value}` has no value for field `{field}`, which has no default")]
    MissingField { value: Value, field: String },
    /// A union's default, which is a value of its first type.
    #[error("{0} (a union's default is a value of its first type)")]
    OfUnion(Box<BadDefault>),
}

/// Why a field's default is not a value of its type (a union's is of its first branch).
pub(crate) fn check_default(
    schema: &AvroSchema,
    value: &Value,
    depth: usize,
) -> Result<(), BadDefault> {
    let wrong = || {
        Err(BadDefault::WrongType {
            value: value.clone(),
            kind: schema.kind().to_string(),
        })
    };
    if depth > MAX_DEPTH {
        return Err(BadDefault::TooDeep);
    }
    match (schema, value) {
        (AvroSchema::Primitive(Primitive::Null, _), Value::Null)
        | (AvroSchema::Primitive(Primitive::Boolean, _), Value::Bool(_))
        | (AvroSchema::Primitive(Primitive::String, _), Value::String(_)) => Ok(()),
        (AvroSchema::Primitive(Primitive::Int, _), Value::Number(n)) => n
            .as_i64()
            .and_then(|v| i32::try_from(v).ok())
            .map(|_| ())
            .ok_or(())
            .or_else(|()| wrong()),
        (AvroSchema::Primitive(Primitive::Long, _), Value::Number(n)) => {
            n.as_i64().map(|_| ()).ok_or(()).or_else(|()| wrong())
        }
        (AvroSchema::Primitive(Primitive::Float | Primitive::Double, _), Value::Number(_)) => {
            Ok(())
        }
        (AvroSchema::Primitive(Primitive::Bytes, _), Value::String(s))
            if s.chars().all(|c| u32::from(c) <= 0xFF) =>
        {
            Ok(())
        }
        (AvroSchema::Fixed(f, _), Value::String(s))
            if s.chars().all(|c| u32::from(c) <= 0xFF) && s.chars().count() as u64 == f.size =>
        {
            Ok(())
        }
        (AvroSchema::Enum(e), Value::String(s)) if e.symbols.contains(s) => Ok(()),
        (AvroSchema::Array(items), Value::Array(list)) => list
            .iter()
            .try_for_each(|v| check_default(items, v, depth + 1)),
        (AvroSchema::Map(values), Value::Object(map)) => map
            .values()
            .try_for_each(|v| check_default(values, v, depth + 1)),
        (AvroSchema::Record(r), Value::Object(map)) => {
            r.fields.iter().try_for_each(|f| match map.get(&f.name) {
                Some(v) => check_default(&f.schema, v, depth + 1),
                None if f.default.is_some() => Ok(()),
                None => Err(BadDefault::MissingField {
                    value: value.clone(),
                    field: f.name.clone(),
                }),
            })
        }
        (AvroSchema::Union(branches), v) => match branches.first() {
            Some(first) => {
                check_default(first, v, depth + 1).map_err(|why| BadDefault::OfUnion(Box::new(why)))
            }
            None => wrong(),
        },
        _ => wrong(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[allow(
        clippy::needless_pass_by_value,
        reason = "the tests write `json!` in place"
    )]
    fn errors(json: Value) -> Vec<String> {
        parse(&json)
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_record_with_named_types_parses() {
        let schema = parse(&json!({
            "type": "record", "name": "Order", "namespace": "shop",
            "fields": [
                {"name": "id", "type": "long"},
                {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"], "default": "NEW"}},
                {"name": "previous", "type": ["null", "Status"], "default": null},
                {"name": "total", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
            ]
        }))
        .unwrap();
        let AvroSchema::Record(r) = schema else {
            panic!("a record")
        };
        assert_eq!(r.name.to_string(), "shop.Order");
        assert_eq!(
            r.fields[2].schema,
            AvroSchema::Union(vec![
                AvroSchema::Primitive(Primitive::Null, None),
                r.fields[1].schema.clone()
            ])
        );
    }

    #[test]
    fn problems_are_named_at_their_place() {
        assert_eq!(
            errors(json!({"type": "record", "name": "R", "fields": [
                {"name": "a", "type": "int", "default": "x"},
                {"name": "a", "type": "strin"},
                {"name": "b-c", "type": "int"},
                {"name": "d", "type": {"type": "int", "logicalType": "decimal", "precision": 3}},
                {"name": "e", "type": ["int", "int"]},
                {"name": "f", "type": ["string", "null"], "default": null},
            ]})),
            [
                "fields[0].default: the default `\"x\"` is not of type `int`",
                "fields[1].type: `strin` is neither a primitive type nor a named type defined before it",
                "fields[2].name: a field needs a `name`: a letter or `_`, then letters, digits or `_`",
                "fields[3].type.logicalType: `decimal` goes on bytes or fixed, not int",
                "fields[4].type[1]: the union holds `int` twice",
                "fields[5].default: the default `null` is not of type `string` (a union's default is a value of its first type)",
            ]
        );
    }

    #[test]
    fn a_named_type_reused_at_every_level_is_refused_not_unfolded() {
        // Each level's two records both hold the next level: 2^40 paths.
        let mut level = json!({"type": "record", "name": "L40", "fields": []});
        for i in (0..40).rev() {
            level = json!({"type": "record", "name": format!("L{i}"), "fields": [
                {"name": "a", "type": level},
                {"name": "b", "type": format!("L{}", i + 1)},
            ]});
        }
        assert!(errors(level)[0].contains("unfolds to more than 10000 types"));
    }

    #[test]
    fn recursion_and_deep_nesting_are_refused_not_followed() {
        let recursive = json!({"type": "record", "name": "Node", "fields": [{"name": "next", "type": ["null", "Node"]}]});
        assert!(errors(recursive)[0].contains("refers to itself"));
        let mut deep = json!("int");
        for _ in 0..200 {
            deep = json!({"type": "array", "items": deep});
        }
        assert!(errors(deep)[0].contains("nest deeper than 64"));
    }
}
