"""datasurface's Spark driver program: runs one rendered job spec.

    spark-submit driver.py ingest <spec.json> [--started YYYY-MM-DDThh:mm:ss.sssZ]
    spark-submit driver.py transform <spec.json>

(``--started`` is the batch's start as the runner that submitted it names
its run in OpenLineage events; by default the driver's clock.)

The same program for every model and stream: everything it does comes
from the spec, which holds only values (names, paths, Spark types). No
text of the model is ever run as code.

An ingestion batch reads the stream's source, merges each dataset by key
and row hash into its table in the warehouse, and commits by writing one
small file, ``meta/committed/<batch>.json``: readers see the batch whole or
not at all. A run that finds the output of an earlier, killed run of the
same batch removes it and runs the batch again.

A transformer's run makes each input a temporary view of its committed
live rows, and nothing else readable: queries on files are off, functions
that call Java are dropped, each query must parse as a query alone (no
command, no INSERT), and every table its plan reads must be one of the
inputs. Its results are staged, and ``staged/ready.json`` names them,
written whole, for the output store's stream to ingest.

Exit status: 0 the batch committed (or the transformer staged its output); 2 the job could not run (the spec, a
credential, the warehouse); 3 the batch failed: nothing of it is visible,
and ``meta/runs/<batch>.json`` says why.
"""

import datetime
import json
import os
import re
import sys
import traceback

SPEC_VERSION = 1
LIVE_PARTITION = "ds_batch"
TOTALS = "totals.json"
HISTORY_PARTITION = "ds_batch_out"
BATCH_IN = "ds_surf_batch_in"
ROW_HASH = "ds_surf_all_hash"
CLOSED_BY = "ds_surf_closed_by"
# How many rows a JDBC read fetches at a time.
JDBC_FETCH_SIZE = 10000
# How many times a mirror reads an `airflow` primary that keeps merging.
MIRROR_READS = 3


class CannotRun(Exception):
    """The job could not run: exit status 2."""


class BatchFailed(Exception):
    """The batch failed and was rolled back: exit status 3."""


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def quoted(name):
    """A column name as Spark's column parser reads it whole."""
    return "`" + name.replace("`", "``") + "`"


class Warehouse:
    """Files in the warehouse, through Hadoop's file system API, so a local
    path and an object store URL are read and written alike."""

    def __init__(self, spark):
        self.jvm = spark._jvm
        self.conf = spark._jsc.hadoopConfiguration()

    def _path(self, path):
        return self.jvm.org.apache.hadoop.fs.Path(path)

    def _fs(self, path):
        return self._path(path).getFileSystem(self.conf)

    def exists(self, path):
        return self._fs(path).exists(self._path(path))

    def delete(self, path):
        if self.exists(path):
            self._fs(path).delete(self._path(path), True)

    def qualified(self, path):
        """The path as Spark names what it read: with its file system."""
        return self._fs(path).makeQualified(self._path(path)).toString()

    def regular_file(self, path):
        """Whether ``path`` is a regular file, not a link to one: a drop
        folder's link could name a file its team may not read."""
        fs = self._fs(path)
        if not fs.exists(self._path(path)):
            return False
        status = fs.getFileLinkStatus(self._path(path))
        return status.isFile() and not status.isSymlink()

    def children(self, path):
        if not self.exists(path):
            return []
        return [s.getPath().getName() for s in self._fs(path).listStatus(self._path(path))]

    def read(self, path):
        fs = self._fs(path)
        stream = fs.open(self._path(path))
        try:
            reader = self.jvm.java.io.BufferedReader(
                self.jvm.java.io.InputStreamReader(stream, "UTF-8")
            )
            lines = []
            line = reader.readLine()
            while line is not None:
                lines.append(line)
                line = reader.readLine()
            return "\n".join(lines)
        finally:
            stream.close()

    def write(self, path, text, scratch):
        """Writes ``text`` to ``path`` whole: to a scratch file first, then
        renamed into place, so a reader never sees half of it."""
        fs = self._fs(path)
        tmp = self._path("%s/%s-%d" % (scratch, os.path.basename(path), os.getpid()))
        out = fs.create(tmp, True)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()
        target = self._path(path)
        fs.mkdirs(target.getParent())
        if fs.exists(target):
            fs.delete(target, False)
        if not fs.rename(tmp, target):
            raise CannotRun("cannot move %s into place" % path)


