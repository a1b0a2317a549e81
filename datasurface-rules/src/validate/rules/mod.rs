//! The validation rules, one per file.
//!
//! Each rule module starts with `//! Diagnostic: <code>` and its explanation,
//! defines a [`Rule`] with a check and an example, and tests itself. The
//! example is a small edit of the built-in base model ([`BASE_MODEL`]) that
//! makes the rule fire; the catalogue and `datasurface explain` show it.

use crate::validate::Context;
use datasurface_core::diagnostic::{CodeInfo, Diagnostic, ModelPath, Severity};

pub(crate) mod prelude {
    pub(crate) use super::{Findings, Rule};
    pub(crate) use crate::validate::Context;
    pub(crate) use datasurface_core::diagnostic::CodeInfo;
    pub(crate) use datasurface_core::diagnostic::{ModelPath, Severity};
}

mod assigned_group_without_requirements;
mod assigned_transformer_group;
mod classification_policy_violation;
mod classification_verifier_violation;
mod classified_twice;
mod container_kind_mismatch;
mod container_policies;
mod dataset_group_without_sinks;
mod dataset_not_approved;
mod datastore_without_datasets;
mod declared_not_defined;
mod deprecated_dataset;
mod deprecated_storage_policy;
mod duplicate_assignment;
mod duplicate_container;
mod duplicate_credential;
mod duplicate_datastore;
mod duplicate_sink;
mod duplicate_team;
mod duplicate_workspace;
mod empty_description;
mod hard_vendor_policy_violation;
mod incomplete_table_mapping;
mod invalid_avro_schema;
mod invalid_cron;
mod invalid_data_type;
mod invalid_github_repository;
mod invalid_hint;
mod invalid_hook;
mod invalid_host;
mod invalid_quality_rule;
mod invalid_table_name;
mod invalid_transformer_limits;
mod invalid_watermark_type;
mod key_column_unknown;
mod location_policy_violation;
mod missing_primary_key;
mod nullable_key_column;
#[cfg(test)]
mod one_finding;
mod owning_is_live_repository;
mod platform_policy_violation;
mod policy_overlap;
mod production_mismatch;
mod requirements_platform_mismatch;
mod reserved_name;
mod resource_not_granted;
mod secret_in_model;
mod storage_policy_violation;
mod team_not_declared;
mod transformer_cycle;
mod transformer_group_requirements;
mod transformer_output_mismatch;
mod unclassified_dataset;
mod unclassified_production_data;
mod unconfined_path;
mod unconsumed_transformer_output;
mod undocumented_vendor;
mod unknown_assignment_target;
mod unknown_container;
mod unknown_dataset;
mod unknown_location;
mod unknown_mapped_dataset;
mod unknown_platform;
mod unknown_primary_ingestion_datastore;
mod unknown_storage_policy;
mod unknown_vendor;
mod vendor_policy_violation;
mod watermark_column_missing;
mod workspace_without_container;
mod zone_not_declared;

/// The base model every rule's example edits: small, and valid under every rule.
pub const BASE_MODEL: &str = include_str!("base.yaml");

/// A validation rule: its code as every diagnostic code is described (a
/// [`CodeInfo`]: code, severity, summary, explanation, and an example edit
/// of [`BASE_MODEL`] with the finding it gives), and its check.
#[derive(Debug)]
pub struct Rule {
    /// The code, its documentation and its example.
    pub info: CodeInfo,
    pub(crate) check: fn(&Context<'_>, &mut Findings),
}

/// The rules that read the resource inventory ([`Context::inventory`]):
/// validation runs them after the others, while the inventory is taken on
/// a core of its own. Only the order depends on this list: a rule missing
/// from it waits for the inventory when it asks.
const READ_INVENTORY: [&str; 4] = [
    "duplicate-credential",
    "resource-not-granted",
    "unconfined-path",
    "unknown-container",
];

impl Rule {
    /// Whether the rule reads the resource inventory (its scheduling only).
    pub fn reads_inventory(&self) -> bool {
        READ_INVENTORY.contains(&self.info.code)
    }

