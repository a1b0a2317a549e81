//! A data platform for AWS written outside datasurface, as a platform
//! author would: each ingested datastore becomes an AWS Glue job started by
//! an EventBridge schedule, each consumer's dataset group an Athena view per
//! dataset, all as Terraform JSON (`*.tf.json`), with one provider file for
//! the platform.

use std::collections::BTreeMap;

use datasurface_platform::escape::hcl;
use datasurface_platform::graph::{NodeKind, PlatformGraph};
use datasurface_platform::model::{CodeArtifact, Milestoning, StepTrigger};
use datasurface_platform::rules::validate::{CodeInfo, Diagnostic, Severity};
use datasurface_platform::{
    Artifact, ArtifactKey, Capabilities, CaptureKind, Claimant, CodeKind, ContainerCategory,
    DataPlatform, PhysicalNames, PlatformError, RenderContext, Rendering, TriggerKind, TypeKind,
    artifacts_upstream, read_parameters,
};
use serde::Deserialize;

/// The platform's parameters.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// The AWS region everything is made in.
    pub region: String,
    /// The S3 bucket Glue writes each dataset's files to.
    pub bucket: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            region: "us-east-1".into(),
            bucket: "datasurface-lake".into(),
        }
    }
}

/// AWS Glue, EventBridge and Athena, as Terraform JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terraform;

/// A Terraform JSON string: free text from the model, quoted, its
/// template sequences (`${`, `%{`) escaped, as Terraform reads strings as
/// templates.
fn string(text: &str) -> String {
    hcl::json_string(text)
}

/// A Terraform resource name for model names: letters, digits and `_`,
/// with a hash-free, injective hex encoding of anything else.
fn resource_name(parts: &[&str]) -> String {
    let mut out = String::from("ds");
    for part in parts {
        out.push_str("__");
        for c in part.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else {
                out.push_str(&format!("_{:x}_", u32::from(c)));
            }
        }
    }
    out
}

