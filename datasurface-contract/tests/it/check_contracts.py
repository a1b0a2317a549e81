"""Checks ODCS contracts with the standard's own tools.

For each file named: the `open-data-contract-standard` package's JSON
Schema (every error), its pydantic model (which forbids unknown fields),
and datacontract-cli's lint (the library call `datacontract lint` makes),
whose every check must pass, warnings included. Prints one line per file
and exits 1 if any failed.
"""

import json
import sys
from importlib.resources import files

import jsonschema
import yaml
from datacontract.data_contract import DataContract
from open_data_contract_standard.model import OpenDataContractStandard

schema = json.loads(files("open_data_contract_standard").joinpath("schema.json").read_text())
validator = jsonschema.validators.validator_for(schema)(
    schema, format_checker=jsonschema.FormatChecker()
)
failed = 0
for path in sys.argv[1:]:
    problems = []
    with open(path, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    for error in validator.iter_errors(document):
        problems.append(f"schema: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    try:
        model = OpenDataContractStandard.model_validate(document)
        again = OpenDataContractStandard.model_validate(
            model.model_dump(by_alias=True, exclude_none=True)
        )
        if again != model:
            problems.append("model: does not survive its own dump")
    except Exception as e:  # noqa: BLE001 - the message is the report
        problems.append(f"model: {e}")
    run = DataContract(data_contract_file=path).lint()
    for check in run.checks:
        if str(getattr(check.result, "value", check.result)) != "passed":
            problems.append(f"lint: {check.name}: {check.result}: {check.reason}")
    if problems:
        failed += 1
        print(f"FAIL {path}")
        for p in problems:
            print(f"  {p}")
    else:
        print(f"ok {path}: {len(run.checks)} lint check(s) passed")
sys.exit(1 if failed else 0)
