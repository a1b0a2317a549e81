//! Every reference a model makes to something outside it, found by one walk
//! derived from the model's types.
//!
//! A model names credentials, data containers, files, hosts, URLs, buckets,
//! repositories and branches. Which of its fields do is said once, on the
//! type: a name type that names a resource carries `x-resource` in its JSON
//! Schema (`CredentialName` is a `credential`), and a plain string field
//! that names one carries it on the field (`#[schemars(extend("x-resource"
//! = "database"))]`); a map whose keys name resources carries
//! `x-resource-keys`. [`inventory`] serializes the model through a
//! [`serde::Serializer`] of its own and, at each string, asks the schema
//! generated from the same types what the field holds: no hand-kept list of
//! fields can fall behind the types. The schema is kept in the crate as
//! [`model_schema`] generates it (`inventory_schema.json`, read once per
//! process), and a test fails when the types change without it.
//!
//! The tests hold the rest: every field whose name says it names a resource
//! (`file`, `credential`, `host`, `branch` …) carries `x-resource` (`none`
//! when it names nothing outside the model), and every field that carries
//! a kind the authority checks judge is judged by them
//! (`datasurface-rules`' `inventory_is_judged` test).

use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;
use serde::ser::{self, Impossible};
use serde_json::Value;

use crate::Ecosystem;
use crate::diagnostic::{ModelPath, Segment};
use crate::zone::Team;

/// What kind of thing outside the model a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ResourceKind {
    /// A credential in a secret store, by name.
    Credential,
    /// A team's data container, by name.
    Container,
    /// A file or folder under the model's root.
    File,
    /// A database in a container: a file under the model's root when the
    /// container's engine is `SQLITE`.
    Database,
    /// A file a file drop reads, under its container's folder.
    DropFile,
    /// A host name a client connects to.
    Host,
    /// A URL a client connects to.
    Url,
    /// An object-store bucket.
    Bucket,
    /// A topic of a message broker.
    Topic,
    /// A catalog of tables.
    Catalog,
    /// An encryption key, or where keys are kept.
    Key,
    /// A repository on a git host.
    Repository,
    /// A git branch.
    Branch,
    /// A git tag, or a pattern of tags.
    Tag,
    /// A link shown to people and never followed by the program.
    Link,
    /// Parameters whose resources the platform declares
    /// (`DataPlatform::resources`), not the model.
    PlatformParameters,
}

impl ResourceKind {
    /// Every kind, for the tests that go through them all.
    pub const ALL: [ResourceKind; 16] = [
        ResourceKind::Credential,
        ResourceKind::Container,
        ResourceKind::File,
        ResourceKind::Database,
        ResourceKind::DropFile,
        ResourceKind::Host,
        ResourceKind::Url,
        ResourceKind::Bucket,
        ResourceKind::Topic,
        ResourceKind::Catalog,
        ResourceKind::Key,
        ResourceKind::Repository,
        ResourceKind::Branch,
        ResourceKind::Tag,
        ResourceKind::Link,
        ResourceKind::PlatformParameters,
    ];

    /// Its name in the schema's `x-resource`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Credential => "credential",
            ResourceKind::Container => "container",
            ResourceKind::File => "file",
            ResourceKind::Database => "database",
            ResourceKind::DropFile => "drop-file",
            ResourceKind::Host => "host",
            ResourceKind::Url => "url",
            ResourceKind::Bucket => "bucket",
            ResourceKind::Topic => "topic",
            ResourceKind::Catalog => "catalog",
            ResourceKind::Key => "key",
            ResourceKind::Repository => "repository",
            ResourceKind::Branch => "branch",
            ResourceKind::Tag => "tag",
            ResourceKind::Link => "link",
            ResourceKind::PlatformParameters => "platform-parameters",
        }
    }

    /// The kind an `x-resource` names; `None` for `none` and for a name
    /// this build does not know.
    pub fn parse(text: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reference the model makes to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceRef {
    /// What it names.
    pub kind: ResourceKind,
    /// The name, path, host or URL, as written.
    pub name: String,
    /// Where the model writes it.
    pub path: ModelPath,
    /// Whether it is a map's key (a declaration, such as a team's
    /// `credentials` or `containers`, or an environment's container map)
    /// rather than a value.
    pub key: bool,
    /// The enumerated fields of the object it is in, as written (`engine:
    /// SQLITE` beside a `database`), for kinds whose meaning depends on them.
    pub beside: Vec<(String, String)>,
    /// The type (as the schema names it) and the field that hold it.
    pub field: (String, String),
}

impl ResourceRef {
    /// The value of the enumerated field `field` beside it, if any.
    pub fn beside(&self, field: &str) -> Option<&str> {
        self.beside
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }
}

/// What the model's schema says one field holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldKinds {
    /// What its strings name (through options, lists and map values).
    pub values: Option<ResourceKind>,
    /// What its map's keys name.
    pub keys: Option<ResourceKind>,
}

