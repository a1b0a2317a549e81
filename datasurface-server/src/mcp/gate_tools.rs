//! The tools that ask the gate rather than the served model alone:
//! checking a proposed change as `datasurface verify` does, explaining a
//! diagnostic code as `datasurface explain` does, and explaining a
//! platform choice as `datasurface explain-choice` does. Each answers from
//! the same library code as its command; nothing is written.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use datasurface_core::Repository;
use datasurface_gate::{Gate, ModelSource, Overlay, choose, codes};
use rmcp::model::{CallToolResult, JsonObject, Tool};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{failed, read_only};
use crate::service::ModelService;

/// The most bytes of files and patch one check takes.
pub const MAX_CHANGE_BYTES: usize = 16 << 20;

/// The gate, and the model's files a proposed change is laid over.
pub(super) struct GateTools {
    pub(super) gate: Arc<Gate>,
    pub(super) files: Arc<dyn ModelSource + Send + Sync>,
    /// One check at a time: each loads two models.
    pub(super) checking: tokio::sync::Semaphore,
}

/// `check_change`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckArgs {
    /// The repository proposing the change, as `datasurface verify --source`
    /// takes it (`owner/name@branch`, or with a host: `gitlab:owner/name@branch`):
    /// it may change only what it owns.
    repository: String,
    /// Files of the model to change, by path from the model's root: each
    /// one's whole new text, or `null` to remove it. Files not named stay
    /// as they are.
    #[serde(default)]
    files: BTreeMap<String, Option<String>>,
    /// A unified diff of the change (as `git diff` prints it, paths from
    /// the model's root), applied after `files`.
    #[serde(default)]
    patch: Option<String>,
    /// Refuse the change for warnings too, as `--deny-warnings` does.
    #[serde(default)]
    deny_warnings: bool,
}

/// `explain_code`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CodeArgs {
    /// A diagnostic code, such as `missing-primary-key`.
    code: String,
}

/// `explain_platform_choice`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChoiceArgs {
    /// The workspace.
    workspace: String,
    /// Its dataset group.
    dataset_group: String,
}

fn input<T: JsonSchema>() -> Arc<JsonObject> {
    let mut schema = match serde_json::to_value(schemars::schema_for!(T)) {
        Ok(Value::Object(map)) => map,
        _ => JsonObject::new(),
    };
    schema.remove("$schema");
    schema.remove("title");
    Arc::new(schema)
}

fn output(schema: Value) -> Option<Arc<JsonObject>> {
    match schema {
        Value::Object(map) => Some(Arc::new(map)),
        _ => None,
    }
}

fn tool(name: &'static str, description: &'static str, input: Arc<JsonObject>, out: Value) -> Tool {
    let mut t = Tool::new(Cow::Borrowed(name), Cow::Borrowed(description), input);
    t.output_schema = output(out);
    t.annotations = Some(read_only());
    t
}

/// The schema of what `check_change` answers.
fn check_schema() -> Value {
    let findings = datasurface_gate::finding_schema();
    let finding = findings
        .get("items")
        .cloned()
        .unwrap_or_else(|| json!({"type": "object"}));
    let mut defs = findings.get("$defs").cloned().unwrap_or_else(|| json!({}));
    if let Some(defs) = defs.as_object_mut() {
        defs.insert("Finding".to_owned(), finding);
    }
    json!({
        "type": "object",
        "required": ["verdict", "mayMerge", "findings", "changes", "changedFiles", "plans"],
        "properties": {
            "verdict": {"enum": ["passed", "refused", "notLoaded"], "description": "What `datasurface verify` would decide: `passed` (may merge), `refused` (a finding is an error), `notLoaded` (a file does not load)."},
            "mayMerge": {"type": "boolean"},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/Finding"}, "description": "Every finding, as `datasurface verify --format json` prints them."},
            "changes": {"type": "array", "items": {"type": "object"}, "description": "What changed, by region of the model and its owner."},
            "moves": {"type": "array", "items": {"type": "object"}, "description": "The dataset groups whose chosen platform the change moves."},
            "excepted": {"type": "array", "items": {"type": "object"}, "description": "The findings approvals or suppressions let through."},
            "changedFiles": {"type": "array", "items": {"type": "string"}, "description": "The model's files the change writes or removes, by path from its root."},
            "plans": {
                "type": "array",
                "description": "Each platform's plan from the model as it is to the proposed one (when the proposed model is valid): its steps without their artifacts' text, or why it cannot render.",
                "items": {
                    "type": "object",
                    "required": ["platform", "kind"],
                    "properties": {
                        "platform": {"type": "string"},
                        "kind": {"type": "string"},
                        "steps": {"type": "array", "items": {
                            "type": "object",
                            "required": ["action", "key", "reason", "disruption"],
                            "properties": {
                                "action": {"enum": ["create", "update", "replace", "delete"]},
                                "key": {"type": "string"},
                                "reason": {"type": "string"},
                                "disruption": {"type": "string"}
                            }
                        }},
                        "error": {"type": "string"},
                        "decision": {"type": "string"}
                    }
                }
            }
        },
        "$defs": defs
    })
}

