#!/usr/bin/env bash
# Runs examples/airflow/model end to end on this machine, with PostgreSQL and
# Apache Airflow 3.1 as `.ci/external` makes them (docs/airflow.md explains
# each step):
#
#   1. makes a login role and two databases: the merge database, where the
#      consumers' views live, named $DATASURFACE_E2E_DATABASE (default: a fresh
#      name), and the source database beside it (<name>_source), loaded from
#      source.sql;
#   2. writes a copy of the model naming those databases, renders its
#      `airflow` platform and applies it (`datasurface job apply`);
#   3. runs each DAG once in dependency order with `airflow dags test`
#      (ingest NW_Data, the masking transformer, ingest its output);
#   4. prints each consumer view's row count;
#   5. changes the source (one row changed, one deleted, one added), runs the
#      ingest DAG again, and shows the live view and the forensic history;
#   6. shows the masking transformer's hook's decisions (its DAG's decision
#      task ran `datasurface job decide` before the transformer), then breaks
#      the hook (a module that does not match its pin, failing closed) and
#      runs the transformer's DAG again: the decision task is skipped, and
#      the transformer with it.
#
# Uses the `datasurface` on PATH, or builds it from this repository (into
# cargo's target directory, `CARGO_TARGET_DIR` included). Exits non-zero if
# any task fails or a check does not hold. Leaves the databases, their login
# role (named as the merge database, made for this run) and the work
# directory for inspection, and prints how to remove them:
#
#   examples/airflow/run-local.sh --clean NAME
#
# drops the merge database NAME, NAME_source, the role NAME and the
# transformer roles `job apply` made for NAME (their names start with it).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# step, check_name, use_datasurface, new_password, make_role_and_databases, clean_and_exit
source "$here/../lib/local.sh"

if [ "${1:-}" = "--clean" ]; then
    clean_and_exit "${2:?usage: run-local.sh --clean NAME}"
fi

venv="${DATASURFACE_AIRFLOW_VENV:-$HOME/.cache/datasurface/airflow-3.1}"
database="${DATASURFACE_E2E_DATABASE:-nw_e2e_$(date +%s)_$$}"
source_db="${database}_source"
check_name "$database"
work="$(mktemp -d "${TMPDIR:-/tmp}/datasurface-airflow-XXXXXX")"

use_datasurface "$root"
export PATH="$venv/bin:$PATH"
command -v airflow >/dev/null || { echo "error: no Apache Airflow at $venv: run .ci/external" >&2; exit 2; }

# This run's own login role, named as its merge database: no role another
# run or another user shares has its password changed.
role="$database"
step "PostgreSQL: role $role, databases $database and $source_db"
password="$(new_password)"
# CREATEROLE: applying a transformer makes the role its queries run as.
make_role_and_databases "$role" CREATEROLE "$password" "$database" "$source_db"
echo "clean up afterwards: $0 --clean $database"
# The credentials the rendering names (airflow/secrets.md), by environment variable.
export DATASURFACE_CREDENTIAL_MERGE_RW_USER="$role"
export DATASURFACE_CREDENTIAL_MERGE_RW_PASSWORD="$password"
export DATASURFACE_CREDENTIAL_NW_READER_USER="$role"
export DATASURFACE_CREDENTIAL_NW_READER_PASSWORD="$password"
export PGPASSWORD="$password"
src() { psql -X -q -v ON_ERROR_STOP=1 -h localhost -U "$role" -d "$source_db" "$@"; }
merge() { psql -X -q -v ON_ERROR_STOP=1 -h localhost -U "$role" -d "$database" "$@"; }
src -f "$here/source.sql"

step "model, rendering and apply (work directory $work)"
cp -r "$here/model" "$work/model"
sed -i "s/database: nw_source/database: $source_db/" "$work/model/zones/usa/teams/northwindteam.yaml"
sed -i "s/mergeDatabase: nw_merge/mergeDatabase: $database/" "$work/model/ecosystem.yaml"
datasurface check "$work/model"
datasurface render "$work/model" --out "$work/rendering"
datasurface job apply "$work/model"

step "Apache Airflow: a metadata database in $work/airflow"
export AIRFLOW_HOME="$work/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$work/rendering/artifacts/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
airflow db migrate >"$work/airflow-migrate.log" 2>&1 || { cat "$work/airflow-migrate.log" >&2; exit 1; }

# A DAG's id, from its spec (dags/ingest/*.json, dags/transformer/*.json).
dag_id() { sed -n 's/^  "dagId": "\(.*\)",$/\1/p' "$1"; }
# Ingestions of sources first, then transformers, then the ingestions of their outputs.
order=()
for f in "$work"/rendering/artifacts/dags/ingest/*.json; do
    grep -q 'datasurface://[^"]*/transformer/' "$f" || order+=("$f")