/// What each field of each type of the model names, read from the JSON
/// Schema the types generate. The walk follows the schema beside the value
/// (a field's `$ref` says which definition the value below it takes), so a
/// generic type's instances (`AllowDenyPolicy<ContainerName>` and
/// `AllowDenyPolicy<VendorName>`) are told apart as the schema tells them.
#[derive(Debug)]
pub struct Classifier {
    schema: Value,
}

/// [`model_schema`] as JSON, kept in the crate: generating the schema from
/// the types takes about 2 ms, as long as a small model's whole check, and
/// reading it back a fraction of that. The test `kept_model_schema_is_current`
/// fails when a type changes without it (and says how to renew it).
const KEPT_MODEL_SCHEMA: &str = include_str!("inventory_schema.json");

impl Classifier {
    /// The classifier of the model's own types (made once per process,
    /// from their schema as kept in the crate).
    pub fn model() -> &'static Classifier {
        static MODEL: OnceLock<Classifier> = OnceLock::new();
        MODEL.get_or_init(|| {
            Classifier::from_schema(
                serde_json::from_str(KEPT_MODEL_SCHEMA).unwrap_or_else(|_| model_schema()),
            )
        })
    }

    /// A classifier reading `schema`: the root's properties are the walked
    /// value's fields, its definitions the types below.
    pub fn from_schema(schema: Value) -> Classifier {
        Classifier { schema }
    }

    /// The schema it reads.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Every `(type, field)` that names a resource, with its kinds, in
    /// the schema's order.
    pub fn fields(&self) -> Vec<(String, String, FieldKinds)> {
        let defs = definitions(&self.schema);
        let mut found = Vec::new();
        for (name, def) in with_root(&self.schema) {
            for (field, property) in properties(def) {
                let kinds = field_kinds(property, defs);
                if kinds != FieldKinds::default() {
                    found.push((name.clone(), field.clone(), kinds));
                }
            }
        }
        found
    }
}

/// What a field's property schema says its strings and keys name.
fn field_kinds(property: &Value, defs: &serde_json::Map<String, Value>) -> FieldKinds {
    FieldKinds {
        values: value_kind(property, defs, 0),
        keys: property
            .get("x-resource-keys")
            .and_then(Value::as_str)
            .and_then(ResourceKind::parse),
    }
}

/// The object or enum definition a property's values take (through
/// options, lists and maps), with its name: what a struct or variant below
/// the field is walked against.
fn object_def<'s>(
    property: &'s Value,
    defs: &'s serde_json::Map<String, Value>,
    depth: usize,
) -> Option<(&'s str, &'s Value)> {
    if depth > 8 {
        return None;
    }
    if let Some((name, def)) = referenced(property, defs) {
        return is_object(def).then_some((name.as_str(), def));
    }
    if property.get("properties").is_some() {
        return Some(("", property));
    }
    inner_schemas(property).find_map(|inner| object_def(inner, defs, depth + 1))
}

/// Whether a definition is an object (fields) or an enum of variants.
fn is_object(def: &Value) -> bool {
    def.get("properties").is_some() || def.get("oneOf").is_some() || def.get("anyOf").is_some()
}

/// The property `field` of an object or enum schema: a field, a variant,
/// or a field of a struct variant.
fn property<'s>(def: &'s Value, field: &str) -> Option<&'s Value> {
    properties(def)
        .into_iter()
        .find(|(name, _)| name.as_str() == field)
        .map(|(_, p)| p)
}

/// The JSON Schema of an ecosystem (and everything in it), as the types
/// generate it.
pub fn model_schema() -> Value {
    schemars::schema_for!(Ecosystem).to_value()
}

/// A schema's definitions, under either draft's name.
pub fn definitions(schema: &Value) -> &serde_json::Map<String, Value> {
    static EMPTY: OnceLock<serde_json::Map<String, Value>> = OnceLock::new();
    schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(serde_json::Map::new))
}

/// A schema's definitions, and the root itself under its title (the type
/// it was made from).
fn with_root(schema: &Value) -> Vec<(String, &Value)> {
    let mut all: Vec<(String, &Value)> = definitions(schema)
        .iter()
        .map(|(name, def)| (name.clone(), def))
        .collect();
    if let Some(title) = schema.get("title").and_then(Value::as_str) {
        all.push((title.to_owned(), schema));
    }
    all
}

