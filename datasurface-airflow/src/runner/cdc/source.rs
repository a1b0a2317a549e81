//! The source side of a change data capture stream: the login, its
//! tables, the publication and the slot.

use std::collections::BTreeMap;

use datasurface_runtime::pgoutput::Lsn;

use super::super::sources;
use super::super::{BatchFailure, JobError, Login, errors, failure};
use crate::names::quoted;
use crate::spec::{CdcSpec, IngestSpec, SourceSpec};

/// Connects to the stream's source for its slot, refusing a login that can
/// do more than change data capture needs.
pub(super) fn connect(
    spec: &IngestSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<postgres::Client, BatchFailure> {
    let (mut client, name) = sources::connect_source(&spec.source, login)?;
    let container = match &spec.source {
        SourceSpec::Postgres { container, .. } => container.as_str(),
        _ => "",
    };
    let row = client
        .query_one(
            "SELECT rolsuper, rolreplication, current_user::text FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .map_err(|e| failure!("source container `{container}`: {}", errors::text(&e)))?;
    let (superuser, replication, user): (bool, bool, String) = (row.get(0), row.get(1), row.get(2));
    if superuser {
        return Err(failure!(
            "credential `{name}` logs in to source container `{container}` as a superuser: change data capture needs only REPLICATION and SELECT on the stream's tables, and the runner refuses more (docs/airflow.md)"
        ));
    }
    if !replication {
        return Err(failure!(
            "credential `{name}` cannot read source container `{container}`'s changes: its role needs the REPLICATION attribute (`ALTER ROLE {} REPLICATION`, by the source's administrator)",
            quoted(&user)
        ));
    }
    Ok(client)
}

/// A source table of the stream: its name as the source writes it, its
/// schema and name apart (as a decoded relation names them), and the
/// source's name of each of the dataset's columns, in order.
pub(super) struct Table {
    pub(super) shown: String,
    pub(super) namespace: String,
    pub(super) name: String,
    pub(super) columns: Vec<String>,
    /// The source's types by id and modifier, as `format_type` writes them.
    pub(super) types: BTreeMap<(u32, i32), String>,
    /// The source's columns the model does not name: never published.
    pub(super) ignored: Vec<String>,
}

/// Finds each dataset's table and columns, and refuses a table whose
/// updates and deletes a publication would stop: one with no key to
/// identify its rows by.
pub(super) fn tables(
    client: &mut postgres::Client,
    spec: &IngestSpec,
) -> Result<Vec<Table>, BatchFailure> {
    let mut out = Vec::with_capacity(spec.datasets.len());
    for d in &spec.datasets {
        let fail = |e: &postgres::Error| failure!("dataset `{}`: {}", d.dataset, errors::text(e));
        let row = client
            .query_opt(
                "SELECT format('%I.%I', n.nspname, c.relname), n.nspname::text, c.relname::text, \
                        c.relreplident::text, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)",
                &[&d.source_table],
            )
            .map_err(|e| fail(&e))?;
        let Some(row) = row else {
            return Err(failure!(
                "dataset `{}`: the source database has no table `{}`",
                d.dataset,
                d.source_table
            ));
        };
        let (shown, namespace, name, identity, has_key): (String, String, String, String, bool) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        if identity == "n" || (identity == "d" && !has_key) {
            return Err(failure!(
                "dataset `{}`: the source table `{shown}` has no primary key or replica identity, so once published its updates and deletes would fail at the source: give it a primary key (or `ALTER TABLE … REPLICA IDENTITY FULL`) before reading its changes",
                d.dataset
            ));
        }
        let rows = client
            .query(
                "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod \
                 FROM pg_attribute a \
                 WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                &[&d.source_table],
            )
            .map_err(|e| fail(&e))?;
        let present: Vec<(String, Option<String>)> =
            rows.iter().map(|r| (r.get(0), Some(r.get(1)))).collect();
        let types = rows
            .iter()
            .map(|r| ((r.get::<_, u32>(2), r.get::<_, i32>(3)), r.get(1)))
            .collect();
        let columns: Vec<String> = sources::match_columns(d, &shown, &present)?
            .into_iter()
            .map(str::to_owned)
            .collect();
        let ignored = present
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| !columns.contains(name))
            .collect();
        out.push(Table {
            shown,
            namespace,
            name,
            columns,
            types,
            ignored,
        });
    }
    Ok(out)
}

/// Makes the publication hold exactly the stream's tables and columns,
/// or says what the source's owner must run when the login may not.
pub(super) fn publish(
    client: &mut postgres::Client,
    cdc: &CdcSpec,
    tables: &[Table],
) -> Result<(), BatchFailure> {
    let fail =
        |e: &postgres::Error| failure!("publication `{}`: {}", cdc.publication, errors::text(e));
    let mut wanted: Vec<(String, Vec<String>)> = tables
        .iter()
        .map(|t| {
            let mut columns = t.columns.clone();
            columns.sort();
            (t.shown.clone(), columns)
        })
        .collect();
    wanted.sort();
    let exists = client
        .query_opt(
            "SELECT 1 FROM pg_publication WHERE pubname = $1",
            &[&cdc.publication],
        )
        .map_err(|e| fail(&e))?
        .is_some();
    if exists {
        let mut held: Vec<(String, Vec<String>)> = client
            .query(
                "SELECT format('%I.%I', schemaname, tablename), attnames::text[] FROM pg_publication_tables WHERE pubname = $1",
                &[&cdc.publication],
            )
            .map_err(|e| fail(&e))?
            .iter()
            .map(|r| {
                let mut columns: Vec<String> = r.get(1);
                columns.sort();
                (r.get(0), columns)
            })
            .collect();
        held.sort();
        if held == wanted {
            return Ok(());
        }
    }
    let mut list = String::new();
    for (n, t) in tables.iter().enumerate() {
        if n > 0 {
            list.push_str(", ");
        }
        list.push_str(&t.shown);
        list.push_str(" (");
        crate::names::push_quoted_list(&mut list, t.columns.iter().map(String::as_str));
        list.push(')');
    }
    let statement = if exists {
        format!(
            "ALTER PUBLICATION {} SET TABLE {list}",
            quoted(&cdc.publication)
        )
    } else {
        format!(
            "CREATE PUBLICATION {} FOR TABLE {list}",
            quoted(&cdc.publication)
        )
    };
    let mut tx = client.transaction().map_err(|e| fail(&e))?;
    let done = tx
        .batch_execute(&format!("SET TRANSACTION READ WRITE; {statement}"))
        .and_then(|()| tx.commit());
    match done {
        Ok(()) => Ok(()),
        Err(e) => Err(failure!(
            "the stream's publication `{}` is missing or does not hold exactly its tables and columns, and the source credential cannot make it so ({}): have the owner of the tables run `{statement};` on the source database",
            cdc.publication,
            errors::text(&e)
        )),
    }
}

/// The slot's position of what it has confirmed, if the slot exists.
///
/// A slot another session is reading is waited for, up to
/// [`SLOT_BUSY_FOR`]: a runner killed while it read leaves its session
/// until the server notices (within a second); one still reading after
/// that is another program's, and the batch stops naming its process.
pub(super) fn slot(
    client: &mut postgres::Client,
    cdc: &CdcSpec,
) -> Result<Option<Lsn>, BatchFailure> {
    let started = std::time::Instant::now();
    loop {
        let row = client
            .query_opt(
                "SELECT coalesce(confirmed_flush_lsn, restart_lsn)::text, active_pid, \
                        coalesce(database::text, ''), database IS NOT DISTINCT FROM current_database() \
                        AND plugin IS NOT DISTINCT FROM 'pgoutput' \
                 FROM pg_replication_slots WHERE slot_name = $1",
                &[&cdc.slot],
            )
            .map_err(|e| failure!("replication slot `{}`: {}", cdc.slot, errors::text(&e)))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (at, reader, database, ours): (Option<String>, Option<i32>, String, bool) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if !ours {
            return Err(failure!(
                "replication slot `{}` on the source's server is not this stream's: it decodes database `{database}` (or another plugin than `pgoutput`), not the source's; have the server's administrator drop it (`SELECT pg_drop_replication_slot('{}')`) once nothing reads it, then apply again",
                cdc.slot,
                cdc.slot
            ));
        }
        match reader {
            Some(pid) if started.elapsed() >= SLOT_BUSY_FOR => {
                return Err(failure!(
                    "replication slot `{}` is being read by process {pid} on the source, which is not this stream's runner: stop that reader (`SELECT pg_terminate_backend({pid})`, by the source's administrator)",
                    cdc.slot
                ));
            }
            Some(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
            None => return Ok(Some(at.as_deref().and_then(Lsn::parse).unwrap_or_default())),
        }
    }
}

/// How long a batch waits for a slot another session holds.
const SLOT_BUSY_FOR: std::time::Duration = std::time::Duration::from_secs(15);