    /// The example's edits of [`BASE_MODEL`]: each `(find, replace)` pair
    /// matches exactly once.
    pub fn edits(&self) -> &'static [(&'static str, &'static str)] {
        self.info.example.map_or(&[], |e| e.edits)
    }
}

/// Every rule, in catalogue order.
pub static RULES: &[&Rule] = &[
    &owning_is_live_repository::RULE,
    &invalid_github_repository::RULE,
    &empty_description::RULE,
    &undocumented_vendor::RULE,
    &unknown_location::RULE,
    &unknown_platform::RULE,
    &zone_not_declared::RULE,
    &team_not_declared::RULE,
    &declared_not_defined::RULE,
    &duplicate_team::RULE,
    &duplicate_datastore::RULE,
    &duplicate_workspace::RULE,
    &duplicate_container::RULE,
    &policy_overlap::RULE,
    &unknown_vendor::RULE,
    &invalid_host::RULE,
    &secret_in_model::RULE,
    &datastore_without_datasets::RULE,
    &unclassified_production_data::RULE,
    &unclassified_dataset::RULE,
    &classified_twice::RULE,
    &unknown_storage_policy::RULE,
    &deprecated_storage_policy::RULE,
    &storage_policy_violation::RULE,
    &missing_primary_key::RULE,
    &key_column_unknown::RULE,
    &nullable_key_column::RULE,
    &invalid_data_type::RULE,
    &invalid_avro_schema::RULE,
    &unknown_container::RULE,
    &container_kind_mismatch::RULE,
    &unknown_mapped_dataset::RULE,
    &incomplete_table_mapping::RULE,
    &invalid_table_name::RULE,
    &reserved_name::RULE,
    &invalid_watermark_type::RULE,
    &watermark_column_missing::RULE,
    &invalid_quality_rule::RULE,
    &invalid_cron::RULE,
    &transformer_output_mismatch::RULE,
    &transformer_group_requirements::RULE,
    &unconsumed_transformer_output::RULE,
    &transformer_cycle::RULE,
    &workspace_without_container::RULE,
    &resource_not_granted::RULE,
    &duplicate_credential::RULE,
    &unconfined_path::RULE,
    &invalid_hook::RULE,
    &invalid_transformer_limits::RULE,
    &dataset_group_without_sinks::RULE,
    &unknown_dataset::RULE,
    &duplicate_sink::RULE,
    &dataset_not_approved::RULE,
    &deprecated_dataset::RULE,
    &production_mismatch::RULE,
    &classification_policy_violation::RULE,
    &classification_verifier_violation::RULE,
    &location_policy_violation::RULE,
    &vendor_policy_violation::RULE,
    &hard_vendor_policy_violation::RULE,
    &unknown_assignment_target::RULE,
    &duplicate_assignment::RULE,
    &assigned_transformer_group::RULE,
    &assigned_group_without_requirements::RULE,
    &requirements_platform_mismatch::RULE,
    &platform_policy_violation::RULE,
    &unknown_primary_ingestion_datastore::RULE,
    &invalid_hint::RULE,
];

/// The findings of one rule: where its check reports what it finds, at the
/// rule's code and severity.
#[derive(Debug)]
pub struct Findings {
    code: &'static str,
    severity: Severity,
    pub(crate) found: Vec<Diagnostic>,
}

impl Findings {
    pub(crate) fn new(rule: &Rule) -> Self {
        Findings {
            code: rule.info.code,
            severity: rule.info.severity,
            found: Vec::new(),
        }
    }

    /// Reports a finding at the rule's severity, with a help line.
    pub(crate) fn report(
        &mut self,
        path: ModelPath,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.report_as(self.severity, path, message, help);
    }

    /// Reports a finding at a given severity, with a help line.
    pub(crate) fn report_as(
        &mut self,
        severity: Severity,
        path: ModelPath,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.found
            .push(Diagnostic::new(self.code, severity, path, message).with_help(help));
    }
}

