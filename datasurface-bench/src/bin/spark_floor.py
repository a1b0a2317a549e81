"""The floor of the `spark-merge` benchmark: the merge of the `spark`
platform's driver written by hand for one known table, as a data engineer
would write it for this one job. It reads the CSV drop with its schema,
hashes each row, and (after the first batch) full-outer-joins it by key
with the last batch's live rows; it writes the new live rows, with the
batch each version came in, and the closed versions, as Parquet, and
counts what changed. What it leaves out, the driver does besides: casting
to the model's types with failures as errors, the duplicate-key and
empty-snapshot checks, run records and the commit file.

    spark-submit spark_floor.py CSV TABLE BATCH
"""
import sys

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

csv, table, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
spark = SparkSession.builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
# As the driver: snappy-java picks musl's library on this machine; zstd loads.
spark.conf.set("spark.sql.parquet.compression.codec", "zstd")
schema = "id INT, name STRING, qty INT, price DECIMAL(10,2), city STRING, note STRING"
columns = ["id", "name", "qty", "price", "city", "note"]
rows = spark.read.option("header", True).schema(schema).csv(csv)
rows = rows.withColumn("h", F.sha2(F.to_json(F.struct(*columns)), 256))
live_path = "%s/live/b=%d" % (table, batch)
if batch == 1:
    rows.withColumn("batch_in", F.lit(batch)).write.mode("overwrite").parquet(live_path)
    counts = {"insert": spark.read.parquet(live_path).count()}
else:
    was = spark.read.parquet("%s/live/b=%d" % (table, batch - 1))
    was = was.select("id", F.struct(*columns, "h", "batch_in").alias("was"))
    now = rows.select("id", F.struct(*columns, "h", F.lit(batch).alias("batch_in")).alias("now"))
    joined = was.join(now, "id", "full_outer")
    op = (
        F.when(F.col("was").isNull(), "insert")
        .when(F.col("now").isNull(), "delete")
        .when(F.col("was.h") == F.col("now.h"), "same")
        .otherwise("update")
    )
    joined = joined.withColumn("op", op).persist(StorageLevel.MEMORY_AND_DISK)
    counts = {r["op"]: r["count"] for r in joined.groupBy("op").count().collect()}
    joined.where(F.col("now").isNotNull()).select(
        F.when(F.col("op") == "same", F.col("was")).otherwise(F.col("now")).alias("r")
    ).select("r.*").write.mode("overwrite").parquet(live_path)
    joined.where(F.col("op").isin("update", "delete")).select("was.*").write.mode("overwrite").parquet(
        "%s/history/b=%d" % (table, batch)
    )
    joined.unpersist()
print("floor batch %d: %s" % (batch, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
spark.stop()
