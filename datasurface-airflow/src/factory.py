"""Builds the DAGs of one chunk of a datasurface rendering from their specs.

Every file `chunk_<n>.py` of a rendering is this program with its own chunk
number (`build(n)` at its end). It reads `chunks.json` (which DAG specs belong to which chunk)
and each of its chunk's DAG specs (`ingest/*.json`, `transformer/*.json`),
and builds their DAGs. The specs hold every value already resolved and
escaped for the field it lands in: no model text is ever Python source here,
and none is evaluated; this program only copies strings into operators.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

import pendulum
from airflow.sdk import DAG, Asset, AssetAny

HERE = Path(__file__).parent
START = pendulum.datetime(2025, 1, 1, tz="UTC")
RETRY_DELAY = pendulum.duration(minutes=1)


def _read(relative):
    """A JSON file of this rendering, by its path relative to this folder."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"chunks.json names {relative!r}, outside the DAG folder")
    with open(HERE.joinpath(*path.parts), encoding="utf-8") as f:
        return json.load(f)


_assets = {}


def _asset(uri):
    """One `Asset` per URI in this file: DAGs that share it share the object."""
    asset = _assets.get(uri)
    if asset is None:
        asset = _assets[uri] = Asset(uri)
    return asset


def _schedule(schedule):
    if schedule == "external":
        return None
    if "cron" in schedule:
        return schedule["cron"]
    assets = [_asset(uri) for uri in schedule["anyOf"]]
    return assets if len(assets) == 1 else AssetAny(*assets)


_operators = {}


def _operator(kind):
    """The operator class of a task kind, imported once and only if used."""
    if kind not in _operators:
        if kind == "bash":
            from airflow.providers.standard.operators.bash import BashOperator

            class JobOperator(BashOperator):
                """A `BashOperator` whose command sees only its spec's
                variables and the worker's variables the spec names, read
                where and when the task runs: never another job's
                credential, and no value of the worker's in the DAG."""

                def __init__(self, *, worker_env, **kwargs):
                    super().__init__(append_env=False, **kwargs)
                    self.worker_env = tuple(worker_env)

                def get_env(self, context):
                    env = {n: os.environ[n] for n in self.worker_env if n in os.environ}
                    env.update(super().get_env(context))
                    return env

            _operators[kind] = JobOperator
        elif kind == "pod":
            from airflow.providers.cncf.kubernetes.operators.pod import (
                KubernetesPodOperator,
            )
            from kubernetes.client import models as k8s

            _operators[kind] = KubernetesPodOperator
            _operators["k8s"] = k8s
        else:
            raise ValueError(f"unknown task operator {kind!r}")
    return _operators[kind]


def _pod_env(variable):
    k8s = _operators["k8s"]
    secret = variable.get("secret")
    if secret is None:
        return k8s.V1EnvVar(name=variable["name"], value=variable["value"])
    return k8s.V1EnvVar(
        name=variable["name"],
        value_from=k8s.V1EnvVarSource(
            secret_key_ref=k8s.V1SecretKeySelector(name=secret["name"], key=secret["key"])
        ),
    )


def _task(task):
    operator = _operator(task["operator"])
    common = {
        "task_id": task["taskId"],
        "outlets": [_asset(uri) for uri in task["outlets"]],
    }
    if "skipOnExitCode" in task:
        common["skip_on_exit_code"] = task["skipOnExitCode"]
    if task["operator"] == "bash":
        return operator(
            bash_command=task["bashCommand"],
            env=task["env"],
            worker_env=task["workerEnv"],
            **common,
        )
    return operator(
        name=task["name"],
        namespace=task["namespace"],
        image=task["image"],
        cmds=task["cmds"],
        arguments=task["arguments"],
        env_vars=[_pod_env(v) for v in task["env"]],
        get_logs=True,
        on_finish_action="delete_pod",
        **common,
    )


def build(chunk):
    """Builds every DAG of `chunk`; fails naming each spec it could not use."""
    manifest = _read("chunks.json")
    entries = next((c["dags"] for c in manifest["chunks"] if c["chunk"] == chunk), [])
    failed = []
    for entry in entries:
        try:
            spec = _read(entry["spec"])
            if spec["dagId"] != entry["dagId"]:
                raise ValueError(f"holds DAG {spec['dagId']!r}, chunks.json says {entry['dagId']!r}")
            with DAG(
                dag_id=spec["dagId"],
                description=spec["description"],
                schedule=_schedule(spec["schedule"]),
                start_date=START,
                catchup=False,
                max_active_runs=1,
                tags=spec["tags"],
                default_args={"retries": spec["retries"], "retry_delay": RETRY_DELAY},
            ):
                previous = None
                for task in spec["tasks"]:
                    current = _task(task)
                    if previous is not None:
                        previous >> current
                    previous = current
        except Exception as e:  # noqa: BLE001 - every bad spec is reported below
            failed.append(f"{entry.get('spec')}: {type(e).__name__}: {e}")
    if failed:
        raise RuntimeError(
            f"datasurface chunk {chunk}: {len(failed)} of {len(entries)} DAG specs "
            "could not be built; render and deploy the DAG folder again:\n  "
            + "\n  ".join(failed)
        )