impl GateTools {
    pub(super) fn tools() -> Vec<Tool> {
        vec![
            tool(
                "check_change",
                "Checks a proposed change to the model as `datasurface verify` does, without writing anything: give the proposing repository and the changed files (whole texts, or null to remove) or a unified diff. Answers the verdict, every finding, what changed and whose region it is, and each platform's plan.",
                input::<CheckArgs>(),
                check_schema(),
            ),
            tool(
                "explain_code",
                "Explains a diagnostic code as `datasurface explain CODE` does: what it means, why, and how to fix it, with an example.",
                input::<CodeArgs>(),
                json!({
                    "type": "object",
                    "required": ["code", "severity", "summary", "explanation"],
                    "properties": {
                        "code": {"type": "string"},
                        "severity": {"enum": ["error", "warning", "info"]},
                        "summary": {"type": "string"},
                        "explanation": {"type": "string", "description": "Markdown, as `datasurface explain` prints it."}
                    }
                }),
            ),
            tool(
                "explain_platform_choice",
                "Explains which data platform serves a dataset group and why, as `datasurface explain-choice` does: assigned by the ecosystem, or chosen by preference and capabilities, with what refused each other candidate.",
                input::<ChoiceArgs>(),
                json!({
                    "type": "object",
                    "required": ["workspace", "datasetGroup", "reasoning"],
                    "properties": {
                        "workspace": {"type": "string"},
                        "datasetGroup": {"type": "string"},
                        "platform": {"type": ["string", "null"], "description": "The platform that serves it (the first, when the ecosystem assigns several); null when none can."},
                        "assigned": {"type": "array", "items": {"type": "string"}, "description": "The platforms the ecosystem assigns it to, when it does: nothing is chosen."},
                        "how": {"type": "object"},
                        "candidates": {"type": "array", "items": {"type": "object"}},
                        "reasoning": {"type": "string", "description": "The reasoning in words, as `datasurface explain-choice` prints it."}
                    }
                }),
            ),
        ]
    }

    /// Answers `name` if it is one of these tools.
    pub(super) async fn call(
        self: &Arc<Self>,
        name: &str,
        arguments: &JsonObject,
        service: &ModelService,
    ) -> Option<CallToolResult> {
        Some(match name {
            "check_change" => match parsed::<CheckArgs>(name, arguments) {
                Ok(args) => self.check(args).await,
                Err(why) => failed(why),
            },
            "explain_code" => match parsed::<CodeArgs>(name, arguments) {
                Ok(args) => self.explain_code(&args.code),
                Err(why) => failed(why),
            },
            "explain_platform_choice" => match parsed::<ChoiceArgs>(name, arguments) {
                Ok(args) => self.explain_choice(service, &args),
                Err(why) => failed(why),
            },
            _ => return None,
        })
    }

    async fn check(self: &Arc<Self>, args: CheckArgs) -> CallToolResult {
        let size = args.patch.as_ref().map_or(0, String::len)
            + args
                .files
                .iter()
                .map(|(p, t)| p.len() + t.as_ref().map_or(0, String::len))
                .sum::<usize>();
        if size > MAX_CHANGE_BYTES {
            return failed(format!(
                "check_change: the change is {size} bytes, more than the {} MiB a check takes; check a smaller change",
                MAX_CHANGE_BYTES >> 20
            ));
        }
        if args.files.is_empty() && args.patch.is_none() {
            return failed(
                "check_change: give the change as `files` (path to new text, or null to remove) or as a `patch` (a unified diff)".to_owned(),
            );
        }
        let source: Repository = match args.repository.parse() {
            Ok(source) => source,
            Err(e) => return failed(format!("check_change: `repository`: {e}")),
        };
        let Ok(_permit) = self.checking.acquire().await else {
            return failed("check_change: the server is stopping".to_owned());
        };
        let tools = Arc::clone(self);
        let checked = tokio::task::spawn_blocking(move || tools.check_now(&args, &source)).await;
        match checked {
            Ok(Ok(answer)) => CallToolResult::structured(answer),
            Ok(Err(why)) => failed(format!("check_change: {why}")),
            Err(e) => failed(format!("check_change: the check failed: {e}")),
        }
    }

