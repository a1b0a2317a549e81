"""Judges reader/writer schema pairs with real Avro implementations.

Reads JSON lines `{"reader": schema, "writer": schema}` from the file named
and prints one JSON line per pair:
  {"parses": bool, "compatible": bool, "data": "ok" | "error: …" | "skipped"}
- parses: both schemas parse with Apache Avro's Python library (`avro`)
  and with fastavro;
- compatible: Apache Avro's ReaderWriterCompatibilityChecker (a port of
  the Java SchemaCompatibility) finds the reader reads the writer;
- data: for compatible pairs, records generated from the writer's schema,
  written by fastavro and read back by fastavro with the reader's schema.
"""

import io
import json
import sys

import avro.schema
import fastavro
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from fastavro.utils import generate_many

with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        pair = json.loads(line)
        out = {"parses": True, "compatible": False, "data": "skipped"}
        try:
            reader = avro.schema.parse(json.dumps(pair["reader"]))
            writer = avro.schema.parse(json.dumps(pair["writer"]))
            fast_reader = fastavro.parse_schema(pair["reader"])
            fast_writer = fastavro.parse_schema(pair["writer"])
        except Exception as e:  # noqa: BLE001 - reported, not raised
            out["parses"] = False
            out["data"] = f"error: {type(e).__name__}: {e}"
            print(json.dumps(out))
            continue
        result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
        out["compatible"] = result.compatibility is SchemaCompatibilityType.compatible
        if out["compatible"]:
            try:
                for record in generate_many(fast_writer, 5):
                    buf = io.BytesIO()
                    fastavro.schemaless_writer(buf, fast_writer, record)
                    buf.seek(0)
                    fastavro.schemaless_reader(buf, fast_writer, fast_reader)
                out["data"] = "ok"
            except Exception as e:  # noqa: BLE001 - reported, not raised
                out["data"] = f"error: {type(e).__name__}: {e}"
        print(json.dumps(out))