/// A definition's fields: its properties, and each variant's one property
/// when it is an enum.
pub fn properties(def: &Value) -> Vec<(&String, &Value)> {
    let mut found: Vec<(&String, &Value)> = def
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .collect();
    for key in ["oneOf", "anyOf"] {
        for variant in def.get(key).and_then(Value::as_array).into_iter().flatten() {
            for (name, inner) in properties(variant) {
                found.push((name, inner));
                // A struct variant's fields are the enum's, as serde walks them.
                found.extend(properties(inner));
            }
        }
    }
    found
}

/// The definition a `$ref` points at.
pub fn referenced<'s>(
    property: &Value,
    defs: &'s serde_json::Map<String, Value>,
) -> Option<(&'s String, &'s Value)> {
    let target = property.get("$ref").and_then(Value::as_str)?;
    let name = target.rsplit('/').next()?;
    defs.get_key_value(name)
}

/// The schemas a property's values are made of: the branches of an
/// option or a union, a list's items, a map's values (by pattern or not).
fn inner_schemas(property: &Value) -> impl Iterator<Item = &Value> {
    ["anyOf", "oneOf", "allOf"]
        .into_iter()
        .filter_map(|k| property.get(k).and_then(Value::as_array))
        .flatten()
        .chain(property.get("items"))
        .chain(
            property
                .get("additionalProperties")
                .filter(|v| v.is_object()),
        )
        .chain(
            property
                .get("patternProperties")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|m| m.values()),
        )
}

/// What the strings a property holds name: its own `x-resource`, or that
/// of the name type it refers to, through options, lists and map values
/// (never into another object's fields, which say their own).
fn value_kind(
    property: &Value,
    defs: &serde_json::Map<String, Value>,
    depth: usize,
) -> Option<ResourceKind> {
    if depth > 8 {
        return None;
    }
    if let Some(kind) = property.get("x-resource").and_then(Value::as_str) {
        return ResourceKind::parse(kind);
    }
    if let Some((_, def)) = referenced(property, defs)
        && def.get("properties").is_none()
        && let Some(kind) = def.get("x-resource").and_then(Value::as_str)
    {
        return ResourceKind::parse(kind);
    }
    let nested = inner_schemas(property);
    for inner in nested {
        if let Some(kind) = value_kind(inner, defs, depth + 1) {
            return Some(kind);
        }
    }
    None
}

/// Every reference `eco` makes to a resource, in model order, found by
/// serializing it beside the schema of its types ([`Classifier`]).
///
/// A large model is walked team by team on every core (each team is
/// walked as it would be in place, and the teams' references are put back
/// where the whole walk meets them), so the answer is
/// [`inventory_with`]'s.
pub fn inventory(eco: &Ecosystem) -> Vec<ResourceRef> {
    let classifier = Classifier::model();
    let elements: usize = eco
        .zones
        .values()
        .flat_map(|zone| zone.teams.values())
        .map(|team| team_weight(team))
        .sum();
    if elements < SPLIT_FROM {
        return inventory_with(eco, classifier);
    }
    inventory_split(eco, classifier)
}

/// The elements (datastores and workspaces) from which a model's teams are
/// walked on every core: below it, starting threads costs more than the
/// walk (Northwind's is a few microseconds).
const SPLIT_FROM: usize = 512;

/// What walking a team costs, roughly.
fn team_weight(team: &Team) -> usize {
    1 + team.datastores.len() + team.workspaces.len()
}

/// [`inventory`] team by team: the model without its teams' insides, then
/// each team's, in runs of neighbouring teams on every core.
fn inventory_split(eco: &Ecosystem, classifier: &Classifier) -> Vec<ResourceRef> {
    let mut walker = Walker::new(classifier);
    if !walker.defs.contains_key(TEAM) {
        // A schema without teams has nothing to split on.
        return inventory_with(eco, classifier);
    }
    walker.defer = Some(TEAM);
    let _ = eco.serialize(&mut walker);
    let Walker {
        found: outside,
        holes,
        ..
    } = walker;
    // Each hole is a team, at `zones/<zone>/teams/<team>`.
    let teams: Option<Vec<(&Team, &ModelPath)>> = holes
        .iter()
        .map(|(_, path)| match path.0.as_slice() {
            [
                Segment::Key(zones),
                Segment::Key(zone),
                Segment::Key(teams),
                Segment::Key(team),
            ] if zones == "zones" && teams == "teams" => {
                let team = eco.zones.get(zone.as_str())?.teams.get(team.as_str())?;
                Some((&**team, path))
            }
            _ => None,
        })
        .collect();
    let Some(teams) = teams else {
        return inventory_with(eco, classifier);
    };
    // Runs of neighbouring teams, a few per core, so that a walker (and
    // what it learns of the schema) serves many teams.
    let total: usize = teams.iter().map(|(team, _)| team_weight(team)).sum();
    let per_run = total
        .div_ceil(datasurface_stdx::parallel::cores() * 4)
        .max(1);
    let mut runs: Vec<&[(&Team, &ModelPath)]> = Vec::new();
    let (mut from, mut weight) = (0, 0);
    for (i, (team, _)) in teams.iter().enumerate() {
        weight += team_weight(team);
        if weight >= per_run {
            runs.push(teams.get(from..=i).unwrap_or_default());
            (from, weight) = (i + 1, 0);
        }
    }
    runs.push(teams.get(from..).unwrap_or_default());
    let insides = datasurface_stdx::parallel::each(
        &runs,
        |run| run.iter().map(|(team, _)| team_weight(team)).sum(),
        |run| {
            let mut walker = Walker::new(classifier);
            run.iter()
                .map(|(team, path)| walker.walk_at(TEAM, path, *team))
                .collect::<Vec<_>>()
        },
    );
    let mut found =
        Vec::with_capacity(outside.len() + insides.iter().flatten().map(Vec::len).sum::<usize>());
    let mut outside = outside.into_iter();
    let mut taken = 0;
    for ((at, _), inside) in holes.iter().zip(insides.into_iter().flatten()) {
        found.extend(outside.by_ref().take(at - taken));
        taken = *at;
        found.extend(inside);
    }
    found.extend(outside);
    found
}