def committed_batches(files, root):
    """The committed batches of the stream whose directory is ``root``, in order."""
    batches = []
    for name in files.children(root + "/meta/committed"):
        stem = name[: -len(".json")] if name.endswith(".json") else ""
        if stem.isdigit():
            batches.append(int(stem))
    return sorted(batches)


def load_spec(path):
    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        raise CannotRun("cannot read the job spec %s: %s" % (path, e))
    if spec.get("version") != SPEC_VERSION:
        raise CannotRun(
            "the job spec %s is format %r, and this driver runs format %d: render the model with the datasurface that shipped this driver"
            % (path, spec.get("version"), SPEC_VERSION)
        )
    return spec


class Ingest:
    def __init__(self, spark, spec, out, started=None):
        from pyspark.sql import functions

        self.F = functions
        self.spark = spark
        self.spec = spec
        self.out = out
        self.files = Warehouse(spark)
        self.root = spec["root"]
        self.meta = self.root + "/meta"
        # A transformer's staged output, read once per batch.
        self.ready = None
        # The primary's batch a mirror reads, chosen once per batch.
        self.primary_batch = None
        # The batch's start as the runner that submitted it names its run.
        self.started = started

    def say(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def committed(self):
        """The committed batches, in order."""
        return committed_batches(self.files, self.root)

    def record(self, batch, record):
        self.files.write(
            "%s/runs/%d.json" % (self.meta, batch),
            json.dumps(record, sort_keys=True),
            self.meta + "/scratch",
        )

    def partitions(self, dataset, batch):
        table = dataset["table"]
        return [
            "%s/live/%s=%d" % (table, LIVE_PARTITION, batch),
            "%s/history/%s=%d" % (table, HISTORY_PARTITION, batch),
        ]

    def roll_back(self, batch):
        for dataset in self.spec["datasets"]:
            for path in self.partitions(dataset, batch):
                self.files.delete(path)

    def run(self):
        stream = self.spec["stream"]
        committed = self.committed()
        last = committed[-1] if committed else 0
        batch = last + 1
        run_path = "%s/runs/%d.json" % (self.meta, batch)
        attempt = 1
        if self.files.exists(run_path):
            earlier = json.loads(self.files.read(run_path))
            attempt = earlier.get("attempt", 1) + 1
            if earlier.get("state") == "ingesting":
                self.say(
                    "%s batch %d: an earlier run was stopped before it committed; its output is removed and the batch runs again"
                    % (stream, batch)
                )
        # Whatever is there for this batch is an uncommitted leftover.
        self.roll_back(batch)
        started = self.started or now()
        self.record(batch, {"batch": batch, "state": "ingesting", "attempt": attempt, "started": started})
        source = self.spec["source"]
        if "unsupported" in source:
            return self.fail(batch, attempt, started, source["unsupported"]["reason"])
        try:
            counts = self.merge_all(batch, last)
        except CannotRun:
            self.roll_back(batch)
            raise
        except BatchFailed as e:
            return self.fail(batch, attempt, started, str(e))
        except Exception as e:  # Spark's errors: a source, a cast, a file.
            return self.fail(batch, attempt, started, first_line(e))
        record = {
            "batch": batch,
            "stream": stream,
            "started": started,
            "committed": now(),
            "datasets": counts,
        }
        if self.primary_batch is not None:
            primary = source.get("mirror") or source["airflowPrimary"]
            record["mirrored"] = {"platform": primary["platform"], "batch": self.primary_batch}
        # The commit: one file, written whole.
        self.files.write(
            "%s/committed/%d.json" % (self.meta, batch),
            json.dumps(record, sort_keys=True),
            self.meta + "/scratch",
        )
        self.record(batch, dict(record, state="committed", attempt=attempt))
        try:
            self.add_up(batch, counts, attempt)
        except Exception as e:  # A cache: the run state reads the records instead.
            self.say(
                "%s batch %d: the stream's totals were not updated, and the run state reads its records instead: %s"
                % (stream, batch, first_line(e))
            )
        try:
            self.tidy(batch)
        except Exception as e:  # The batch stands; the next one tidies again.
            self.say(
                "%s batch %d: old partitions were not removed, and the next batch tries again: %s"
                % (stream, batch, first_line(e))
            )
        shown = ", ".join(
            "%s +%d ~%d -%d (%d live)"
            % (name, c["inserted"], c["updated"], c["deleted"], c["live"])
            for name, c in sorted(counts.items())
        )
        self.say("%s batch %d committed: %s" % (stream, batch, shown))
        return 0

    def merge_all(self, batch, last):
        """Merges every dataset of the batch; says each one's counts. A
        mirror of an `airflow` primary reads its last merged batch before
        and after reading every dataset: when it moved, the datasets may
        come from different batches of the primary, so this batch's output
        is removed and they are read again."""
        primary = self.spec["source"].get("airflowPrimary")
        for _ in range(MIRROR_READS):
            if primary is not None:
                self.primary_batch = self.merged_batch(primary)
            counts = {}
            for dataset in self.spec["datasets"]:
                counts[dataset["dataset"]] = self.merge(dataset, batch, last)
            if primary is None or self.merged_batch(primary) == self.primary_batch:
                return counts
            self.say(
                "%s batch %d: platform `%s` merged a batch while this one read its tables; reading them again"
                % (self.spec["stream"], batch, primary["platform"])
            )
            self.roll_back(batch)
        raise BatchFailed(
            "platform `%s` merged a batch each of the %d times this batch read its tables; run it again later"
            % (primary["platform"], MIRROR_READS)
        )

    def merged_batch(self, primary):
        """An `airflow` primary's last merged batch of the stream."""
        rows = self.jdbc(primary, query=primary["lastBatch"]).collect()
        merged = rows[0][0] if rows else None
        if merged is None:
            raise BatchFailed(
                "platform `%s` has merged no batch of this stream yet: it ingests the store, and this platform mirrors its tables; run its batch first"
                % primary["platform"]
            )
        return int(merged)

    def jdbc(self, connection, table=None, query=None):
        """A JDBC read of ``table`` (or ``query``) with the connection's
        URL, driver and credential, fetching rows in pages rather than
        all at once. A source's credential is optional; a primary's is not."""
        reader = (
            self.spark.read.format("jdbc")
            .option("url", connection["url"])
            .option("driver", connection["driver"])
            .option("fetchsize", JDBC_FETCH_SIZE)
        )
        reader = reader.option("dbtable", table) if query is None else reader.option("query", query)
        user, password = connection.get("userVariable"), connection.get("passwordVariable")
        if user is not None and os.environ.get(user) is None:
            raise CannotRun(
                "credential for %s is not set: set %s and %s"
                % (
                    "container `%s`" % connection["container"]
                    if "container" in connection
                    else "platform `%s`'s merge tables" % connection["platform"],
                    user,
                    password,
                )
            )
        for option, variable in (("user", user), ("password", password)):
            if variable is not None and os.environ.get(variable) is not None:
                reader = reader.option(option, os.environ[variable])
        return reader.load()

    def add_up(self, batch, counts, attempt):
        """Adds the committed batch to ``meta/totals.json``: the stream's
        committed batches added up through one, which the run state reads
        in place of their records (a cache of them: the records are the
        truth, and a reader adds those after it)."""
        path = "%s/%s" % (self.meta, TOTALS)
        totals = json.loads(self.files.read(path)) if self.files.exists(path) else None
        if totals is None or totals.get("through") != batch - 1:
            totals = self.added_up(batch - 1)
        add_counts(totals, counts, attempt)
        totals["through"] = batch
        self.files.write(path, json.dumps(totals, sort_keys=True), self.meta + "/scratch")

    def added_up(self, through):
        """The committed batches through ``through``, added up from their
        records: once, for a stream whose totals are missing or behind."""
        totals = {"through": 0, "batches": 0, "failed": 0, "rows": {"read": 0, "inserted": 0, "updated": 0, "deleted": 0}}
        for batch in self.committed():
            if batch > through:
                break
            record = json.loads(self.files.read("%s/committed/%d.json" % (self.meta, batch)))
            run = "%s/runs/%d.json" % (self.meta, batch)
            attempt = json.loads(self.files.read(run)).get("attempt", 1) if self.files.exists(run) else 1
            add_counts(totals, record["datasets"], attempt)
        totals["through"] = through
        return totals

    def fail(self, batch, attempt, started, why):
        self.roll_back(batch)
        self.record(
            batch,
            {"batch": batch, "state": "failed", "attempt": attempt, "started": started, "ended": now(), "message": why},
        )
        self.say("%s batch %d failed, and nothing of it is visible: %s" % (self.spec["stream"], batch, why))
        return 3

    def tidy(self, batch):
        """Removes live tables older than the one before ``batch``: a reader
        that took the previous batch a moment ago can still read it. Then
        the history partitions past the consumers' retention: the versions
        a batch closed, once that batch committed more than
        ``retentionDays`` days ago (or all of them, when history is no
        longer kept)."""
        for dataset in self.spec["datasets"]:
            live = dataset["table"] + "/live"
            for name in self.files.children(live):
                prefix = LIVE_PARTITION + "="
                if name.startswith(prefix) and name[len(prefix):].isdigit():
                    if int(name[len(prefix):]) < batch - 1:
                        self.files.delete(live + "/" + name)
        days = self.spec.get("retentionDays")
        if self.spec["keepHistory"] and days is None:
            return
        cutoff = None
        if self.spec["keepHistory"]:
            cutoff = (
                datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
            ).strftime("%Y-%m-%dT%H:%M:%SZ")
        prefix = HISTORY_PARTITION + "="
        for dataset in self.spec["datasets"]:
            history = dataset["table"] + "/history"
            for name in self.files.children(history):
                closed_by = name[len(prefix):]
                if not (name.startswith(prefix) and closed_by.isdigit()):
                    continue
                if cutoff is not None:
                    record = "%s/committed/%s.json" % (self.meta, closed_by)
                    if not self.files.exists(record):
                        continue
                    # RFC 3339 times in UTC, as `now()` writes them, sort as text.
                    if json.loads(self.files.read(record))["committed"] >= cutoff:
                        continue
                self.files.delete(history + "/" + name)

    def read_source(self, dataset):
        source = self.spec["source"]
        spark = self.spark
        if "jdbc" in source:
            return self.jdbc(source["jdbc"], table=dataset["sourceTable"])
        if "airflowPrimary" in source:
            return self.jdbc(source["airflowPrimary"], table=dataset["sourceTable"])
        if "files" in source:
            from pyspark.sql.types import StringType, StructField, StructType

            files = source["files"]
            path = files["folder"].rstrip("/") + "/" + dataset["sourceTable"]
            if not self.files.regular_file(path):
                raise BatchFailed(
                    "%s is missing or not a regular file: a drop folder holds the datasets' files themselves, never links"
                    % path
                )
            # Text formats are read as text, then cast to the model's types
            # as every source is; Parquet has types of its own.
            text = StructType([StructField(c["name"], StringType(), True) for c in dataset["columns"]])
            if files["format"] == "CSV":
                return (
                    spark.read.option("header", True)
                    .option("mode", "FAILFAST")
                    .option("enforceSchema", False)
                    .schema(text)
                    .csv(path)
                )
            if files["format"] == "JSON_LINES":
                return spark.read.option("mode", "FAILFAST").schema(text).json(path)
            if files["format"] == "PARQUET":
                return spark.read.parquet(path)
            raise CannotRun("the job spec's files are %r, which this driver does not read" % files["format"])
        if "staged" in source:
            staged = source["staged"]
            ready = staged["folder"] + "/ready.json"
            if not self.files.exists(ready):
                raise BatchFailed(
                    "transformer `%s` has staged no output yet: run it first" % staged["workspace"]
                )
            if self.ready is None:
                self.ready = json.loads(self.files.read(ready))
            path = self.ready["datasets"].get(dataset["dataset"])
            if path is None:
                raise BatchFailed(
                    "transformer `%s` staged no rows for dataset `%s`"
                    % (staged["workspace"], dataset["dataset"])
                )
            return spark.read.parquet(path)
        if "mirror" in source:
            return spark.read.parquet(
                "%s/live/%s=%d" % (dataset["sourceTable"], LIVE_PARTITION, self.mirrored(source["mirror"]))
            )
        raise CannotRun("the job spec's source is not one this driver reads: %s" % sorted(source))

    def mirrored(self, mirror):
        """The primary's last committed batch, chosen once per batch: every
        dataset is read from the same one. The primary keeps the live rows
        of its batch before the last, so a batch it commits meanwhile does
        not take them away."""
        if self.primary_batch is None:
            batches = committed_batches(self.files, mirror["root"])
            if not batches:
                raise BatchFailed(
                    "platform `%s` has committed no batch of this stream yet: it ingests the store, and this platform mirrors its tables; run its batch first"
                    % mirror["platform"]
                )
            self.primary_batch = batches[-1]
        return self.primary_batch

    def merge(self, dataset, batch, last):
        F = self.F
        name = dataset["dataset"]
        columns = dataset["columns"]
        key = dataset["primaryKey"]
        table = dataset["table"]
        source = self.read_source(dataset)
        missing = [c["name"] for c in columns if c["name"] not in source.columns]
        if missing:
            raise BatchFailed(
                "dataset `%s`: the source has no column %s (it has %s)"
                % (name, ", ".join("`%s`" % m for m in missing), ", ".join("`%s`" % c for c in source.columns))
            )
        names = [c["name"] for c in columns]
        rows = source.select(
            *[F.col(quoted(c["name"])).cast(c["sparkType"]).alias(c["name"]) for c in columns]
        )
        rows = rows.withColumn(ROW_HASH, F.sha2(F.to_json(F.struct(*[F.col(quoted(n)) for n in names])), 256))
        previous_path = "%s/live/%s=%d" % (table, LIVE_PARTITION, last)
        if last == 0 or not self.files.exists(previous_path):
            return self.first_load(dataset, rows, batch)
        previous = self.spark.read.parquet(previous_path)
        previous = previous.select(
            *[
                F.col(quoted(c["name"])) if c["name"] in previous.columns else F.lit(None).cast(c["sparkType"]).alias(c["name"])
                for c in columns
            ],
            F.col(ROW_HASH),
            F.col(BATCH_IN).cast("int"),
        )
        fields = names + [ROW_HASH]
        keys = ["__k%d" % i for i in range(len(key))]
        was = previous.select(
            *[F.col(quoted(k)).alias(keys[i]) for i, k in enumerate(key)],
            F.struct(*[F.col(quoted(f)) for f in fields + [BATCH_IN]]).alias("was"),
        )
        now_ = rows.select(
            *[F.col(quoted(k)).alias(keys[i]) for i, k in enumerate(key)],
            F.struct(*[F.col(quoted(f)) for f in fields], F.lit(batch).cast("int").alias(BATCH_IN)).alias("now"),
        )
        joined = was.join(now_, on=keys, how="full_outer")
        same = F.col("was").isNotNull() & F.col("now").isNotNull() & (
            F.col("was." + ROW_HASH) == F.col("now." + ROW_HASH)
        )
        op = (
            F.when(F.col("was").isNull(), F.lit("insert"))
            .when(F.col("now").isNull(), F.lit("delete"))
            .when(same, F.lit("same"))
            .otherwise(F.lit("update"))
        )
        from pyspark import StorageLevel

        joined = joined.withColumn("op", op).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            counts = self.tally(name, key, joined, keys)
            if counts.get("insert", 0) + counts.get("update", 0) + counts.get("same", 0) == 0 and counts.get("delete", 0) > 0 and not dataset.get("allowEmpty", False):
                raise BatchFailed(
                    "dataset `%s`: the source has no rows, and the last batch had %d: an emptied or unreachable source never deletes every row unless the dataset says `allowEmptySnapshot: true`"
                    % (name, counts["delete"])
                )
            live = joined.where(F.col("now").isNotNull()).select(
                F.when(F.col("op") == "same", F.col("was")).otherwise(F.col("now")).alias("row")
            ).select("row.*")
            live.write.mode("overwrite").parquet("%s/live/%s=%d" % (table, LIVE_PARTITION, batch))
            if self.spec["keepHistory"]:
                closed = joined.where(F.col("op").isin("update", "delete")).select(
                    "was.*", F.col("op").alias(CLOSED_BY)
                )
                closed.write.mode("overwrite").parquet("%s/history/%s=%d" % (table, HISTORY_PARTITION, batch))
        finally:
            joined.unpersist()
        inserted, updated, deleted = counts.get("insert", 0), counts.get("update", 0), counts.get("delete", 0)
        return {
            "inserted": inserted,
            "updated": updated,
            "deleted": deleted,
            "live": inserted + updated + counts.get("same", 0),
        }

    def first_load(self, dataset, rows, batch):
        """A table's first batch: every row is new, so there is nothing to
        join with. An empty history partition is written beside the live
        rows, so forensic views read the table's history from the start."""
        F = self.F
        table = dataset["table"]
        live_path = "%s/live/%s=%d" % (table, LIVE_PARTITION, batch)
        live = rows.withColumn(BATCH_IN, F.lit(batch).cast("int"))
        live.write.mode("overwrite").parquet(live_path)
        # Checked on what was written, reading its key columns alone: the
        # source is read once. A batch that fails is rolled back.
        written = self.spark.read.parquet(live_path)
        column = integral_key(self.F, dataset)
        if column is None:
            inserted = self.refuse_duplicates(dataset["dataset"], dataset["primaryKey"], written, dataset["primaryKey"])
        else:
            inserted = self.refuse_duplicate_numbers(dataset["dataset"], column, written)
        if self.spec["keepHistory"]:
            closed = live.limit(0).withColumn(CLOSED_BY, F.lit(None).cast("string"))
            closed.write.mode("overwrite").parquet("%s/history/%s=%d" % (table, HISTORY_PARTITION, batch))
        return {"inserted": inserted, "updated": 0, "deleted": 0, "live": inserted}

    def tally(self, name, key, joined, keys):
        """Counts ``joined``'s rows by what the batch does to each (``op``),
        and fails the batch when the source has two rows with one key (the
        model's ``key``, ``keys`` in ``joined``): one aggregate over the
        joined rows, with no second read of the source."""
        F = self.F
        ops = ("insert", "update", "delete", "same")
        per_key = joined.groupBy(*[F.col(quoted(k)) for k in keys]).agg(
            F.count("now").alias("rows"),
            *[F.sum(F.when(F.col("op") == op, 1).otherwise(0)).alias(op) for op in ops]
        )
        total = per_key.agg(F.max("rows").alias("most"), *[F.sum(op).alias(op) for op in ops]).collect()[0]
        if (total["most"] or 0) > 1:
            self.duplicate(name, key, per_key.where(F.col("rows") > 1))
        return {op: total[op] or 0 for op in ops}

    def duplicate(self, name, key, duplicates):
        """Fails the batch, showing the key of ``duplicates``' first row."""
        row = duplicates.limit(1).collect()[0]
        shown = ", ".join("%s = %s" % (k, row[i]) for i, k in enumerate(key))
        raise BatchFailed("dataset `%s`: the source has more than one row with key %s" % (name, shown))

    def refuse_duplicate_numbers(self, name, column, frame):
        """``refuse_duplicates`` for a key of one whole-number column: its
        values are counted into bitmaps, one per range of 32,768 values
        (Spark's ``bitmap_*`` functions), so only a few small bitmaps from
        each task cross the shuffle rather than every key. Keys are unique
        when the bitmaps hold as many values as there are rows with a key,
        and at most one row has none; otherwise the key to show is found by
        grouping, as for any key."""
        F = self.F
        value = F.col(quoted(column)).cast("bigint")
        per_range = frame.groupBy(F.bitmap_bucket_number(value).alias("range")).agg(
            F.count(F.lit(1)).alias("rows"),
            F.count(value).alias("keyed"),
            F.bitmap_construct_agg(F.bitmap_bit_position(value)).alias("keys"),
        )
        total = per_range.agg(
            F.sum("rows").alias("rows"),
            F.sum("keyed").alias("keyed"),
            F.sum(F.bitmap_count("keys")).alias("distinct"),
        ).collect()[0]
        rows, keyed, distinct = total["rows"] or 0, total["keyed"] or 0, total["distinct"] or 0
        if distinct < keyed or rows - keyed > 1:
            return self.refuse_duplicates(name, [column], frame, [column])
        return rows

    def refuse_duplicates(self, name, key, frame, columns):
        """Fails the batch when two of ``frame``'s rows have one key (the
        model's ``key``, in ``frame``'s ``columns``); returns how many rows
        ``frame`` has. One aggregate gives both (rows per key, then their
        sum and largest), so a first load reads its written keys once; a
        key to show is looked for only when there is one."""
        F = self.F
        per_key = frame.groupBy(*[F.col(quoted(c)) for c in columns]).count()
        total = per_key.agg(F.sum("count").alias("rows"), F.max("count").alias("most")).collect()[0]
        if (total["most"] or 0) > 1:
            self.duplicate(name, key, per_key.where(F.col("count") > 1))
        return total["rows"] or 0


# The Spark types of whole numbers, whose keys are checked with bitmaps.
WHOLE_NUMBERS = ("tinyint", "smallint", "int", "bigint")


def integral_key(F, dataset):
    """The column of ``dataset``'s key when it is one whole-number column
    and Spark has bitmap aggregates (3.5 and later); otherwise ``None``."""
    key = dataset["primaryKey"]
    if len(key) != 1 or not hasattr(F, "bitmap_construct_agg"):
        return None
    types = {c["name"]: c["sparkType"] for c in dataset["columns"]}
    return key[0] if types.get(key[0]) in WHOLE_NUMBERS else None


# Functions that call into the JVM, which a team's query may not use.
JAVA_FUNCTIONS = ("reflect", "java_method", "try_reflect")

# The logical plan nodes of the relational subset the gate allows a
# transformer's query (docs/security.md): anything else in a query's
# analyzed plan, or in a subquery of one of its expressions (a script
# transformation, a table function, a file read), fails the batch.
SUBSET_NODES = frozenset((
    "Aggregate", "CTERelationDef", "CTERelationRef", "Deduplicate", "Distinct",
    "Except", "Filter", "GlobalLimit", "Intersect", "Join", "LocalLimit",
    "LogicalRelation", "Offset", "OneRowRelation", "Project", "Sort",
    "SubqueryAlias", "Union", "View", "Window", "WithCTE",
))


def plan_nodes(plan):
    """Every node of a logical plan: its children's and, through each
    node's expressions, its subqueries' too."""
    found = []
    todo = [plan]
    while todo:
        node = todo.pop()
        found.append(node)
        for nested in (node.children(), node.subqueries()):
            todo.extend(nested.apply(i) for i in range(nested.length()))
    return found


class Transform:
    def __init__(self, spark, spec, out):
        self.spark = spark
        self.spec = spec
        self.out = out
        self.files = Warehouse(spark)

    def say(self, line):
        self.out.write(line + "\n")
        self.out.flush()

    def lock_down(self):
        """Leaves a query nothing to read but its inputs' views, and its
        text nothing substituted into it."""
        spark = self.spark
        spark.conf.set("spark.sql.variable.substitute", "false")
        spark.conf.set("spark.sql.runSQLOnFiles", "false")
        jvm = spark._jvm
        registry = spark._jsparkSession.sessionState().functionRegistry()
        some = jvm.scala.Option.apply
        for name in JAVA_FUNCTIONS:
            identifier = jvm.org.apache.spark.sql.catalyst.FunctionIdentifier.apply(
                name, some("builtin"), some("system")
            )
            registry.dropFunction(identifier)

    def inputs(self):
        """Each input's committed live rows as a temporary view; the live
        directories they read."""
        allowed = []
        for input in self.spec["inputs"]:
            batches = committed_batches(self.files, input["root"])
            if not batches:
                raise BatchFailed("input `%s` has no committed batch yet" % input["view"])
            path = "%s/live/%s=%d" % (input["table"], LIVE_PARTITION, batches[-1])
            rows = self.spark.read.parquet(path).select(*[quoted(c) for c in input["columns"]])
            rows.createOrReplaceTempView(input["view"])
            allowed.append(self.files.qualified(path))
        return allowed

    def checked(self, output, allowed):
        """The output's query as a DataFrame, once it is a query alone over
        the inputs."""
        spark = self.spark
        name = output["dataset"]
        query = output["query"]
        try:
            spark._jsparkSession.sessionState().sqlParser().parseQuery(query)
        except Exception as e:
            raise BatchFailed(
                "dataset `%s`: the query is not one SELECT (no command, INSERT or second statement): %s"
                % (name, first_line(e))
            )
        rows = spark.sql(query)
        for node in plan_nodes(rows._jdf.queryExecution().analyzed()):
            kind = node.getClass().getSimpleName()
            if kind not in SUBSET_NODES:
                raise BatchFailed(
                    "dataset `%s`: the query's plan holds %s, which is outside what a transformer's query may do"
                    % (name, kind)
                )
            if kind != "LogicalRelation":
                continue
            paths = node.relation().location().rootPaths()
            read = [paths.apply(j).toString() for j in range(paths.length())]
            if not read or not all(p in allowed for p in read):
                raise BatchFailed(
                    "dataset `%s`: the query reads something other than the transformer's inputs (%s)"
                    % (name, kind)
                )
        columns = output["columns"]
        have = {c.lower(): c for c in rows.columns}
        missing = [c["name"] for c in columns if c["name"].lower() not in have]
        if missing or len(rows.columns) != len(columns):
            raise BatchFailed(
                "dataset `%s`: the query writes %s, and the dataset has %s"
                % (name, ", ".join(rows.columns), ", ".join(c["name"] for c in columns))
            )
        F = __import__("pyspark.sql.functions", fromlist=["col"])
        return rows.select(
            *[F.col(quoted(have[c["name"].lower()])).cast(c["sparkType"]).alias(c["name"]) for c in columns]
        )

    def run(self):
        import threading

        workspace = self.spec["workspace"]
        staged = self.spec["staged"]
        limit = self.spec["timeoutSeconds"]
        late = threading.Event()
        done = threading.Event()

        def stop():
            # Past the limit, every job is cancelled, including one that
            # starts after the first cancel, until the run gives up.
            if done.wait(limit):
                return
            late.set()
            while not done.is_set():
                self.spark.sparkContext.cancelAllJobs()
                done.wait(0.2)

        watch = threading.Thread(target=stop, daemon=True)
        watch.start()
        try:
            return self.stage(workspace, staged, late, limit)
        finally:
            done.set()

    def stage(self, workspace, staged, late, limit):
        try:
            self.lock_down()
            allowed = self.inputs()
            run = "%s-%d" % (now().replace(":", "").replace("-", ""), os.getpid())
            written = {}
            shown = []
            for i, output in enumerate(self.spec["outputs"]):
                if late.is_set():
                    break
                rows = self.checked(output, allowed)
                path = "%s/runs/%s/%d" % (staged, run, i)
                rows.write.mode("overwrite").parquet(path)
                written[output["dataset"]] = path
                shown.append("%s %d rows" % (output["dataset"], self.spark.read.parquet(path).count()))
        except BatchFailed as e:
            self.say("transformer `%s` failed, and staged nothing: %s" % (workspace, e))
            return 3
        except CannotRun:
            raise
        except Exception as e:
            why = "it ran past its limit of %d s" % limit if late.is_set() else first_line(e)
            self.say("transformer `%s` failed, and staged nothing: %s" % (workspace, why))
            return 3
        if late.is_set():
            self.say(
                "transformer `%s` failed, and staged nothing: it ran past its limit of %d s"
                % (workspace, limit)
            )
            return 3
        self.files.write(
            staged + "/ready.json",
            json.dumps({"run": run, "datasets": written}, sort_keys=True),
            staged + "/scratch",
        )
        # Keep this run and the one before it, which a stream may be reading.
        runs = sorted(self.files.children(staged + "/runs"))
        for old in runs[: max(0, len(runs) - 2)]:
            self.files.delete(staged + "/runs/" + old)
        self.say("transformer `%s` staged: %s" % (workspace, ", ".join(shown)))
        return 0


def add_counts(totals, counts, attempt):
    """Adds one committed batch (its counts by dataset, and the attempt that
    committed it) to ``totals``: a snapshot's rows read are the live rows
    it leaves, and the attempts before the last did not commit."""
    rows = totals["rows"]
    for c in counts.values():
        rows["read"] += c["live"]
        rows["inserted"] += c["inserted"]
        rows["updated"] += c["updated"]
        rows["deleted"] += c["deleted"]
    totals["batches"] += 1
    totals["failed"] += attempt - 1


def first_line(error):
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:2000]