/// The codes its lint reports besides the toolbox's.
pub const CODES: &[CodeInfo] = &[CodeInfo::new(
    "terraform-schedule-not-expressible",
    Severity::Error,
    "An ingestion's cron schedule restricts both the day of the month and the day of the week.",
    "EventBridge cannot say \"the 1st, or any Monday\": one of its day fields must be `?`. Split the schedule in two datastores, or leave one day field `*`.",
)
.with_example(
    &[(r#"{cron: "*/15 * * * *"}"#, r#"{cron: "0 6 1 * 1"}"#)],
    "model.yaml:19:11: error[terraform-schedule-not-expressible]: EventBridge cannot run the schedule of `Shop`
  at: /zones/Z/teams/T/datastores/Shop
  help: the change belongs in github:acme/shop@main",
)];

/// The artifact a node renders, by its identity; none for exports and
/// triggers, which Glue and Athena need nothing for.
fn artifact_key(kind: &NodeKind) -> Option<ArtifactKey> {
    Some(match kind {
        NodeKind::Ingest {
            datastore, dataset, ..
        } => {
            let mut parts = vec!["glue", datastore.as_str()];
            parts.extend(dataset.as_ref().map(|d| d.as_str()));
            ArtifactKey::from_parts(&parts, "tf.json")
        }
        NodeKind::DataTransformer { workspace } => {
            ArtifactKey::from_parts(&["glue", "transformers", workspace.as_str()], "tf.json")
        }
        NodeKind::Workspace {
            workspace,
            dataset_group,
        } => ArtifactKey::from_parts(
            &["athena", workspace.as_str(), dataset_group.as_str()],
            "tf.json",
        ),
        // Exports and triggers, and kinds it does not know: `render` refuses those.
        _ => return None,
    })
}

impl Terraform {
    fn ingest(cx: &RenderContext<'_>, settings: &Settings, store: &str) -> Option<String> {
        let name = store.parse().ok()?;
        let mut datasets: Vec<String> = cx
            .ecosystem
            .find_datastore(&name)?
            .datasets
            .keys()
            .map(|d| d.to_string())
            .collect();
        datasets.sort();
        let resource = string(&resource_name(&[store]));
        let tables: Vec<String> = datasets
            .iter()
            .map(|d| {
                format!(
                    "{}: {{\"name\": {}, \"database_name\": \"datasurface\"}}",
                    string(&resource_name(&[store, d])),
                    string(&format!("{store}_{d}"))
                )
            })
            .collect();
        let tables = format!("\"aws_glue_catalog_table\": {{{}}}", tables.join(", "));
        // A transformer's output is written by its job: only its tables.
        let Some(ingestion) = cx.ingestion(&name) else {
            return Some(format!("{{\"resource\": {{{tables}}}}}\n"));
        };
        // `lint` refused schedules EventBridge cannot say.
        let schedule = ingestion
            .trigger
            .as_ref()
            .and_then(StepTrigger::schedule)
            .and_then(|s| s.to_eventbridge())
            .unwrap_or_else(|| "rate(1 hour)".into());
        Some(format!(
            concat!(
                "{{\"resource\": {{\n",
                "  {tables},\n",
                "  \"aws_glue_job\": {{{res}: {{\"name\": {job}, \"role_arn\": \"${{var.glue_role}}\",\n",
                "    \"command\": {{\"script_location\": {script}}},\n",
                "    \"default_arguments\": {{\"--container\": {container}, \"--datasets\": {datasets}}}}}}},\n",
                "  \"aws_cloudwatch_event_rule\": {{{res}: {{\"schedule_expression\": {schedule}}}}}\n",
                "}}}}\n"
            ),
            tables = tables,
            res = resource,
            job = string(&format!("ds-ingest-{store}")),
            script = string(&format!("s3://{}/scripts/ingest.py", settings.bucket)),
            container = string(ingestion.container.as_str()),
            datasets = string(&datasets.join(",")),
            schedule = string(&schedule),
        ))
    }

    fn transform(cx: &RenderContext<'_>, settings: &Settings, workspace: &str) -> Option<String> {
        let transformer = cx.transformer(&workspace.parse().ok()?)?;
        let CodeArtifact::Sql(sql) = &transformer.code else {
            return None;
        };
        let queries: Vec<String> = sql
            .sorted_queries()
            .into_iter()
            .map(|(dataset, query)| {
                format!(
                    "{}: {}",
                    string(&format!("--query-{dataset}")),
                    string(query)
                )
            })
            .collect();
        Some(format!(
            concat!(
                "{{\"resource\": {{\"aws_glue_job\": {{{res}: {{\"name\": {job}, \"role_arn\": \"${{var.glue_role}}\",\n",
                "  \"command\": {{\"script_location\": {script}}},\n",
                "  \"default_arguments\": {{{queries}}}}}}}}}}}\n"
            ),
            res = string(&resource_name(&["transform", workspace])),
            job = string(&format!("ds-transform-{workspace}")),
            script = string(&format!("s3://{}/scripts/transform.py", settings.bucket)),
            queries = queries.join(", "),
        ))
    }

    fn deliver(cx: &RenderContext<'_>, workspace: &str, group: &str) -> Option<String> {
        let ws = cx.ecosystem.find_workspace(&workspace.parse().ok()?)?;
        let group_name: datasurface_platform::model::names::DatasetGroupName =
            group.parse().ok()?;
        let group = ws.dataset_groups.get(&group_name)?;
        let mut views: Vec<String> = Vec::new();
        for sink in &group.sinks {
            let description = cx
                .ecosystem
                .find_datastore(&sink.datastore)
                .and_then(|s| s.documentation.as_ref())
                .map(|d| d.description.clone())
                .unwrap_or_default();
            views.push(format!(
                "{}: {{\"name\": {}, \"database\": \"datasurface\", \"description\": {}, \"query\": {}}}",
                string(&resource_name(&[workspace, sink.datastore.as_str(), sink.dataset.as_str()])),
                string(&format!("{workspace}_{}_{}", sink.datastore, sink.dataset)),
                string(&description),
                string(&format!("SELECT * FROM \"{}_{}\"", sink.datastore, sink.dataset)),
            ));
        }
        views.sort();
        Some(format!(
            "{{\"resource\": {{\"aws_athena_named_query\": {{{}}}}}}}\n",
            views.join(", ")
        ))
    }
}

impl DataPlatform for Terraform {
    fn kind(&self) -> &str {
        "terraform"
    }

    fn version(&self) -> datasurface_platform::semver::Version {
        datasurface_platform::semver::Version::new(0, 1, 0)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_capture_methods([CaptureKind::SqlSnapshot, CaptureKind::TransformerOutput])
            .with_milestoning([Milestoning::LiveOnly])
            .with_container_kinds([ContainerCategory::Database])
            .with_data_types([
                TypeKind::Integer,
                TypeKind::BigInt,
                TypeKind::VarChar,
                TypeKind::Decimal,
                TypeKind::Date,
                TypeKind::Boolean,
            ])
            .with_triggers([TriggerKind::Cron])
            .with_code_kinds([CodeKind::Sql])
    }

    fn codes(&self) -> &'static [CodeInfo] {
        CODES
    }

    fn parameters(&self) -> Option<datasurface_platform::schemars::Schema> {
        Some(datasurface_platform::schemars::schema_for!(Settings))
    }

    fn lint(&self, graph: &PlatformGraph, cx: &RenderContext<'_>) -> Vec<Diagnostic> {
        let mut found = read_parameters::<Settings>(cx.platform.as_str(), cx.declaration).findings;
        // File names meet where case is ignored: refuse nodes whose meet.
        let mut names = PhysicalNames::new(cx.platform.as_str(), "names files by model names");
        for node in graph.nodes() {
            if let Some(key) = artifact_key(&node.kind) {
                names.claim_key(&key, node.kind.clone());
            }
        }
        found.extend(names.into_diagnostics(|kind| Claimant::for_node(cx.ecosystem, kind)));
        let places = cx.ecosystem.places();
        for node in graph.nodes() {
            let NodeKind::Ingest { datastore, .. } = &node.kind else {
                continue;
            };
            let schedule = cx
                .ingestion(datastore)
                .and_then(|i| i.trigger.as_ref()?.schedule());
            if schedule.is_some_and(|s| s.to_eventbridge().is_none()) {
                found.push(CODES[0].at(
                    places.datastore(datastore),
                    format!("EventBridge cannot run the schedule of `{datastore}`"),
                ));
            }
        }
        found
    }

    fn render(
        &self,
        graph: &PlatformGraph,
        cx: &RenderContext<'_>,
    ) -> Result<Rendering, PlatformError> {
        let settings = read_parameters::<Settings>(cx.platform.as_str(), cx.declaration).value;
        let mut rendering = Rendering::default();
        // The platform's own artifact: its provider, from its parameters.
        let provider = ArtifactKey::from_parts(&["providers"], "tf.json");
        rendering.insert(
            provider.clone(),
            Artifact::new(
                None,
                format!(
                    "{{\"provider\": {{\"aws\": {{\"region\": {}}}}}}}\n",
                    string(&settings.region)
                ),
                Vec::new(),
            ),
        )?;
        let keys: BTreeMap<_, _> = graph
            .nodes()
            .into_iter()
            .filter_map(|node| Some((node.key.clone(), artifact_key(&node.kind)?)))
            .collect();
        for node in graph.nodes() {
            let Some(key) = keys.get(&node.key) else {
                continue;
            };
            let text = match &node.kind {
                NodeKind::Ingest { datastore, .. } => {
                    Self::ingest(cx, &settings, datastore.as_str())
                }
                NodeKind::Workspace {
                    workspace,
                    dataset_group,
                } => Self::deliver(cx, workspace.as_str(), dataset_group.as_str()),
                NodeKind::DataTransformer { workspace } => {
                    Self::transform(cx, &settings, workspace.as_str())
                }
                _ => None,
            }
            .ok_or_else(|| cx.unsupported(&node.key))?;
            let mut after = artifacts_upstream(graph, &node.key, &keys);
            after.push(provider.clone());
            rendering.insert(
                key.clone(),
                Artifact::new(Some(node.key.clone()), text, after),
            )?;
        }
        Ok(rendering)
    }
}