/// The schema's name for a team, whose insides [`inventory`] walks apart.
const TEAM: &str = "Team";

/// [`inventory`] of any serializable value, against `classifier`'s schema.
pub fn inventory_with<T: Serialize + ?Sized>(
    value: &T,
    classifier: &Classifier,
) -> Vec<ResourceRef> {
    let mut walker = Walker::new(classifier);
    // The walker refuses nothing a model holds; a value that fails to
    // serialize has already failed to save, and is walked as far as it went.
    let _ = value.serialize(&mut walker);
    walker.found
}

/// The object being walked: its schema, the field being walked, what that
/// field names and the definition a value below it takes, and the
/// enumerated fields seen so far.
struct Frame<'c> {
    def: Option<(&'c str, &'c Value)>,
    kinds: FieldKinds,
    next: Option<(&'c str, &'c Value)>,
    beside: Vec<(&'static str, &'static str)>,
    field: Option<&'static str>,
    /// The references found in this object's own fields: they are given
    /// every enumerated field beside them when the object ends, whichever
    /// order its fields come in.
    mine: Vec<usize>,
    /// Whether the object is left to another walk ([`Walker::defer`]):
    /// none of its fields is walked.
    deferred: bool,
}

/// One step of the walk's place: made a [`Segment`] only for a resource.
enum Step {
    Field(&'static str),
    /// A map's key: where it lies in the walker's `keys`.
    Key(usize, usize),
    Index(usize),
}

impl Step {
    fn segment(&self, keys: &str) -> Segment {
        match self {
            Step::Field(name) => Segment::Key((*name).to_owned()),
            Step::Key(from, to) => {
                Segment::Key(keys.get(*from..*to).unwrap_or_default().to_owned())
            }
            Step::Index(i) => Segment::Index(*i),
        }
    }
}

struct Walker<'c> {
    defs: &'c serde_json::Map<String, Value>,
    /// The schema of the value walked, until it is entered.
    root: Option<(&'c str, &'c Value)>,
    path: Vec<Step>,
    /// The text of the map keys on the path, one after another.
    keys: String,
    frames: Vec<Frame<'c>>,
    found: Vec<ResourceRef>,
    /// What each field of each definition holds, read from the schema once
    /// per walk (by the definition's address and the field name's: serde
    /// names a field with the same static text each time, so no text is
    /// hashed or compared).
    fields: HashMap<(usize, usize, usize), Field<'c>>,
    /// Whether anything below a definition can name a resource (by its
    /// address).
    reaches: HashMap<usize, bool>,
    /// Whether a definition's own fields name a resource (by its address).
    own: HashMap<usize, bool>,
    /// A definition whose objects are not walked but left as holes, each
    /// at the number of references found before it and its place.
    defer: Option<&'static str>,
    holes: Vec<(usize, ModelPath)>,
}

/// What the schema says of one field of one definition.
#[derive(Clone, Copy)]
struct Field<'c> {
    kinds: FieldKinds,
    next: Option<(&'c str, &'c Value)>,
    /// Whether the walk goes below it: its value names a resource, or may
    /// hold one, or may be an enumerated value a resource's meaning
    /// depends on. A column's type names nothing and holds nothing that
    /// does, so a model's million columns are passed by.
    walked: bool,
}

/// The walk's lookup tables: only looked up, never iterated, so their
/// order reaches no output.
type HashMap<K, V> = indexmap::IndexMap<K, V, foldhash::fast::RandomState>;

/// The address of a schema, its identity for the walk's tables.
fn address(schema: &Value) -> usize {
    std::ptr::from_ref(schema) as usize
}

