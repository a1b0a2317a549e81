"""Validates OpenLineage events (one JSON document a line) against the
OpenLineage specification's JSON Schemas: every event against
`OpenLineage.json#/$defs/RunEvent` (formats checked: times, UUIDs), then
every facet whose `_schemaURL` names a schema given here against that
schema: the specification's facet schemas, and datasurface's own
(`schema/openlineage-facets.json`). A facet whose exact schema version is
not given is checked by the core schema alone, and counted.

Usage: python validate_events.py SPEC_DIR OWN_FACETS.json EVENTS.jsonl
where SPEC_DIR holds `OpenLineage.json` and `facets/*.json` as the
OpenLineage repository's `spec/` holds them. Prints what it checked.
"""

import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

CORE = "https://openlineage.io/spec/2-0-2/OpenLineage.json"


def registry(spec, own):
    """Every schema by its `$id`; the core also by the URI facets use."""
    schemas = [json.loads((spec / "OpenLineage.json").read_text("utf-8"))]
    schemas += [json.loads(p.read_text("utf-8")) for p in sorted((spec / "facets").glob("*.json"))]
    schemas.append(json.loads(own.read_text("utf-8")))
    resources = [(s["$id"], Resource.from_contents(s)) for s in schemas]
    core = schemas[0]
    if core["$id"] != CORE:
        raise SystemExit(f"{spec}/OpenLineage.json is {core['$id']}, the events name {CORE}")
    return Registry().with_resources(resources), {s["$id"] for s in schemas}


def validator(reference, reg):
    return Draft202012Validator(
        {"$ref": reference}, registry=reg, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def facets_of(event):
    """(where, name, facet) for every facet of an event."""
    yield from (("run", n, f) for n, f in event["run"].get("facets", {}).items())
    yield from (("job", n, f) for n, f in event["job"].get("facets", {}).items())
    for side in ("inputs", "outputs"):
        for d in event.get(side, []):
            for key in ("facets", "inputFacets", "outputFacets"):
                for n, f in d.get(key, {}).items():
                    yield (f"{side}[{d['namespace']}/{d['name']}].{key}", n, f)


def main():
    spec, own, events = (pathlib.Path(a) for a in sys.argv[1:4])
    reg, known = registry(spec, own)
    run_event = validator(f"{CORE}#/$defs/RunEvent", reg)
    checked, unchecked, count = {}, {}, 0
    for number, line in enumerate(events.read_text("utf-8").splitlines(), 1):
        event = json.loads(line)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in run_event.iter_errors(event)]
        for where, name, facet in facets_of(event):
            url = facet.get("_schemaURL", "")
            document = url.split("#", 1)[0]
            if document not in known:
                unchecked[url] = unchecked.get(url, 0) + 1
                continue
            checked[url] = checked.get(url, 0) + 1
            errors += [
                f"{where}.{name}/{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator(url, reg).iter_errors(facet)
            ]
        if errors:
            raise SystemExit(f"event {number} is not valid OpenLineage:\n  " + "\n  ".join(errors))
        count += 1
    print(f"{count} events valid against {CORE}")
    for url, n in sorted(checked.items()):
        print(f"  {n} facets valid against {url}")
    for url, n in sorted(unchecked.items()):
        print(f"  {n} facets of {url}: no schema of that version given, checked as facets by the core schema")


if __name__ == "__main__":
    main()
