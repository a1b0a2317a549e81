"""Parses DAG files as Airflow's DAG processor does, one file at a time.

Usage: python dagbag_probe.py FILE...

For each file: Airflow's `DagBag` imports it (in this process, whose Airflow
modules are loaded once, as the processor's parent has them), then every DAG
it built is serialized as the processor serializes DAGs for the metadata
database, and forgotten. Prints one JSON object: the seconds to import Airflow, each file's
seconds, DAG and task counts and DAG ids, the import errors, and this
process's peak resident memory.
"""

import gc
import json
import resource
import sys
import tempfile
import time

started = time.perf_counter()
from airflow.models.dagbag import DagBag  # noqa: E402
from airflow.serialization.serialized_objects import SerializedDAG  # noqa: E402

import_seconds = time.perf_counter() - started


def peak_kb():
    """This process's peak resident memory: Linux's VmHWM, which starts
    afresh at exec (getrusage's ru_maxrss keeps the parent's peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


empty = tempfile.mkdtemp()
bag = DagBag(dag_folder=empty, include_examples=False)
files = []
errors = {}
for path in sys.argv[1:]:
    t0 = time.perf_counter()
    bag.collect_dags(dag_folder=path, include_examples=False)
    dags = list(bag.dags.values())
    for dag in dags:
        SerializedDAG.to_dict(dag)
    seconds = time.perf_counter() - t0
    files.append(
        {
            "file": path,
            "seconds": seconds,
            "dags": sorted(d.dag_id for d in dags),
            "tasks": sum(len(d.tasks) for d in dags),
        }
    )
    errors.update({str(k): str(v) for k, v in bag.import_errors.items()})
    # Forget the file, as the processor's process for it ends: its DAGs and
    # its module, so the peak memory is that of the largest file.
    bag.dags.clear()
    bag.import_errors.clear()
    for name in [m for m in sys.modules if m.startswith("unusual_prefix_")]:
        del sys.modules[name]
    gc.collect()
print(
    json.dumps(
        {
            "importSeconds": import_seconds,
            "files": files,
            "errors": errors,
            "peakKb": peak_kb(),
        }
    )
)
