//! How far a change data capture stream's replication slot has fallen
//! behind its source, and whether it needs an operator: what `job status`
//! and `/metrics` report of it. Reads only.

use datasurface_runtime::SlotState;
use datasurface_runtime::pgoutput::Lsn;
use datasurface_runtime::state::{BATCH_METRICS, BatchStatus};

use super::super::{JobError, Login, Merge, errors};
use super::source::connect;
use crate::spec::{CdcSpec, IngestSpec};

/// What the source's server says of a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    /// Bytes of log from where the slot restarts decoding (what the
    /// server keeps for it) to the current position.
    pub(super) lag_bytes: u64,
    /// The slot's position.
    pub(super) at: Lsn,
    /// `wal_status`.
    pub(super) wal_status: String,
}

/// The commands that mend a stream's replication slot, as the platform
/// that runs the stream words them (each quoted as code, as in
/// `` `datasurface job apply` ``), for what a slot that needs an operator
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mends {
    /// Runs the stream's batches, and where they may be stuck.
    pub run: String,
    /// Makes the slot anew and loads a fresh snapshot.
    pub resync: String,
    /// Makes a slot that does not exist yet.
    pub make: String,
}

impl Mends {
    /// The commands: `run` the stream's batches, `resync` it (a new slot
    /// and a fresh snapshot), and `make` its slot.
    pub fn new(
        run: impl Into<String>,
        resync: impl Into<String>,
        make: impl Into<String>,
    ) -> Mends {
        Mends {
            run: run.into(),
            resync: resync.into(),
            make: make.into(),
        }
    }

    /// This platform's: `datasurface job …`.
    fn airflow(stream: &str) -> Mends {
        Mends {
            run: format!(
                "`datasurface job ingest --stream {stream}`: its DAG may be paused or failing"
            ),
            resync: format!("`datasurface job resync --stream {stream}`"),
            make: "`datasurface job apply`".to_owned(),
        }
    }
}