/// Whether a definition has enumerated values of its own (a unit
/// variant), which the walk keeps beside a resource in the same object.
fn has_unit_variants(def: &Value) -> bool {
    def.get("enum").is_some()
        || def.get("const").is_some()
        || ["oneOf", "anyOf"].into_iter().any(|key| {
            def.get(key)
                .and_then(Value::as_array)
                .is_some_and(|variants| variants.iter().any(has_unit_variants))
        })
}

/// Why the walk stopped; it never does for a model.
#[derive(Debug)]
pub struct WalkError(String);

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WalkError {}

impl ser::Error for WalkError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        WalkError(msg.to_string())
    }
}

impl<'c> Walker<'c> {
    /// A walk of a value of the schema's root type.
    fn new(classifier: &'c Classifier) -> Walker<'c> {
        let schema = classifier.schema();
        let title = schema
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Walker {
            defs: definitions(schema),
            root: Some((title, schema)),
            path: Vec::new(),
            keys: String::new(),
            frames: Vec::new(),
            found: Vec::new(),
            fields: HashMap::default(),
            reaches: HashMap::default(),
            own: HashMap::default(),
            defer: None,
            holes: Vec::new(),
        }
    }

    /// The references in `value`, an object of definition `def` at `path`,
    /// as a walk of the whole finds them there; what the walker learnt of
    /// the schema is kept for the next.
    fn walk_at<T: Serialize + ?Sized>(
        &mut self,
        def: &'c str,
        path: &ModelPath,
        value: &T,
    ) -> Vec<ResourceRef> {
        self.root = self
            .defs
            .get_key_value(def)
            .map(|(name, def)| (name.as_str(), def));
        self.path.clear();
        self.keys.clear();
        self.frames.clear();
        for segment in &path.0 {
            match segment {
                Segment::Key(key) => {
                    let from = self.keys.len();
                    self.keys.push_str(key);
                    self.path.push(Step::Key(from, self.keys.len()));
                }
                Segment::Index(i) => self.path.push(Step::Index(*i)),
            }
        }
        let _ = value.serialize(&mut *self);
        std::mem::take(&mut self.found)
    }

    /// The definition the next object takes: the one the field being
    /// walked refers to, or the root's.
    fn pending(&mut self) -> Option<(&'c str, &'c Value)> {
        match self.frames.last() {
            Some(frame) => frame.next,
            None => self.root.take(),
        }
    }

    fn enter(&mut self, def: Option<(&'c str, &'c Value)>) {
        let deferred = self.defer.is_some() && def.map(|(name, _)| name) == self.defer;
        if deferred {
            let path = ModelPath(self.path.iter().map(|s| s.segment(&self.keys)).collect());
            self.holes.push((self.found.len(), path));
        }
        self.frames.push(Frame {
            def,
            kinds: FieldKinds::default(),
            next: None,
            beside: Vec::new(),
            field: None,
            mine: Vec::new(),
            deferred,
        });
    }

    /// Leaves the object being walked, giving the references found in its
    /// fields the enumerated fields beside them.
    fn leave(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        for i in frame.mine {
            if let Some(found) = self.found.get_mut(i) {
                found.beside = frame
                    .beside
                    .iter()
                    .map(|&(f, v)| (f.to_owned(), v.to_owned()))
                    .collect();
            }
        }
    }

    /// Leaves the last step of the path (and its key's text).
    fn pop_path(&mut self) {
        if let Some(Step::Key(from, _)) = self.path.pop() {
            self.keys.truncate(from);
        }
    }

    /// Whether the string walked now names a resource.
    fn names(&self) -> bool {
        self.frames
            .last()
            .is_some_and(|frame| frame.kinds.values.is_some())
    }

    /// Whether anything below `def` names a resource.
    fn reaches(&mut self, def: &'c Value) -> bool {
        let at = address(def);
        if let Some(&known) = self.reaches.get(&at) {
            return known;
        }
        // A type that holds itself reaches through its other fields.
        self.reaches.insert(at, false);
        let defs = self.defs;
        let reaches = properties(def).into_iter().any(|(_, p)| {
            field_kinds(p, defs) != FieldKinds::default()
                || object_def(p, defs, 0).is_some_and(|(_, d)| self.reaches(d))
        });
        self.reaches.insert(at, reaches);
        reaches
    }

    /// Whether any field of `def` itself names a resource (by its address).
    fn names_own(&mut self, def: &'c Value) -> bool {
        let at = address(def);
        if let Some(&known) = self.own.get(&at) {
            return known;
        }
        let defs = self.defs;
        let own = properties(def)
            .into_iter()
            .any(|(_, p)| field_kinds(p, defs) != FieldKinds::default());
        self.own.insert(at, own);
        own
    }

    /// What the schema says field `key` of `def` holds.
    fn lookup(&mut self, def: Option<(&'c str, &'c Value)>, key: &'static str) -> Field<'c> {
        let Some((_, def)) = def else {
            return Field {
                kinds: FieldKinds::default(),
                next: None,
                walked: true,
            };
        };
        let at = (address(def), key.as_ptr().addr(), key.len());
        if let Some(&known) = self.fields.get(&at) {
            return known;
        }
        let defs = self.defs;
        let found = property(def, key);
        let kinds = found.map(|p| field_kinds(p, defs)).unwrap_or_default();
        let next = found.and_then(|p| object_def(p, defs, 0));
        // Below a field the schema says nothing of (text, a number, a
        // free-form value) nothing is found; an enumerated value is kept
        // only beside a resource in this same object, so it is walked only
        // when the object has fields that name one.
        let walked = kinds != FieldKinds::default()
            || next.is_some_and(|(_, d)| self.reaches(d))
            || (self.names_own(def) && next.is_none_or(|(_, d)| has_unit_variants(d)));
        let field = Field {
            kinds,
            next,
            walked,
        };
        self.fields.insert(at, field);
        field
    }

    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), WalkError> {
        if self.frames.last().is_some_and(|frame| frame.deferred) {
            return Ok(());
        }
        if let Some(def) = self.frames.last().map(|frame| frame.def) {
            let field = self.lookup(def, key);
            if !field.walked {
                return Ok(());
            }
            if let Some(frame) = self.frames.last_mut() {
                frame.kinds = field.kinds;
                frame.next = field.next;
                frame.field = Some(key);
            }
        }
        self.path.push(Step::Field(key));
        let done = value.serialize(&mut *self);
        self.pop_path();
        if let Some(frame) = self.frames.last_mut() {
            frame.kinds = FieldKinds::default();
            frame.next = None;
            frame.field = None;
        }
        done
    }

    fn leaf(&mut self, text: &str, key: bool) {
        let at = self.found.len();
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let kind = if key {
            frame.kinds.keys
        } else {
            frame.kinds.values
        };
        if let Some(kind) = kind {
            frame.mine.push(at);
            let frame = &*frame;
            self.found.push(ResourceRef {
                kind,
                name: text.to_owned(),
                path: ModelPath(self.path.iter().map(|s| s.segment(&self.keys)).collect()),
                key,
                beside: Vec::new(),
                field: (
                    frame.def.map_or("", |(name, _)| name).to_owned(),
                    frame.field.unwrap_or_default().to_owned(),
                ),
            });
        }
    }

    fn unit_variant(&mut self, variant: &'static str) {
        if let Some(frame) = self.frames.last_mut()
            && let Some(field) = frame.field
        {
            frame.beside.push((field, variant));
        }
    }
}

/// A map's key, as text, written after the keys before it.
struct KeyText<'k>(&'k mut String);

