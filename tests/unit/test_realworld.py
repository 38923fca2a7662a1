"""Definitions people deploy load and validate clean: ``../shared/realworld`` as data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from orchestra import StateMachine
from orchestra._definition.load import load_definition_file
from orchestra._definition.validate import validate_definition

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "realworld"
ABSENT_REASON = f"real-world corpus not found at {CORPUS} (it lives in ../shared/realworld)"
FILES = sorted(
    path
    for path in (CORPUS.iterdir() if CORPUS.is_dir() else ())
    if path.suffix in {".json", ".yaml", ".yml", ".asl"} and path.name != "index.json"
)

# Each is rejected for a reason that is not a validator bug; strict, so a fix shows up.
KNOWN = {
    "sfn-agent__step-functions__dynamic-agent-template.json": (
        "a template whose code fills in 'Choices' (the string DYNAMIC_ROUTING_CHOICES as stored)"
    ),
    "sfn-agent__step-functions__supervisor-agent-flow-template.json": (
        "a template whose code fills in the Choice rules (an empty rule {} as stored)"
    ),
}

_PLACEHOLDER = re.compile(r"\$\{([^${}\s]+)\}")
_FLAG = re.compile(r"(Is|Has|Enable|Use)[A-Z]")
_NUMERIC = re.compile(r"timeout|seconds|count|concurrency|size|max|limit", re.IGNORECASE)
_RESOURCE = re.compile(r"""["']?Resource["']?\s*:\s*["']?$""")


def substitutions(text: str) -> dict[str, object]:
    """A plausible value for each ``${Name}``: a number where unquoted and numeric, else a string.

    Strings look like what deployments pass: a partition, a region, an account, a function's
    name after ``:function:``, or an ARN (always one for a whole Task ``Resource``).
    """
    values: dict[str, object] = {}
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        quoted = line.count('"') % 2 == 1 or line.rstrip().endswith("'")
        lowered = name.lower()
        if _RESOURCE.search(line):
            # The whole Resource of a Task: deployments pass a function ARN there.
            values[name] = "arn:aws:lambda:us-east-1:123456789012:function:" + re.sub(
                r"\W", "", name
            )
        elif line.endswith(":function:"):
            # The tail of a Lambda ARN: the function's name.
            values[name] = re.sub(r"\W", "", name)
        elif not quoted and _NUMERIC.search(name):
            values[name] = 300
        elif _FLAG.match(name):
            # Flags end up inside expressions ("{% ${IsEnabled} = true %}"): a boolean.
            values[name] = "true"
        elif "partition" in lowered:
            values[name] = "aws"
        elif "region" in lowered:
            values[name] = "us-east-1"
        elif "account" in lowered:
            values[name] = "123456789012"
        else:
            values[name] = "arn:aws:lambda:us-east-1:123456789012:function:" + re.sub(
                r"\W", "", name
            )
    return values


def _load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8-sig")
    return load_definition_file(path, substitutions=substitutions(text))


def _cases() -> list[object]:
    if not FILES:
        return [
            pytest.param(None, marks=pytest.mark.skip(reason=ABSENT_REASON), id="corpus-absent")
        ]
    return [
        pytest.param(
            path,
            id=path.name,
            marks=[pytest.mark.xfail(reason=KNOWN[path.name], strict=True)]
            if path.name in KNOWN
            else [],
        )
        for path in FILES
    ]


@pytest.fixture(autouse=True)
def _corpus_present() -> None:
    if not CORPUS.is_dir():
        pytest.skip(ABSENT_REASON)


# jsonpath-ng deprecates the unquoted filter operands (``==es``) that Jayway, and so AWS,
# accepts; as an error that warning would read as a path syntax error.
@pytest.mark.filterwarnings("ignore:An unquoted word as a comparison operand:DeprecationWarning")
@pytest.mark.parametrize("path", _cases())
def test_definition_validates_clean(path: Path) -> None:
    """The definition loads with its placeholders filled and has no problem."""
    assert [str(d) for d in validate_definition(_load(path))] == []


@pytest.mark.filterwarnings("ignore:An unquoted word as a comparison operand:DeprecationWarning")
@pytest.mark.parametrize("path", _cases())
def test_engine_accepts_definition(path: Path) -> None:
    """The engine compiles the definition through its public API."""
    text = path.read_text(encoding="utf-8-sig")
    machine = StateMachine.from_file(path, substitutions=substitutions(text))
    assert machine.program.states


def test_unquoted_placeholder_becomes_a_number() -> None:
    """lambda-power-tuning is JSON only once ``${totalExecutionTimeout}`` is filled."""
    path = CORPUS / "lambda-power-tuning__statemachine__statemachine.asl.json"
    assert _load(path)["States"]["Initializer"]["TimeoutSeconds"] == 300


def test_trailing_comma_file_loads() -> None:
    """The genai-idp workflow with a trailing comma inside an object loads."""
    path = CORPUS / "genai-idp-accelerator__patterns__pattern-1__statemachine__workflow.asl.json"
    assert "StartAt" in _load(path)


def test_yes_and_no_state_names_stay_strings() -> None:
    """Unquoted ``Yes`` and ``No`` state names in YAML stay strings."""
    path = CORPUS / "serverless-patterns__lambda-sfn-sls__statemachine__stateMachine.asl.yml"
    states = _load(path)["States"]
    assert {"Yes", "No"} <= set(states)


def test_array_parameters_are_accepted() -> None:
    """A Pass state with array-valued Parameters, which AWS accepts, validates clean."""
    path = (
        CORPUS / "serverless-patterns__eventbridge-pipes-sqs-to-lambda-with-stepfunction-"
        "enrichment__workflow__enrichment.asl.json"
    )
    assert validate_definition(_load(path)) == []