STARTED = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z\Z")


def main(argv):
    started = None
    if len(argv) == 5 and argv[1] == "ingest" and argv[3] == "--started" and STARTED.match(argv[4]):
        started = argv[4]
    elif len(argv) != 3 or argv[1] not in ("ingest", "transform"):
        sys.stderr.write(
            "usage: spark-submit driver.py ingest <spec.json> [--started YYYY-MM-DDThh:mm:ss.sssZ]\n"
            "       spark-submit driver.py transform <spec.json>\n"
        )
        return 2
    try:
        spec = load_spec(argv[2])
        from pyspark.sql import SparkSession

        what = spec["stream"] if argv[1] == "ingest" else spec["workspace"]
        spark = SparkSession.builder.appName("datasurface %s %s" % (argv[1], what)).getOrCreate()
        # No text is ever substituted into: `${…}` in a query stays text.
        spark.conf.set("spark.sql.variable.substitute", "false")
        # snappy-java picks the wrong native library on a glibc host that
        # also has musl's loader (xerial/snappy-java#692); zstd loads.
        spark.conf.set("spark.sql.parquet.compression.codec", "zstd")
        spark.sparkContext.setLogLevel("ERROR")
        try:
            if argv[1] == "ingest":
                return Ingest(spark, spec, sys.stdout, started).run()
            return Transform(spark, spec, sys.stdout).run()
        finally:
            spark.stop()
    except CannotRun as e:
        sys.stderr.write("error: %s\n" % e)
        return 2
    except Exception:
        traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
