"""Step Functions on the AWS emulator: moto's state machine interpreter executes a definition from
`stepfunctions/` for real, and the Lambda functions its tasks invoke run as our handlers in this process.

How moto 5.2 runs a Lambda task: the interpreter (moto/stepfunctions/parser, LocalStack's) calls the Lambda
Invoke API of the moto server with a boto3 client (port MOTO_PORT); moto's Lambda backend looks the function up
and hands the event to `LambdaFunction._invoke_lambda`, which would start the function's code in a Docker
container. That one method is replaced here, and only for the functions registered with `LocalStepFunctions`:
everything before it (the Invoke API, function lookup, the FunctionError header) and after it (the
interpreter's retries, catches, timeouts, history) stays moto's own, so the definition runs as it would on
AWS. Any other function still goes to moto's own runtime.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from moto.awslambda.models import LambdaFunction

from vendorcast import resources as r
from vendorcast.forecasting.start import execution_arn
from vendorcast.local.aws import LocalAws, apply_environment, restore_environment
from vendorcast.local.lambdas import LocalLambdaContext

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
# What moto reports while an execution runs; anything else is final.
RUNNING = "RUNNING"
POLL_SECONDS = 0.05
# History events of a task that gave up (its retries are separate events of the same state).
_TASK_FAILURE_EVENTS = {
    "LambdaFunctionFailed", "LambdaFunctionTimedOut", "LambdaFunctionScheduleFailed", "LambdaFunctionStartFailed",
    "TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed", "MapRunFailed",
}
_TASK_SUCCESS_EVENTS = {"LambdaFunctionSucceeded", "TaskSucceeded", "MapRunSucceeded"}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")

Handler = Callable[[Any, LocalLambdaContext], Any]


class DefinitionError(ValueError):
    """A state machine definition that cannot be created: a placeholder without a value, or invalid JSON."""


class ExecutionNameTaken(ValueError):
    """An execution of this name already ran with a different input (names are unique per state machine)."""


# ----------------------------------------------------------------------------------------- the Lambda runtime
@dataclass(frozen=True)
class _Registered:
    handler: Handler
    timeout_seconds: int
    memory_mb: int


_registry: dict[str, _Registered] = {}
_registry_lock = threading.Lock()
_moto_invoke = LambdaFunction._invoke_lambda


def _invoke_in_process(function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    """moto's `_invoke_lambda` contract: (response payload, whether the function errored, log text). A handler
    that raises answers as Lambda's Python runtime does: errorType is the exception's class name, which is the
    error name Step Functions matches in Retry and Catch."""
    with _registry_lock:
        registered = _registry.get(function.function_arn)
    if registered is None:
        return _moto_invoke(function, event)
    context = LocalLambdaContext(function.function_name, timeout_seconds=registered.timeout_seconds,
                                 memory_limit_in_mb=registered.memory_mb)
    try:
        result = registered.handler(event, context)
    except Exception as exc:
        log.info("%s raised %s: %s", function.function_name, type(exc).__name__, exc)
        return _error_payload(type(exc).__name__, str(exc), traceback.format_tb(exc.__traceback__)), True, ""
    try:
        return json.dumps(result), False, ""
    except (TypeError, ValueError) as exc:
        # Lambda's runtime cannot serialize such a result either.
        return _error_payload("Runtime.MarshalError", f"Unable to marshal response: {exc}", []), True, ""


def _error_payload(error_type: str, message: str, stack: list[str]) -> str:
    return json.dumps({"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": stack})


def _register(function_arn: str, registered: _Registered) -> None:
    with _registry_lock:
        _registry[function_arn] = registered
        LambdaFunction._invoke_lambda = _invoke_in_process


def _unregister(function_arns: list[str]) -> None:
    with _registry_lock:
        for arn in function_arns:
            _registry.pop(arn, None)
        if not _registry:
            LambdaFunction._invoke_lambda = _moto_invoke


# ----------------------------------------------------------------------------------------- definitions
def fill_definition(text: str, substitutions: Mapping[str, str]) -> str:
    """Replace each `${Name}` of a definition by its value, as CloudFormation's DefinitionSubstitutions do.
    A placeholder without a value, or a value no placeholder uses, is an error (a typo on either side)."""
    used = set(_PLACEHOLDER.findall(text))
    missing = sorted(used - set(substitutions))
    unused = sorted(set(substitutions) - used)
    if missing or unused:
        raise DefinitionError(f"definition placeholders without a value: {missing or 'none'}; "
                              f"values without a placeholder: {unused or 'none'}")
    filled = _PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], text)
    try:
        json.loads(filled)
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"the filled definition is not valid JSON: {exc}") from None
    return filled


# ----------------------------------------------------------------------------------------- executions
@dataclass
class ExecutionOutcome:
    """How an execution ended: its status, output (parsed JSON), Step Functions' error and cause, the state
    that failed (from the history), and the states it entered in order."""

    execution_arn: str
    name: str
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None
    states: list[str] = field(default_factory=list)
    # False when an execution of this name and input already existed: it was not run again.
    started: bool = True

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


def failed_state_of(events: list[dict[str, Any]]) -> str | None:
    """The state whose task gave up first: a failure that no later success of the same state entry cleared
    (a retry is a new attempt within the same entry; each Map iteration enters its states anew). Else, for
    an execution that timed out or was stopped, the state it was in."""
    entered: dict[int, str] = {}
    parents: dict[int, int] = {}
    failing: dict[int, None] = {}  # entry ids, in the order they failed
    last_entered: str | None = None
    for event in events:
        parents[event["id"]] = event.get("previousEventId", 0)
        details = event.get("stateEnteredEventDetails")
        if details:
            entered[event["id"]] = details["name"]
            last_entered = details["name"]
            continue
        if event["type"] in _TASK_FAILURE_EVENTS | _TASK_SUCCESS_EVENTS:
            entry = _entry_of(event["id"], parents, entered)
            if entry is None:
                continue
            if event["type"] in _TASK_FAILURE_EVENTS:
                failing.setdefault(entry)
            else:
                failing.pop(entry, None)
    if failing:
        return entered[next(iter(failing))]
    final = events[-1]["type"] if events else ""
    return last_entered if final in ("ExecutionTimedOut", "ExecutionAborted") else None


def _entry_of(event_id: int, parents: dict[int, int], entered: dict[int, str]) -> int | None:
    """Follow previousEventId back to the StateEntered event the given event belongs to."""
    seen = 0
    while event_id and seen < len(parents):
        if event_id in entered:
            return event_id
        event_id = parents.get(event_id, 0)
        seen += 1
    return None


class LocalStepFunctions:
    """State machines on a LocalAws, executed for real, with in-process Lambda handlers:

        with LocalStepFunctions(aws) as sfn:
            prepare = sfn.register_function("prepare", handler)
            machine = sfn.create_state_machine("flow", path, {"PrepareFunctionArn": prepare})
            outcome = sfn.run(machine, "run-1", {"trigger": "manual"})
    """

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws
        self._functions: list[str] = []
        self._role_arn: str | None = None
        self._previous_env: dict[str, str | None] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalStepFunctions:
        # The interpreter calls Lambda and SNS back on the server named by MOTO_PORT.
        self._previous_env = apply_environment({"MOTO_PORT": self.aws.environment()["MOTO_PORT"]})
        self._configure(execute=True)
        return self

    def close(self) -> None:
        _unregister(self._functions)
        self._functions = []
        self._configure(execute=False)
        restore_environment(self._previous_env)

    def __enter__(self) -> LocalStepFunctions:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _configure(self, *, execute: bool) -> None:
        """moto's switch between recording executions and running them (a process-wide setting)."""
        httpx.post(f"{self.aws.endpoint_url}/moto-api/config",
                   json={"stepfunctions": {"execute_state_machine": execute}}, timeout=30.0).raise_for_status()

    @property
    def role_arn(self) -> str:
        """One role for the local functions and state machines (moto checks that it exists, not what it allows)."""
        if self._role_arn is None:
            iam = self.aws.client("iam")
            name = "vendorcast-local-execution"
            try:
                self._role_arn = iam.get_role(RoleName=name)["Role"]["Arn"]
            except iam.exceptions.NoSuchEntityException:
                self._role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": [
                        "lambda.amazonaws.com", "states.amazonaws.com"]}}]}))["Role"]["Arn"]
        return self._role_arn

    # ------------------------------------------------------------------ functions and state machines
    def register_function(self, name: str, handler: Handler, *, timeout_seconds: int = 900,
                          memory_mb: int = 1024) -> str:
        """Create function `name` in the emulator, run by `handler` in this process; returns its ARN."""
        lambda_client = self.aws.client("lambda")
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("README.txt", "Runs in process: vendorcast/local/stepfunctions.py\n")
        try:
            arn = lambda_client.create_function(
                FunctionName=name, Runtime="python3.12", Role=self.role_arn, Timeout=timeout_seconds,
                MemorySize=memory_mb, Handler="in_process.handler", Code={"ZipFile": code.getvalue()},
            )["FunctionArn"]
        except lambda_client.exceptions.ResourceConflictException:
            arn = lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        _register(arn, _Registered(handler, timeout_seconds, memory_mb))
        self._functions.append(arn)
        return arn

    def create_state_machine(self, name: str, definition: Path, substitutions: Mapping[str, str]) -> str:
        """Create (or update) state machine `name` from an ASL file with its `${Name}` placeholders filled."""
        text = fill_definition(definition.read_text(encoding="utf-8"), substitutions)
        sfn = self.aws.client("stepfunctions")
        for machine in sfn.list_state_machines()["stateMachines"]:
            if machine["name"] == name:
                sfn.update_state_machine(stateMachineArn=machine["stateMachineArn"], definition=text,
                                         roleArn=self.role_arn)
                return machine["stateMachineArn"]
        return sfn.create_state_machine(name=name, definition=text, roleArn=self.role_arn,
                                        type="STANDARD")["stateMachineArn"]

    # ------------------------------------------------------------------ executions
    def run(self, state_machine_arn: str, name: str, execution_input: Mapping[str, Any],
            timeout: float = 300.0) -> ExecutionOutcome:
        """Start execution `name` and wait for it to end (raise TimeoutError after `timeout` seconds). The name
        makes a run idempotent, as on AWS: an execution of the same name and input is not run again (its
        outcome is returned), the same name with another input is an error."""
        if not name:
            raise ValueError("an execution needs a name: it makes a repeated start a no-op")
        sfn = self.aws.client("stepfunctions")
        payload = json.dumps(execution_input)
        arn = execution_arn(state_machine_arn, name)
        try:
            previous = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=payload)
            started = True
        else:
            if json.loads(previous.get("input") or "{}") != json.loads(payload):
                raise ExecutionNameTaken(f"execution {name!r} already ran with input {previous.get('input')}; "
                                         "start this input under another name")
            started = False
        description = self._wait(arn, timeout)
        events = list(self._history(arn))
        output = description.get("output")
        return ExecutionOutcome(
            execution_arn=arn, name=name, status=description["status"],
            output=json.loads(output) if output else None,
            error=description.get("error"), cause=description.get("cause"),
            failed_state=failed_state_of(events) if description["status"] != "SUCCEEDED" else None,
            states=[e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e],
            started=started,
        )

    def _wait(self, execution_arn: str, timeout: float) -> dict[str, Any]:
        sfn = self.aws.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            description = sfn.describe_execution(executionArn=execution_arn)
            if description["status"] != RUNNING:
                return description
            if time.monotonic() > deadline:
                states = [e["stateEnteredEventDetails"]["name"] for e in self._history(execution_arn)
                          if "stateEnteredEventDetails" in e]
                raise TimeoutError(f"execution {execution_arn} still running after {timeout:.0f} s, in state "
                                   f"{states[-1] if states else '(none yet)'}")
            time.sleep(POLL_SECONDS)

    def _history(self, execution_arn: str) -> Iterator[dict[str, Any]]:
        paginator = self.aws.client("stepfunctions").get_paginator("get_execution_history")
        for page in paginator.paginate(executionArn=execution_arn):
            yield from page["events"]



