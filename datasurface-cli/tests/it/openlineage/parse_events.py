"""Parses OpenLineage events (one JSON document a line) with the official
`openlineage-python` client: each event, run, job, dataset and every facet
the client knows is built as the client's own class (whose validators check
UUIDs, times and URIs, and which refuses unknown fields), then serialized
again by the client and compared with the original. Custom facets
(`<prefix>_<name>`) must carry `_producer` and `_schemaURL`.

Usage: python parse_events.py EVENTS.jsonl; prints `parsed N events`.
"""

import json
import sys

import attr
from openlineage.client import event_v2 as ev
from openlineage.client.generated import (
    column_lineage_dataset as cl,
    data_quality_assertions_dataset as dqa,
    data_quality_metrics_input_dataset as dqm,
    documentation_job,
    error_message_run,
    job_type_job,
    output_statistics_output_dataset as stats,
    ownership_dataset,
    ownership_job,
    parent_run,
    schema_dataset,
    sql_job,
    symlinks_dataset,
)
from openlineage.client.serde import Serde


def build(cls, value, nested=None):
    """`cls(**value)`, with the facet's `_producer` and `_schemaURL` kept
    as the client keeps them, and nested classes built first."""
    value = dict(value)
    producer = value.pop("_producer")
    schema_url = value.pop("_schemaURL")
    for key, make in (nested or {}).items():
        if key in value:
            value[key] = make(value[key])
    built = cls(**value)
    object.__setattr__(built, "_producer", producer)
    assert built._schemaURL == schema_url, (built._schemaURL, schema_url)
    return built


def input_fields(values):
    """The client's input fields of a column lineage facet."""
    return [
        cl.InputField(
            namespace=f["namespace"],
            name=f["name"],
            field=f["field"],
            transformations=[cl.Transformation(**t) for t in f.get("transformations", [])],
        )
        for f in values
    ]


def owners(cls):
    return lambda value: [cls(**o) for o in value]


FACETS = {
    "run": {
        "parent": lambda v: build(
            parent_run.ParentRunFacet,
            v,
            {"run": lambda r: parent_run.Run(**r), "job": lambda j: parent_run.Job(**j)},
        ),
        "errorMessage": lambda v: build(error_message_run.ErrorMessageRunFacet, v),
    },
    "job": {
        "jobType": lambda v: build(job_type_job.JobTypeJobFacet, v),
        "ownership": lambda v: build(
            ownership_job.OwnershipJobFacet, v, {"owners": owners(ownership_job.Owner)}
        ),
        "documentation": lambda v: build(documentation_job.DocumentationJobFacet, v),
        "sql": lambda v: build(sql_job.SQLJobFacet, v),
    },
    "dataset": {
        "schema": lambda v: build(
            schema_dataset.SchemaDatasetFacet,
            v,
            {"fields": lambda fs: [schema_dataset.SchemaDatasetFacetFields(**f) for f in fs]},
        ),
        "ownership": lambda v: build(
            ownership_dataset.OwnershipDatasetFacet, v, {"owners": owners(ownership_dataset.Owner)}
        ),
        "symlinks": lambda v: build(
            symlinks_dataset.SymlinksDatasetFacet,
            v,
            {"identifiers": lambda ids: [symlinks_dataset.Identifier(**i) for i in ids]},
        ),
        "columnLineage": lambda v: build(
            cl.ColumnLineageDatasetFacet,
            v,
            {
                "fields": lambda fs: {
                    name: cl.Fields(inputFields=input_fields(f["inputFields"]))
                    for name, f in fs.items()
                },
                "dataset": input_fields,
            },
        ),
    },
    "input": {
        "dataQualityAssertions": lambda v: build(
            dqa.DataQualityAssertionsDatasetFacet,
            v,
            {"assertions": lambda a: [dqa.Assertion(**x) for x in a]},
        ),
        "dataQualityMetrics": lambda v: build(dqm.DataQualityMetricsInputDatasetFacet, v),
    },
    "output": {
        "outputStatistics": lambda v: build(stats.OutputStatisticsOutputDatasetFacet, v),
    },
}


def facets(kind, value):
    out = {}
    for name, facet in (value or {}).items():
        if "_" in name and name not in FACETS[kind]:
            # A custom facet: a prefix, and the two fields every facet has.
            assert facet["_producer"] and facet["_schemaURL"].startswith("https://"), name
            continue
        out[name] = FACETS[kind][name](facet)
    return out


def without_custom(value):
    """The event as the client sees it: custom facets left out."""
    if isinstance(value, dict):
        return {
            k: without_custom(v)
            for k, v in value.items()
            if not (k.startswith("datasurface_"))
        }
    if isinstance(value, list):
        return [without_custom(v) for v in value]
    return value


def prune(value):
    """The value without empty maps and lists: the client writes
    `facets: {}` and a field's `fields: []` where an event leaves them out."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def datasets(values, cls, key, kind):
    """The client's input or output datasets (`cls`), with the facets of
    their side (`key`, read as `kind`)."""
    return [
        cls(
            namespace=d["namespace"],
            name=d["name"],
            facets=facets("dataset", d.get("facets")),
            **{key: facets(kind, d.get(key))},
        )
        for d in values
    ]


def parse(event):
    run = ev.Run(runId=event["run"]["runId"], facets=facets("run", event["run"].get("facets")))
    job = ev.Job(
        namespace=event["job"]["namespace"],
        name=event["job"]["name"],
        facets=facets("job", event["job"].get("facets")),
    )
    inputs = datasets(event["inputs"], ev.InputDataset, "inputFacets", "input")
    outputs = datasets(event["outputs"], ev.OutputDataset, "outputFacets", "output")
    parsed = ev.RunEvent(
        eventType=ev.RunState[event["eventType"]],
        eventTime=event["eventTime"],
        run=run,
        job=job,
        inputs=inputs,
        outputs=outputs,
        producer=event["producer"],
    )
    assert parsed.schemaURL == event["schemaURL"], parsed.schemaURL
    again = prune(json.loads(Serde.to_json(parsed)))
    expected = prune(without_custom(event))
    if again != expected:
        raise AssertionError(
            "the client reads the event differently:\n"
            + json.dumps(expected, sort_keys=True, indent=1)
            + "\n---\n"
            + json.dumps(again, sort_keys=True, indent=1)
        )


def main():
    count = 0
    with open(sys.argv[1], encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                parse(json.loads(line))
            except Exception as e:  # noqa: BLE001 - the test prints which event
                raise SystemExit(f"event {number}: {type(e).__name__}: {e}") from e
            count += 1
    print(f"parsed {count} events")


if __name__ == "__main__":
    main()