/// Reports every definition of a name that more than one team defines, naming
/// the others, so that the result does not depend on order.
pub(crate) fn report_duplicates<N: std::fmt::Display, T>(
    defined: &datasurface_core::OrderedMap<&N, Vec<crate::validate::Placed<'_, N, T>>>,
    kind: &str,
    what: &str,
    out: &mut Findings,
) {
    for (name, placed) in defined {
        if placed.len() < 2 {
            continue;
        }
        for (i, this) in placed.iter().enumerate() {
            let others: Vec<String> = placed
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| format!("team `{}` of zone `{}`", o.team, o.zone))
                .collect();
            out.report(
                this.path(kind),
                format!("{what} `{name}` is also defined in {}", others.join(", ")),
                "rename one of them; names are unique across the ecosystem",
            );
        }
    }
}

/// Applies a rule's example edits to the base model.
pub fn example_model(rule: &Rule) -> Option<String> {
    let mut text = BASE_MODEL.to_owned();
    for (find, replace) in rule.edits() {
        if text.matches(find).count() != 1 {
            return None;
        }
        text = text.replacen(find, replace, 1);
    }
    Some(text)
}

/// Test support shared by the rule modules.
#[cfg(test)]
pub(crate) mod testing {
    use super::{BASE_MODEL, Rule, example_model};
    use crate::validate::{Report, check};
    use datasurface_files::locate;
    use datasurface_files::{self as files, SourceFile};

    /// Validates a single-document model and locates the findings in it.
    pub(crate) fn report_for(text: &str) -> Report {
        let files = [SourceFile::new("model.yaml", text)];
        let loaded = files::load(&files).unwrap_or_else(|e| panic!("the model loads: {e}"));
        let mut report = check(&loaded.ecosystem);
        locate(&mut report, &loaded.documents, &files);
        report
    }

    /// Another case of a rule, in one line: the base model with `edits`
    /// (each `(find, replace)`, found exactly once) and the rule's findings on
    /// it, as text for an inline snapshot. Other rules may fire too; only
    /// this rule's findings are shown.
    ///
    /// ```ignore
    /// insta::assert_snapshot!(case(&super::RULE, &[("  Orders: [Batch]", "  Orders: [Nope]")]), @"…");
    /// ```
    pub(crate) fn case(rule: &Rule, edits: &[(&str, &str)]) -> String {
        let mut text = BASE_MODEL.to_owned();
        for (find, replace) in edits {
            assert_eq!(
                text.matches(find).count(),
                1,
                "`{find}` is in the base model once"
            );
            text = text.replacen(find, replace, 1);
        }
        report_for(&text).only(rule.info.code).to_string()
    }

    /// The base model passes the rule; its example fails it, with findings of this rule only.
    pub(crate) fn example_fires_alone(rule: &Rule) -> String {
        let base = report_for(BASE_MODEL);
        assert!(
            !base.codes().contains(&rule.info.code),
            "the base model fires `{}`:\n{base}",
            rule.info.code
        );
        let example = example_model(rule).unwrap_or_else(|| {
            panic!(
                "every example edit of `{}` matches exactly once",
                rule.info.code
            )
        });
        let report = report_for(&example);
        assert_eq!(
            report.codes(),
            [rule.info.code],
            "the example of `{}` fires exactly its own code:\n{report}",
            rule.info.code
        );
        report.to_string()
    }

    /// Every rule's example, and only it, fires on the base model, and
    /// gives exactly the finding its [`CodeInfo`] documents (what `explain`
    /// and docs/diagnostics.md show).
    #[test]
    fn every_rule_s_example_gives_the_finding_it_documents() {
        for rule in super::RULES {
            let Some(example) = rule.info.example else {
                panic!("`{}` has no example", rule.info.code);
            };
            let documented = example.finding;
            assert_eq!(
                example_fires_alone(rule).trim_end(),
                documented.trim_end(),
                "the example of `{}`",
                rule.info.code
            );
        }
    }
}
