#!/usr/bin/env bash
# Runs examples/spark/model end to end on this machine, with PostgreSQL and
# pyspark 4 (Spark in local mode) as `.ci/external` makes them
# (docs/spark.md explains each step):
#
#   1. makes a login role and a source database, named
#      $DATASURFACE_E2E_DATABASE (default: a fresh name), loaded from
#      ../airflow/source.sql;
#   2. writes a copy of the model naming that database and a fresh
#      warehouse folder, checks and renders its `spark` platform;
#   3. runs each job once in dependency order with `datasurface job spark`
#      (ingest NW_Data, ask the masking transformer's hook, run the
#      transformer, ingest its output);
#   4. reads every consumer view with Spark and checks that each of
#      ProductAnalytics' views holds the same rows as on the embedded
#      `sqlite` platform (`datasurface up --all` on examples/models/northwind,
#      whose SQLite source holds the same rows), and that every customer's
#      contact name is masked;
#   5. changes the source (one row changed, one deleted, one added), runs
#      the ingest again, and checks the live view and the forensic history;
#   6. asks the hook again: after that batch it runs the transformer, after
#      a batch that changed nothing it does not (exit 99); prints the run
#      state (`job spark --status`) and the OpenLineage events every run
#      sent (each `START` ended, the hook's skip an `ABORT`, the
#      transformer's runs children of the batches that made them due).
#
# Uses the `datasurface` on PATH, or builds it from this repository. Exits
# non-zero if a job fails or a check does not hold. Leaves the database, its
# login role and the work directory for inspection, and prints how to remove
# them:
#
#   examples/spark/run-local.sh --clean NAME
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# step, check_name, use_datasurface, new_password, make_role_and_databases, clean_and_exit
source "$here/../lib/local.sh"

if [ "${1:-}" = "--clean" ]; then
    clean_and_exit "${2:?usage: run-local.sh --clean NAME}"
fi

venv="${DATASURFACE_SPARK_VENV:-$HOME/.cache/datasurface/spark-4}"
database="${DATASURFACE_E2E_DATABASE:-nw_spark_$(date +%s)_$$}"
check_name "$database"
work="$(mktemp -d "${TMPDIR:-/tmp}/datasurface-spark-XXXXXX")"

use_datasurface "$root"
[ -x "$venv/bin/spark-submit" ] || { echo "error: no pyspark at $venv: run .ci/external" >&2; exit 2; }
submit="$venv/bin/spark-submit"
SPARK_HOME="$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_HOME PYSPARK_PYTHON="$venv/bin/python"

role="$database"
step "PostgreSQL: role $role, source database $database"
password="$(new_password)"
make_role_and_databases "$role" "" "$password" "$database"
echo "clean up afterwards: $0 --clean $database"
# The source's credential, `nw_reader`, by the variables the job spec names.
export DATASURFACE_CREDENTIAL_NW_READER_USER="$role"
export DATASURFACE_CREDENTIAL_NW_READER_PASSWORD="$password"
export PGPASSWORD="$password"
src() { psql -X -q -v ON_ERROR_STOP=1 -h localhost -U "$role" -d "$database" "$@"; }
src -f "$here/../airflow/source.sql"

step "model and rendering (work directory $work)"
cp -r "$here/model" "$work/model"
sed -i "s/database: nw_source/database: $database/" "$work/model/zones/usa/teams/northwindteam.yaml"
sed -i "s#warehouse: /var/lib/datasurface/warehouse#warehouse: $work/warehouse#" "$work/model/ecosystem.yaml"
datasurface check "$work/model"
datasurface render "$work/model" --out "$work/rendering"

# Every run sends its OpenLineage events to a file (`--lineage`).
lineage="$work/lineage.jsonl"
job() { datasurface job spark "$work/model" --spark-submit "$submit" --lineage "$lineage" "$@"; }
step "running each job once, in dependency order"
decide() {
    job --transformer MaskCustomersWorkSpace --decide --run-type asset_triggered \
        --deployed-spec "$work/rendering/artifacts/jobs/transformer/MaskCustomersWorkSpace.json"
}
job --stream NW_Data
decide
job --transformer MaskCustomersWorkSpace
job --stream Masked_NW_Data