# ----------------------------------------------------------------------------------------- the forecast workflow
FORECAST_DEFINITION = REPO_ROOT / r.FORECAST_DEFINITION


def create_forecast_workflow(step_functions: LocalStepFunctions, handlers: Mapping[str, Handler],
                             alert_topic_arn: str, name: str = r.FORECAST_STATE_MACHINE) -> str:
    """The forecast state machine from stepfunctions/forecast.asl.json, its Lambda tasks run by `handlers`
    (workflow function, e.g. `forecast_prepare`, to handler) and its notices sent to `alert_topic_arn`."""
    expected = set(r.FORECAST_FUNCTION_PLACEHOLDERS)
    if set(handlers) != expected:
        raise ValueError(f"the forecast workflow needs a handler for each of {sorted(expected)}; "
                         f"got {sorted(handlers)}")
    substitutions = {
        placeholder: step_functions.register_function(f"{r.LOCAL_PREFIX}-{function.replace('_', '-')}",
                                                      handlers[function])
        for function, placeholder in r.FORECAST_FUNCTION_PLACEHOLDERS.items()
    }
    substitutions[r.FORECAST_ALERT_TOPIC_PLACEHOLDER] = alert_topic_arn
    return step_functions.create_state_machine(name, FORECAST_DEFINITION, substitutions)
