//! Delivering hooked workspaces' dataset groups.
//!
//! A workspace with a hook has its groups' views read tables of the group's
//! own (`ds_delivered__…`) instead of the shared exports. After each run the
//! engine finds each such group whose exports hold a batch with changes it
//! has not delivered, asks the workspace's hook (`batchCommitted`, the
//! subject the group's delivery), and on `run` replaces the group's tables
//! with what the exports hold, in one transaction of the container's
//! database; on `skip` or `defer` the group's views keep showing what was
//! last delivered.

use rusqlite::OptionalExtension;
use rusqlite::params;

use datasurface_core::HookEventKind;
use datasurface_runtime::lineage::{self, JobLineage, Outcome, RunIds};

use super::batch::SQL;
use super::hooks::{Consulted, Question};
use super::run::{RunEvent, RunSummary};
use super::{Engine, EngineError, open_db, sql};
use crate::spec::{DeliveredDataset, DeliverySpec};

/// The schema of a container's own database, where it keeps the batch each
/// export and delivered table holds.
const MAIN: &str = "main";

/// A dataset of a group that is due for delivery.
struct Due<'d> {
    dataset: &'d DeliveredDataset,
    /// The batch its export holds, which the delivery copies.
    exported: i64,
    /// Its stream's last batch with changes.
    changed: Option<i64>,
}

impl Engine {
    /// Delivers each hooked group whose exports moved on, if its hook says so.
    pub(super) fn deliver_all(
        &self,
        deliveries: &[DeliverySpec],
        summary: &mut RunSummary,
        progress: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<(), EngineError> {
        for d in deliveries {
            self.deliver(d, summary, progress)?;
        }
        Ok(())
    }

    /// The datasets of a group that are due, with the batch their export
    /// holds and their stream's last batch with changes: never delivered (or
    /// emptied by a repair), or their stream committed a batch with changes
    /// after the one delivered.
    fn due<'d>(&self, d: &'d DeliverySpec) -> Result<Vec<Due<'d>>, EngineError> {
        let conn = open_db(&self.container_path(&d.container))?;
        let merge = self.open_merge()?;
        let context = || {
            format!(
                "cannot read the deliveries of group `{}.{}`",
                d.workspace, d.group
            )
        };
        conn.execute(&SQL.create_export_state(MAIN), [])
            .map_err(sql(context()))?;
        let state = |table: &str| -> Result<Option<i64>, EngineError> {
            conn.query_row(&SQL.export_state(MAIN), [table], |r| r.get(0))
                .optional()
                .map_err(sql(context()))
        };
        let mut due = Vec::new();
        for ds in &d.datasets {
            let Some(exported) = state(&ds.export)? else {
                continue;
            };
            let delivered = state(&ds.table)?;
            let changed: Option<i64> = merge
                .query_row(&SQL.last_changed(), [&ds.stream], |r| r.get(0))
                .map_err(sql(format!("cannot read the batches of `{}`", ds.stream)))?;
            let emptied = || -> Result<bool, EngineError> {
                let has = |table: &str| -> Result<bool, EngineError> {
                    conn.query_row(&SQL.has_rows(table), [], |r| r.get(0))
                        .map_err(sql(context()))
                };
                Ok(!has(&ds.table)? && has(&ds.export)?)
            };
            let is_due = match delivered {
                None => true,
                // A table a repair made again is delivered again.
                Some(at) => changed.is_some_and(|c| c > at) || emptied()?,
            };
            if is_due {
                due.push(Due {
                    dataset: ds,
                    exported,
                    changed,
                });
            }
        }
        Ok(due)
    }

    /// Delivers one group, if it is due and its hook says so.
    fn deliver(
        &self,
        d: &DeliverySpec,
        summary: &mut RunSummary,
        progress: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<(), EngineError> {
        let due = self.due(d)?;
        if due.is_empty() {
            return Ok(());
        }
        let kind = HookEventKind::BatchCommitted;
        let mut decision = None;
        if d.hook.wants(kind) {
            let mut streams: Vec<String> = due.iter().map(|d| d.dataset.stream.clone()).collect();
            streams.sort();
            streams.dedup();
            // What is news after a skip: a batch with changes, not one without.
            let inputs: Vec<(&str, Option<i64>)> = due
                .iter()
                .map(|d| (d.dataset.export.as_str(), d.changed))
                .collect();
            let waiting = format!("{}.{}", d.workspace, d.group);
            let question = Question {
                hook: &d.hook,
                subject: format!("delivery:{}", d.group),
                kind,
                inputs: serde_json::to_string(&inputs).unwrap_or_default(),
                cron: None,
                waiting: &waiting,
                streams: &streams,
                last_run_of: None,
            };
            match self.put(&question, summary, progress)? {
                Consulted::Run(at) => decision = at,
                Consulted::Hold => {
                    self.delivery_held(d, summary);
                    return Ok(());
                }
            }
        }
        let run = self.delivery_run(d, &due);
        let delivered = self.copy_delivered(d, &due);
        if let Some((job, ids)) = &run {
            let outcome = match &delivered {
                Ok(()) => Outcome::default(),
                Err(e) => Outcome::failed(e.to_string()),
            };
            self.emit(&lineage::RunEvent::end(
                job,
                ids,
                &self.now(),
                &self.places(),
                &outcome,
            ));
        }
        delivered?;
        if let (Some(decision), Some(batch)) = (decision, due.iter().map(|d| d.exported).max()) {
            self.decision_ran(&d.workspace, decision, batch)?;
        }
        Ok(())
    }

    /// Replaces the group's tables with what its due exports hold, in one
    /// transaction of the container's database.
    fn copy_delivered(&self, d: &DeliverySpec, due: &[Due<'_>]) -> Result<(), EngineError> {
        let mut conn = open_db(&self.container_path(&d.container))?;
        let context = format!("cannot deliver group `{}.{}`", d.workspace, d.group);
        let tx = conn.transaction().map_err(sql(context.clone()))?;
        for due in due {
            let ds = due.dataset;
            for statement in SQL.deliver(&ds.table, &ds.export, &ds.columns) {
                tx.execute(&statement, []).map_err(sql(context.clone()))?;
            }
            tx.execute(&SQL.set_export_state(MAIN), params![ds.table, due.exported])
                .map_err(sql(context.clone()))?;
        }
        tx.commit().map_err(sql(context))
    }

    /// The delivery's run, begun (`START`): identified by the newest batch
    /// it delivers and when it began, the child of that batch's run.
    fn delivery_run<'d>(
        &self,
        d: &'d DeliverySpec,
        due: &[Due<'_>],
    ) -> Option<(&'d JobLineage, RunIds)> {
        let job = d.lineage.as_ref()?;
        let newest = due.iter().max_by_key(|d| d.exported)?;
        let started = self.now();
        let marks = [(
            d.workspace.clone(),
            newest.dataset.stream.clone(),
            newest.exported,
        )];
        let ids = match self.open_merge() {
            Ok(merge) => super::lineage::run_ids(&merge, job, newest.exported, &started, &marks),
            Err(_) => RunIds::batch(job, newest.exported, &started),
        };
        self.emit(&lineage::RunEvent::start(
            job,
            &ids,
            &started,
            &self.places(),
        ));
        Some((job, ids))
    }

    /// Tells lineage that a delivery that was due did not run: the
    /// workspace's hook held it.
    fn delivery_held(&self, d: &DeliverySpec, summary: &RunSummary) {
        if let Some(job) = &d.lineage {
            self.aborted(job, &d.workspace, summary);
        }
    }
}