/// The state of `spec`'s replication slot, if it has one: read on its
/// source with the stream's own credential, and its age from the batches
/// the merge database recorded. A slot that cannot be read is reported as
/// needing an operator, with why.
pub(crate) fn slot_state(
    merge: &mut Merge,
    spec: &IngestSpec,
    committed: u64,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Option<SlotState> {
    state_of(
        spec,
        committed > 0,
        &mut |at| age(merge, &spec.stream, at).ok().flatten(),
        &Mends::airflow(&spec.stream),
        login,
    )
}

/// The state of `spec`'s replication slot, if it has one, for any
/// platform: `age` is how old the oldest change a slot at a position can
/// hold is, from the platform's batches; `ran` whether the stream has
/// committed a batch.
pub(crate) fn state_of(
    spec: &IngestSpec,
    ran: bool,
    age: &mut dyn FnMut(Lsn) -> Option<f64>,
    mends: &Mends,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Option<SlotState> {
    let cdc = super::of(spec)?;
    let found = match read(spec, cdc, login) {
        Ok(found) => found,
        Err(why) => {
            let mut state = SlotState::new(&cdc.slot);
            state.needs_operator = Some(format!(
                "cannot read replication slot `{}` on the source: {why}",
                cdc.slot
            ));
            return Some(state);
        }
    };
    let age_seconds = found.as_ref().and_then(|f| age(f.at));
    let mut state = SlotState::new(&cdc.slot);
    state.lag_bytes = found.as_ref().map(|f| f.lag_bytes);
    state.age_seconds = age_seconds;
    state.wal_status = found.as_ref().map(|f| f.wal_status.clone());
    state.needs_operator = verdict(cdc, found.as_ref(), age_seconds, ran, mends);
    Some(state)
}

/// The slot as the source's server reports it; none when it has no such
/// slot.
fn read(
    spec: &IngestSpec,
    cdc: &CdcSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<Option<Found>, String> {
    let mut client = connect(spec, login).map_err(|e| e.to_string())?;
    let row = client
        .query_opt(
            "SELECT greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), \
             coalesce(restart_lsn, confirmed_flush_lsn)), 0)::bigint, \
             coalesce(confirmed_flush_lsn, restart_lsn)::text, coalesce(wal_status, 'lost') \
             FROM pg_replication_slots WHERE slot_name = $1",
            &[&cdc.slot],
        )
        .map_err(|e| errors::text(&e))?;
    Ok(row.map(|row| {
        let (lag, at, wal_status): (Option<i64>, Option<String>, String) =
            (row.get(0), row.get(1), row.get(2));
        Found {
            lag_bytes: lag.and_then(|l| u64::try_from(l).ok()).unwrap_or_default(),
            at: at.as_deref().and_then(Lsn::parse).unwrap_or_default(),
            wal_status,
        }
    }))
}

/// Seconds since the oldest change a slot at `at` can hold was made: since
/// the start of the latest committed batch whose changes it let go of (it
/// read up to where the log was when it started), or of the stream's first
/// batch when none did.
fn age(merge: &mut Merge, stream: &str, at: Lsn) -> Result<Option<f64>, postgres::Error> {
    let metrics = merge.table(BATCH_METRICS);
    // One row each, whatever the stream's history: a scrape reads this.
    // The position is written by the runner; one that is not a position
    // is passed over rather than failing the read.
    let to = "state -> 'cdc' ->> 'advanceTo'";
    let since = |filter: &str, order: &str| {
        format!(
            "SELECT extract(epoch FROM now() - batch_start)::double precision FROM {metrics} \
             WHERE stream_key = $1 AND status = '{}'{filter} ORDER BY batch_id {order} LIMIT 1",
            BatchStatus::Committed
        )
    };
    let let_go = since(
        &format!(
            " AND CASE WHEN {to} ~ '^[0-9A-Fa-f]{{1,8}}/[0-9A-Fa-f]{{1,8}}$' \
             THEN ({to})::pg_lsn <= $2::text::pg_lsn ELSE false END"
        ),
        "DESC",
    );
    let at = at.to_string();
    if let Some(row) = merge.client.query_opt(&let_go, &[&stream, &at])? {
        return Ok(row.get(0));
    }
    Ok(merge
        .client
        .query_opt(&since("", "ASC"), &[&stream])?
        .and_then(|row| row.get(0)))
}

/// Why a slot needs an operator, and the command that mends it; none while
/// it keeps up. `ran` says whether the stream has committed a batch.
pub(super) fn verdict(
    cdc: &CdcSpec,
    found: Option<&Found>,
    age_seconds: Option<f64>,
    ran: bool,
    mends: &Mends,
) -> Option<String> {
    let resync = &mends.resync;
    let Some(found) = found else {
        return Some(if ran {
            format!(
                "replication slot `{}` is gone (dropped, or the source restored from a backup): the changes since the stream's last batch cannot be read; {resync} makes a new slot and loads a fresh snapshot",
                cdc.slot
            )
        } else {
            format!(
                "replication slot `{}` does not exist yet: {} makes it",
                cdc.slot, mends.make
            )
        });
    };
    if found.wal_status == "lost" {
        return Some(format!(
            "replication slot `{}` has lost changes it had not read (the source recycled its log past the slot, `max_slot_wal_keep_size`); {resync} makes a new slot and loads a fresh snapshot",
            cdc.slot
        ));
    }
    let mend = format!(
        "run its batches ({}), or let go of what the slot holds with {resync}, which loads a fresh snapshot",
        mends.run
    );
    if found.lag_bytes > cdc.lag_limit_bytes {
        return Some(format!(
            "replication slot `{}` holds {} MiB of the source's log, over the platform's limit of {} MiB (`slotLagLimitMib`): {mend}",
            cdc.slot,
            found.lag_bytes >> 20,
            cdc.lag_limit_bytes >> 20
        ));
    }
    #[allow(
        clippy::cast_precision_loss,
        reason = "a limit in seconds, far below 2^52"
    )]
    let limit = cdc.age_limit_seconds as f64;
    match age_seconds {
        Some(age) if age > limit => Some(format!(
            "replication slot `{}` holds changes {} minutes old, over the platform's limit of {} minutes (`slotAgeLimitMinutes`): {mend}",
            cdc.slot,
            minutes(age),
            cdc.age_limit_seconds / 60
        )),
        _ => None,
    }
}

/// Whole minutes in `seconds`.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "an age in minutes, rounded down; a negative one is 0"
)]
fn minutes(seconds: f64) -> u64 {
    (seconds / 60.0).max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cdc() -> CdcSpec {
        CdcSpec {
            slot: "dssurf_s".into(),
            publication: "dssurf_s".into(),
            snapshot_first: true,
            changes_table: "\"s\".\"Store_changes\"".into(),
            lag_limit_bytes: 10 << 20,
            age_limit_seconds: 3600,
        }
    }

    fn found(lag_bytes: u64, wal_status: &str) -> Found {
        Found {
            lag_bytes,
            at: Lsn::default(),
            wal_status: wal_status.into(),
        }
    }

    /// Each way a slot needs an operator names the command that mends it;
    /// a slot within both limits needs none.
    #[test]
    fn a_slot_needs_an_operator_past_a_limit_or_when_gone_and_says_the_mend() {
        let c = cdc();
        let ok = found(1 << 20, "reserved");
        let mends = Mends::airflow("Store");
        assert_eq!(verdict(&c, Some(&ok), Some(60.0), true, &mends), None);
        let cases = [
            (
                None,
                None,
                false,
                "does not exist yet: `datasurface job apply`",
            ),
            (None, None, true, "is gone"),
            (Some(found(0, "lost")), None, true, "has lost changes"),
            (
                Some(found(11 << 20, "extended")),
                None,
                true,
                "holds 11 MiB",
            ),
            (
                Some(ok.clone()),
                Some(3601.0 * 2.0),
                true,
                "120 minutes old",
            ),
        ];
        for (found, age, ran, says) in cases {
            let v = verdict(&c, found.as_ref(), age, ran, &mends).unwrap_or_default();
            assert!(v.contains(says), "{v}");
            if ran {
                assert!(v.contains("`datasurface job resync --stream Store`"), "{v}");
            }
        }
    }
}