    /// The check itself: the change laid over the model's files, verified
    /// against them.
    fn check_now(&self, args: &CheckArgs, source: &Repository) -> Result<Value, String> {
        let base: &dyn ModelSource = self.files.as_ref();
        let mut proposed = Overlay::new(base);
        for (path, text) in &args.files {
            match text {
                Some(text) => proposed.write(path, text.as_bytes()),
                None => proposed.remove(path),
            }
            .map_err(|e| e.to_string())?;
        }
        if let Some(patch) = &args.patch {
            proposed.apply_patch(patch).map_err(|e| e.to_string())?;
        }
        let changed_files: Vec<&str> = proposed.changed().map(|(path, _)| path).collect();
        let verified = self.gate.verify(Some(base), &proposed, source);
        let mut answer = serde_json::to_value(verified.output(args.deny_warnings))
            .map_err(|e| format!("cannot write the answer: {e}"))?;
        let plans: Vec<Value> = verified.plans.iter().map(plan).collect();
        if let Some(object) = answer.as_object_mut() {
            object.insert("changedFiles".to_owned(), json!(changed_files));
            object.insert("plans".to_owned(), Value::Array(plans));
        }
        Ok(answer)
    }

    fn explain_code(&self, code: &str) -> CallToolResult {
        let registry = self.gate.registry();
        let code = code.trim();
        let all = codes::all(registry);
        let (Some(info), Some(explanation)) = (
            all.iter().find(|c| c.code == code),
            codes::explanation(registry, code),
        ) else {
            let known: Vec<&str> = all.iter().map(|c| c.code).collect();
            let hint = codes::nearest(code, &known)
                .map(|near| format!("did you mean `{near}`? "))
                .unwrap_or_default();
            return failed(format!(
                "explain_code: no diagnostic code `{code}`; {hint}the model's findings name their codes (`get_diagnostics`)"
            ));
        };
        CallToolResult::structured(json!({
            "code": info.code,
            "severity": info.severity.to_string(),
            "summary": info.summary,
            "explanation": explanation,
        }))
    }

    fn explain_choice(&self, service: &ModelService, args: &ChoiceArgs) -> CallToolResult {
        let snap = service.current();
        let (workspace, group) = (args.workspace.as_str(), args.dataset_group.as_str());
        let mut eco = snap.eco().clone();
        let assigned: Vec<String> = eco
            .assignments
            .iter()
            .filter(|a| {
                !a.chosen && a.workspace.as_str() == workspace && a.dataset_group.as_str() == group
            })
            .flat_map(|a| a.platforms.iter().map(|p| p.platform.to_string()))
            .collect();
        if !assigned.is_empty() {
            let names: Vec<String> = assigned.iter().map(|p| format!("`{p}`")).collect();
            return CallToolResult::structured(json!({
                "workspace": workspace,
                "datasetGroup": group,
                "platform": assigned.first(),
                "assigned": assigned,
                "reasoning": format!(
                    "`{workspace}/{group}` is assigned by the ecosystem to {} (`assignments` in the Ecosystem document): nothing is chosen for it",
                    names.join(", ")
                ),
            }));
        }
        eco.assignments.retain(|a| !a.chosen);
        let choices = choose::choose(self.gate.registry(), &eco, &eco.platform_choices);
        let Some(choice) = choices
            .iter()
            .find(|c| c.workspace.as_str() == workspace && c.dataset_group.as_str() == group)
        else {
            let known: Vec<String> = choices
                .iter()
                .map(|c| format!("{}/{}", c.workspace, c.dataset_group))
                .collect();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            return failed(format!(
                "explain_platform_choice: no platform is chosen for `{workspace}/{group}`: the model has no such dataset group with requirements; {}",
                datasurface_stdx::suggest::suggest(
                    &format!("{workspace}/{group}"),
                    &known,
                    "platforms are chosen for"
                )
            ));
        };
        let mut answer = serde_json::to_value(choice).unwrap_or_else(|_| json!({}));
        if let Some(object) = answer.as_object_mut() {
            object.insert("reasoning".to_owned(), json!(choice.to_string()));
        }
        CallToolResult::structured(answer)
    }
}

/// A platform's plan as the check answers it: its steps without the text
/// of their artifacts.
fn plan(p: &datasurface_gate::PlatformPlan) -> Value {
    let mut out = json!({"platform": p.name, "kind": p.kind});
    let Some(object) = out.as_object_mut() else {
        return out;
    };
    match &p.plan {
        Ok(plan) => {
            let steps: Vec<Value> = plan
                .steps
                .iter()
                .map(|s| {
                    json!({
                        "action": s.action.verb(),
                        "key": s.key.as_str(),
                        "reason": s.reason,
                        "disruption": s.disruption.to_string(),
                    })
                })
                .collect();
            object.insert("steps".to_owned(), Value::Array(steps));
        }
        Err(why) => {
            object.insert("error".to_owned(), json!(why.to_string()));
        }
    }
    if let Some(decision) = &p.decision {
        object.insert("decision".to_owned(), json!(decision));
    }
    out
}

/// A tool's arguments as `T`, or the tool error saying what is wrong.
fn parsed<T: DeserializeOwned>(name: &str, arguments: &JsonObject) -> Result<T, String> {
    serde_json::from_value(Value::Object(arguments.clone())).map_err(|e| format!("{name}: {e}"))
}