# Each view of a group's views file, every row as sorted JSON, one file per
# view in $2 (named database.view), read by one Spark application.
cat >"$work/views.py" <<'PY'
import decimal, json, os, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
out = sys.argv[1]
for path in sys.argv[2:]:
    text = open(path).read()
    for statement in text.split(";\n"):
        lines = [l for l in statement.splitlines() if not l.startswith("--")]
        if "".join(lines).strip():
            spark.sql("\n".join(lines))
def plain(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, decimal.Decimal):
        return str(v)
    return v
for db in spark.catalog.listDatabases():
    for t in spark.catalog.listTables(db.name):
        if t.tableType != "VIEW" or t.isTemporary:
            continue
        rows = sorted(json.dumps({k: plain(v) for k, v in r.asDict().items()}, sort_keys=True)
                      for r in spark.table("%s.%s" % (db.name, t.name)).collect())
        with open(os.path.join(out, "%s.%s" % (db.name, t.name)), "w") as f:
            f.write("\n".join(rows) + "\n")
spark.stop()
PY
views() {
    rm -rf "$work/views" && mkdir -p "$work/views"
    "$submit" --master 'local[1]' --conf spark.ui.enabled=false "$work/views.py" "$work/views" \
        "$work"/rendering/artifacts/views/*/*.sql 2>"$work/views.log" \
        || { tail -n 20 "$work/views.log" >&2; echo "error: Spark could not read the views" >&2; exit 1; }
}
step "the consumers' views, read by Spark"
views
for f in "$work"/views/*; do echo "$(basename "$f"): $(wc -l <"$f") rows"; done

step "the same rows as on the embedded sqlite platform"
cp -r "$root/examples/models/northwind" "$work/sqlite"
(cd "$work/sqlite" && datasurface up . --all >"$work/sqlite-up.log" 2>&1) \
    || { cat "$work/sqlite-up.log" >&2; echo "error: datasurface up failed" >&2; exit 1; }
python3 - "$work/sqlite/datasurface-state/containers/Test_Azure_SQL.sqlite" "$work/views" <<'PY'
import json, sqlite3, sys
db, views = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
failed = False
for store, dataset in [("Masked_NW_Data", "customers"), ("NW_Data", "products"), ("NW_Data", "suppliers")]:
    cur = con.execute('SELECT * FROM "ProductAnalytics__Reporting__%s__%s"' % (store, dataset))
    names = [d[0] for d in cur.description]
    sqlite_rows = sorted(json.dumps({k: (None if v is None else str(v) if k == "unit_price" else v)
                                     for k, v in zip(names, row) if not k.startswith("ds_surf_")}, sort_keys=True)
                         for row in cur.fetchall())
    spark_file = "%s/productanalytics.reporting__%s__%s" % (views, store.lower(), dataset)
    spark_rows = sorted(json.dumps({k: v for k, v in json.loads(l).items() if not k.startswith("ds_surf_")}, sort_keys=True)
                        for l in open(spark_file).read().splitlines() if l)
    if sqlite_rows == spark_rows:
        print("%s.%s: the same %d rows" % (store, dataset, len(spark_rows)))
    else:
        failed = True
        only = lambda a, b: sorted(set(a) - set(b))[:3]
        print("error: %s.%s differs: sqlite %d rows, spark %d; only on sqlite %s; only on spark %s"
              % (store, dataset, len(sqlite_rows), len(spark_rows), only(sqlite_rows, spark_rows), only(spark_rows, sqlite_rows)),
              file=sys.stderr)
sys.exit(1 if failed else 0)
PY
masked="$(grep -vc '"contact_name": "\*\*\*"' "$work/views/productanalytics.reporting__masked_nw_data__customers" || true)"
[ "$masked" = 0 ] || { echo "error: $masked customers are not masked" >&2; exit 1; }
echo "every customer's contact name is masked"

step "a change at the source: product 1 repriced, product 2 deleted, product 1000 added"
src -c "UPDATE products SET unit_price = 99.99 WHERE product_id = 1" \
    -c "DELETE FROM products WHERE product_id = 2" \
    -c "INSERT INTO products VALUES (1000, 'Northwind Tea', 1, 1, '10 boxes', 12.50, 40, false)"
job --stream NW_Data
views
pick() {
    python3 - "$@" <<'PY'
import json, sys
path, fields = sys.argv[1], sys.argv[2:]
rows = [json.loads(l) for l in open(path).read().splitlines() if l]
rows = [r for r in rows if r["product_id"] in (1, 2, 1000)]
for r in sorted(rows, key=lambda r: [r[f] for f in fields]):
    print(" ".join(str(r[f]) for f in fields))
PY
}
live="$(pick "$work/views/productanalytics.reporting__nw_data__products" product_id unit_price)"
history="$(pick "$work/views/audit.changes__nw_data__products__history" product_id ds_surf_batch_in unit_price ds_surf_batch_out)"
printf 'live (product_id unit_price):\n%s\nhistory (product_id batch_in unit_price batch_out):\n%s\n' "$live" "$history"
expected_live=$'1 99.99\n1000 12.50'
expected_history=$'1 1 21.91 2\n1 2 99.99 2147483647\n2 1 67.14 2\n1000 2 12.50 2147483647'
[ "$live" = "$expected_live" ] || { echo "error: the live view does not show the change" >&2; exit 1; }
[ "$history" = "$expected_history" ] || { echo "error: the forensic history is not as expected" >&2; exit 1; }

step "the transformer's hook: a batch with changes runs it, one without does not"
decide
job --stream NW_Data
status=0
decide || status=$?
[ "$status" = 99 ] || { echo "error: the hook ran the transformer after a batch that changed nothing (exit $status)" >&2; exit 1; }
decisions="$(find "$work/warehouse/Masked_NW_Data/meta/decisions" -name '*.json' | wc -l)"
[ "$decisions" = 3 ] || { echo "error: $decisions hook decisions recorded, not 3" >&2; exit 1; }
echo "the hook ran the transformer twice and skipped it once: $decisions decisions recorded"

step "the run state, as node_exporter's textfile collector reads it"
job --status | grep -E '^datasurface_(batches_total|hook_decisions_total)\{'

step "the OpenLineage events each run sent ($lineage)"
python3 - "$lineage" <<'PY'
import collections, json, sys

events = [json.loads(line) for line in open(sys.argv[1])]
runs = collections.defaultdict(list)
for e in events:
    runs[(e["job"]["name"], e["run"]["runId"])].append(e["eventType"])
for (job, run), kinds in sorted(runs.items()):
    print("%-40s %s %s" % (job, run[:8], " ".join(kinds)))
    if kinds not in (["START", "COMPLETE"], ["START", "FAIL"], ["ABORT"]):
        sys.exit("error: run %s of %s sent %s" % (run, job, kinds))
transformer = [e for e in events if e["job"]["name"].startswith("transform.") and e["eventType"] in ("START", "ABORT")]
if not transformer or not all(e["run"]["facets"].get("parent") for e in transformer):
    sys.exit("error: a transformer's run names no parent batch")
held = sum(1 for e in events if e["eventType"] == "ABORT")
if held != 1:
    sys.exit("error: %d runs were held, and the hook skipped the transformer once" % held)
print("runs: %d, each started and ended or held (%d held by the hook); transformer runs: %d, each the child of a batch" % (len(runs), held, len(transformer)))
PY

echo "done: source database $database, role $role, warehouse $work/warehouse"
echo "clean up: $0 --clean $database (and rm -rf $work)"