macro_rules! key_as_text {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<(), WalkError> {
            use std::fmt::Write as _;
            write!(self.0, "{v}").map_err(ser::Error::custom)
        })*
    };
}

impl ser::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = WalkError;
    type SerializeSeq = Impossible<(), WalkError>;
    type SerializeTuple = Impossible<(), WalkError>;
    type SerializeTupleStruct = Impossible<(), WalkError>;
    type SerializeTupleVariant = Impossible<(), WalkError>;
    type SerializeMap = Impossible<(), WalkError>;
    type SerializeStruct = Impossible<(), WalkError>;
    type SerializeStructVariant = Impossible<(), WalkError>;

    key_as_text!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_char: char);

    fn serialize_str(self, v: &str) -> Result<(), WalkError> {
        self.0.push_str(v);
        Ok(())
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, v: &T) -> Result<(), WalkError> {
        use std::fmt::Write as _;
        write!(self.0, "{v}").map_err(ser::Error::custom)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), WalkError> {
        Err(ser::Error::custom("a key of bytes"))
    }
    fn serialize_none(self) -> Result<(), WalkError> {
        Err(ser::Error::custom("a key of none"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), WalkError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WalkError> {
        Err(ser::Error::custom("a key of unit"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WalkError> {
        Err(ser::Error::custom("a key of unit"))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<(), WalkError> {
        self.0.push_str(v);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), WalkError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), WalkError> {
        Err(ser::Error::custom("a key of a variant"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, WalkError> {
        Err(ser::Error::custom("a key of a list"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, WalkError> {
        Err(ser::Error::custom("a key of a tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, WalkError> {
        Err(ser::Error::custom("a key of a tuple"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, WalkError> {
        Err(ser::Error::custom("a key of a tuple"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, WalkError> {
        Err(ser::Error::custom("a key of a map"))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, WalkError> {
        Err(ser::Error::custom("a key of a struct"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, WalkError> {
        Err(ser::Error::custom("a key of a struct"))
    }
}

/// The walk of a list, a tuple or a map: positions and keys go on the path.
struct Compound<'w, 'c> {
    walker: &'w mut Walker<'c>,
    index: usize,
    /// Whether it entered an object of its own (a struct or a variant).
    entered: bool,
}

impl Drop for Compound<'_, '_> {
    fn drop(&mut self) {
        if self.entered {
            self.walker.leave();
        }
    }
}

impl Compound<'_, '_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WalkError> {
        self.walker.path.push(Step::Index(self.index));
        self.index += 1;
        let done = value.serialize(&mut *self.walker);
        self.walker.pop_path();
        done
    }
}

/// A list, a tuple or a tuple struct: each element at its position.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = WalkError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WalkError> {
                self.element(value)
            }
            fn end(self) -> Result<(), WalkError> {
                Ok(())
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = WalkError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WalkError> {
        self.element(value)
    }
    fn end(self) -> Result<(), WalkError> {
        self.walker.pop_path();
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = WalkError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WalkError> {
        let from = self.walker.keys.len();
        key.serialize(KeyText(&mut self.walker.keys))?;
        let to = self.walker.keys.len();
        self.walker.path.push(Step::Key(from, to));
        let names = self
            .walker
            .frames
            .last()
            .is_some_and(|frame| frame.kinds.keys.is_some());
        if names {
            let text = self
                .walker
                .keys
                .get(from..to)
                .unwrap_or_default()
                .to_owned();
            self.walker.leaf(&text, true);
        }
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WalkError> {
        let done = value.serialize(&mut *self.walker);
        self.walker.pop_path();
        done
    }
    fn end(self) -> Result<(), WalkError> {
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = WalkError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), WalkError> {
        self.walker.field(key, value)
    }
    fn end(self) -> Result<(), WalkError> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = WalkError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), WalkError> {
        self.walker.field(key, value)
    }
    fn end(self) -> Result<(), WalkError> {
        self.walker.pop_path();
        Ok(())
    }
}

impl<'w, 'c> ser::Serializer for &'w mut Walker<'c> {
    type Ok = ();
    type Error = WalkError;
    type SerializeSeq = Compound<'w, 'c>;
    type SerializeTuple = Compound<'w, 'c>;
    type SerializeTupleStruct = Compound<'w, 'c>;
    type SerializeTupleVariant = Compound<'w, 'c>;
    type SerializeMap = Compound<'w, 'c>;
    type SerializeStruct = Compound<'w, 'c>;
    type SerializeStructVariant = Compound<'w, 'c>;

    fn serialize_bool(self, _: bool) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_char(self, c: char) -> Result<(), WalkError> {
        self.leaf(&c.to_string(), false);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), WalkError> {
        self.leaf(v, false);
        Ok(())
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, v: &T) -> Result<(), WalkError> {
        // Formatted only when it names a resource.
        if self.names() {
            self.leaf(&v.to_string(), false);
        }
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), WalkError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WalkError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), WalkError> {
        self.unit_variant(variant);
        self.leaf(variant, false);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), WalkError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), WalkError> {
        // `{variant: value}`: the variant is a field of the enum's type.
        let def = self.pending();
        self.enter(def);
        let done = self.field(variant, value);
        self.leave();
        done
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, WalkError> {
        Ok(Compound {
            walker: self,
            index: 0,
            entered: false,
        })
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, WalkError> {
        Ok(Compound {
            walker: self,
            index: 0,
            entered: false,
        })
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, WalkError> {
        Ok(Compound {
            walker: self,
            index: 0,
            entered: false,
        })
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, WalkError> {
        self.path.push(Step::Field(variant));
        Ok(Compound {
            walker: self,
            index: 0,
            entered: false,
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, WalkError> {
        Ok(Compound {
            walker: self,
            index: 0,
            entered: false,
        })
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, WalkError> {
        let def = self.pending();
        self.enter(def);
        Ok(Compound {
            walker: self,
            index: 0,
            entered: true,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, WalkError> {
        self.path.push(Step::Field(variant));
        // The variant's fields are those of its object in the enum's schema.
        let def = self
            .pending()
            .and_then(|(name, def)| Some((name, property(def, variant)?)));
        self.enter(def);
        Ok(Compound {
            walker: self,
            index: 0,
            entered: true,
        })
    }
}

/// The words in a field's name that say it may name something outside the
/// model: such a field must say what it names (`x-resource`, or `none`).
pub const RESOURCE_WORDS: [&str; 24] = [
    "file",
    "path",
    "folder",
    "dir",
    "module",
    "credential",
    "secret",
    "password",
    "token",
    "certificate",
    "container",
    "url",
    "uri",
    "endpoint",
    "host",
    "server",
    "bucket",
    "repo",
    "branch",
    "tag",
    "database",
    "topic",
    "catalog",
    "key",
];

/// The fields of a schema whose names say they may name a resource
/// ([`RESOURCE_WORDS`]) and whose schema does not say what they name:
/// neither `x-resource` (a kind, or `none`) on the field or on the name
/// type it holds, nor `x-resource-keys`, nor an object whose own fields
/// say. As `Type.field`, sorted.
pub fn unclassified(schema: &Value) -> Vec<String> {
    let defs = definitions(schema);
    let mut found = Vec::new();
    for (name, def) in with_root(schema) {
        for (field, property) in properties(def) {
            let lower = field.to_ascii_lowercase();
            if !RESOURCE_WORDS.iter().any(|w| lower.contains(w)) {
                continue;
            }
            if says_what_it_names(property, defs, 0) {
                continue;
            }
            found.push(format!("{name}.{field}"));
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Whether a property's schema says what its values name: an `x-resource`
/// or `x-resource-keys` of its own, a name type's, or (through options,
/// lists and maps) objects whose own fields say.
fn says_what_it_names(
    property: &Value,
    defs: &serde_json::Map<String, Value>,
    depth: usize,
) -> bool {
    if depth > 8 {
        return false;
    }
    if property.get("x-resource").is_some() || property.get("x-resource-keys").is_some() {
        return true;
    }
    if let Some((_, def)) = referenced(property, defs) {
        // An object (a struct, an enum of variants) says through its own fields.
        return def.get("x-resource").is_some()
            || def.get("properties").is_some()
            || def.get("oneOf").is_some()
            || def.get("anyOf").is_some()
            || def.get("enum").is_some();
    }
    if property.get("properties").is_some()
        || property.get("enum").is_some()
        || property.get("const").is_some()
    {
        return true;
    }
    let nested: Vec<&Value> = inner_schemas(property)
        .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
        .collect();
    !nested.is_empty()
        && nested
            .iter()
            .all(|inner| says_what_it_names(inner, defs, depth + 1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    /// A type as a new feature might add it: one field that says it names
    /// a file, one that names a file and does not say so.
    #[derive(Serialize, schemars::JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct Feature {
        #[schemars(extend("x-resource" = "file"))]
        report_file: String,
        key_file: String,
        parts: Vec<Part>,
    }

    #[derive(Serialize, schemars::JsonSchema)]
    struct Part {
        #[schemars(extend("x-resource" = "credential"))]
        login: Option<String>,
    }

    #[test]
    fn a_new_field_that_names_a_resource_is_seen_or_fails_the_check() {
        let schema = schemars::schema_for!(Feature).to_value();
        // The field that does not say what it names fails the check that
        // `every_field_that_may_name_a_resource_says_what_it_names` runs on
        // the model: this is that failure.
        assert_eq!(unclassified(&schema), ["Feature.keyFile"]);
        // The fields that say are found by the walk, wherever they are.
        let value = Feature {
            report_file: "out/report.csv".to_owned(),
            key_file: "secret.pem".to_owned(),
            parts: vec![
                Part { login: None },
                Part {
                    login: Some("svc".to_owned()),
                },
            ],
        };
        let found = inventory_with(&value, &Classifier::from_schema(schema));
        let shown: Vec<String> = found
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}.{}",
                    r.kind, r.path, r.name, r.field.0, r.field.1
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "file /reportFile out/report.csv Feature.reportFile",
                "credential /parts/1/login svc Part.login",
            ]
        );
    }

    #[test]
    fn kept_model_schema_is_current() {
        let now = serde_json::to_string(&model_schema()).unwrap();
        if now != KEPT_MODEL_SCHEMA && std::env::var_os("DATASURFACE_BLESS").is_some() {
            let kept = concat!(env!("CARGO_MANIFEST_DIR"), "/src/inventory_schema.json");
            std::fs::write(kept, &now).unwrap();
            return;
        }
        assert!(
            now == KEPT_MODEL_SCHEMA,
            "the model's types changed, and the schema the resource inventory reads \
             (datasurface-core/src/inventory_schema.json) did not: renew it with \
             `DATASURFACE_BLESS=1 cargo test -p datasurface-core kept_model_schema_is_current`"
        );
    }

    #[test]
    fn every_field_that_may_name_a_resource_says_what_it_names() {
        let missing = unclassified(&model_schema());
        assert!(
            missing.is_empty(),
            "these fields may name something outside the model, and their type does not say what: \
             give each `#[schemars(extend(\"x-resource\" = KIND))]` (a kind of `ResourceKind`, or \
             \"none\"), and if it is a kind the authority checks judge, judge it there too:\n{}",
            missing.join("\n")
        );
    }
}