done
order+=("$work"/rendering/artifacts/dags/transformer/*.json)
for f in "$work"/rendering/artifacts/dags/ingest/*.json; do
    grep -q 'datasurface://[^"]*/transformer/' "$f" && order+=("$f")
done

run_dag() {
    local id="$1" log="$work/dag-$1.log"
    echo "airflow dags test $id"
    if ! airflow dags test "$id" >"$log" 2>&1 || ! grep -q "DagRun Finished: .*state=success" "$log"; then
        grep -E "datasurface|error|ERROR|Task failed|state=" "$log" | tail -n 40 >&2
        echo "error: DAG $id failed (log: $log)" >&2
        exit 1
    fi
    # The job's own lines, from the task's log.
    sed -n 's/.*\] \(\(stream\|transformer\) `.*\) \[airflow\..*/  \1/p' "$log"
}
step "running each DAG once, in dependency order"
for f in "${order[@]}"; do
    run_dag "$(dag_id "$f")"
done

step "the consumers' views"
merge -At -F ' ' <<'SQL'
SELECT format('%s.%s: %s rows', table_schema, table_name,
              (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text)
FROM information_schema.views
WHERE table_schema LIKE 'nw\_%' ESCAPE '\'
ORDER BY 1;
SQL
masked="$(merge -At -c "SELECT count(*) FROM nw_productanalytics.reporting_masked_nw_data_customers WHERE contact_name <> '***'")"
[ "$masked" = 0 ] || { echo "error: $masked customers are not masked" >&2; exit 1; }
echo "every customer's contact name is masked"

step "a change at the source: product 1 repriced, product 2 deleted, product 1000 added"
src -c "UPDATE products SET unit_price = 99.99 WHERE product_id = 1" \
    -c "DELETE FROM products WHERE product_id = 2" \
    -c "INSERT INTO products VALUES (1000, 'Northwind Tea', 1, 1, '10 boxes', 12.50, 40, false)"
run_dag "$(dag_id "$work/rendering/artifacts/dags/ingest/NW_Data.json")"
live="$(merge -At -F ' ' -c "SELECT product_id, unit_price FROM nw_productanalytics.reporting_nw_data_products WHERE product_id IN (1, 2, 1000) ORDER BY 1")"
history="$(merge -At -F ' ' -c "SELECT product_id, unit_price, ds_surf_batch_in, ds_surf_batch_out FROM nw_audit.changes_nw_data_products_history WHERE product_id IN (1, 2, 1000) ORDER BY 1, 3")"
printf 'live (product_id unit_price):\n%s\nhistory (product_id unit_price batch_in batch_out):\n%s\n' "$live" "$history"
expected_live=$'1 99.99\n1000 12.50'
expected_history=$'1 21.91 1 2\n1 99.99 2 2147483647\n2 67.14 1 2\n1000 12.50 2 2147483647'
[ "$live" = "$expected_live" ] || { echo "error: the live view does not show the change" >&2; exit 1; }
[ "$history" = "$expected_history" ] || { echo "error: the forensic history is not as expected" >&2; exit 1; }

step "the masking transformer's hook decided (datasurface job decide, in the DAG's decision task)"
decisions="$(merge -At -F ' ' -c "SELECT decision, event, action, decided_by, run FROM nw.hook_decision WHERE workspace = 'MaskCustomersWorkSpace' ORDER BY decision")"
echo "$decisions (decision, event, action, decided by, the transformer's run it let go)"
[ "$decisions" = "1 manualRun run hook 1" ] || { echo "error: the hook's decision is not recorded as expected" >&2; exit 1; }

step "a hook that cannot be used, failing closed: the decision task skips the transformer"
team_file="$(ls "$work"/model/zones/*/teams/*.yaml)"
sed -i -e 's/sha256: a6e1060870315ce6c04fbb28a25487793b60f494f4d6101b807daf20ea558c19/sha256: 0000000000000000000000000000000000000000000000000000000000000000/' \
       -e 's/      events: \[batchCommitted, scheduleTick, manualRun\]/      events: [batchCommitted, scheduleTick, manualRun]\n      onFailure: failClosed/' "$team_file"
rm -rf "$work/rendering"
datasurface render "$work/model" --out "$work/rendering"
datasurface job apply "$work/model"
runs_before="$(merge -At -c "SELECT count(*) FROM nw.batch_metrics WHERE stream_key = 'transformer:MaskCustomersWorkSpace'")"
run_dag "$(dag_id "$work/rendering/artifacts/dags/transformer/MaskCustomersWorkSpace.json")"
transform_log="$work/dag-$(dag_id "$work/rendering/artifacts/dags/transformer/MaskCustomersWorkSpace.json").log"
# The decision task ran and was left skipped; the transformer's task never ran.
grep -q "new_state=skipped" "$transform_log" || { echo "error: the decision task was not skipped" >&2; exit 1; }
[ "$(grep -c "Running command: .*datasurface job transform" "$transform_log")" = 0 ] \
    || { echo "error: the transformer's task ran after a skipped decision" >&2; exit 1; }
runs_after="$(merge -At -c "SELECT count(*) FROM nw.batch_metrics WHERE stream_key = 'transformer:MaskCustomersWorkSpace'")"
[ "$runs_before" = "$runs_after" ] || { echo "error: the transformer ran although its hook failed closed" >&2; exit 1; }
last="$(merge -At -F ' ' -c "SELECT action, decided_by FROM nw.hook_decision WHERE workspace = 'MaskCustomersWorkSpace' ORDER BY decision DESC LIMIT 1")"
[ "$last" = "skip failedClosed" ] || { echo "error: the failed hook's decision is '$last'" >&2; exit 1; }
merge -c "SELECT decision, event, action, decided_by, left(reason, 100) AS reason FROM nw.hook_decision ORDER BY decision"

step "batch metrics"
merge -c "SELECT stream_key, batch_id, status, rows_total AS read, rows_inserted AS ins, rows_updated AS upd, rows_deleted AS del, round(seconds::numeric, 2) AS seconds FROM nw.batch_metrics ORDER BY batch_start"
echo "done: merge database $database, source $source_db, role $role, work directory $work"
echo "clean up: $0 --clean $database (and rm -rf $work)"
