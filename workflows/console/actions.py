"""The console's forms: start, stop, redrive, send task success/failure, advance the virtual clock.

Each action checks its fields first (input and output must be JSON; a clock advance a duration),
then makes one Step Functions call (or the local stack's clock call) and answers where the browser
goes next (Post/Redirect/Get). A refused field or API error comes back as `ActionError`: the page
the form was on is shown again with the message and everything the user typed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Mapping

from botocore.exceptions import ClientError

from . import format as fmt
from .pages import FormState
from .source import Source, error_code


@dataclass
class ActionError(Exception):
    """Re-show `page` ("machine" NAME or "execution" ARN) with the form's values and `message`."""
    page: str
    subject: str
    state: FormState
    status: int = 400


def _json(text: str, what: str) -> str:
    try:
        json.loads(text)
    except ValueError as error:
        raise ValueError(f"{what} is not valid JSON: {error}") from None
    return text


def _api_message(error: ClientError) -> str:
    message = error.response.get("Error", {}).get("Message") or str(error)
    return f"{error_code(error)}: {message}"


def _back(form: Mapping[str, str], default: str) -> str:
    """Only the console's own pages, never another site (no open redirect)."""
    target = form.get("back", "")
    return target if target.startswith(fmt.PREFIX + "/") and not target.startswith("//") and "\\" not in target \
        else default


def start(source: Source, form: Mapping[str, str]) -> str:
    name = form.get("machine", "")
    state = FormState("start", dict(form))
    try:
        input_text = _json(form.get("input", "").strip() or "{}", "input")
        summary = source.find_state_machine(name)
        if summary is None:
            raise ValueError(f"no state machine named {name!r}")
        arn = source.start_execution(summary["stateMachineArn"], form.get("name", "").strip() or None, input_text)
    except ValueError as error:
        state.error = str(error)
        raise ActionError("machine", name, state) from None
    except ClientError as error:
        state.error = _api_message(error)
        raise ActionError("machine", name, state) from None
    return fmt.execution_url(arn)


def _on_execution(form: Mapping[str, str], which: str, call: Callable[[], None]) -> str:
    arn = form.get("executionArn", "")
    state = FormState(which, dict(form))
    try:
        call()
    except ValueError as error:
        state.error = str(error)
        raise ActionError("execution", arn, state) from None
    except ClientError as error:
        state.error = _api_message(error)
        raise ActionError("execution", arn, state) from None
    return _back(form, fmt.execution_url(arn))


def stop(source: Source, form: Mapping[str, str]) -> str:
    return _on_execution(form, "stop", lambda: source.stop_execution(
        form.get("executionArn", ""), form.get("error") or None, form.get("cause") or None))


def redrive(source: Source, form: Mapping[str, str]) -> str:
    def call() -> None:
        if not source.redrive_execution(form.get("executionArn", "")):
            raise ValueError("this endpoint does not offer RedriveExecution")
    return _on_execution(form, "redrive", call)


def task_success(source: Source, form: Mapping[str, str]) -> str:
    def call() -> None:
        token = form.get("taskToken", "").strip()
        if not token:
            raise ValueError("taskToken is empty: paste the token the task received")
        source.send_task_success(token, _json(form.get("output", "").strip() or "{}", "output"))
    return _on_execution(form, "task-success", call)


def task_failure(source: Source, form: Mapping[str, str]) -> str:
    def call() -> None:
        token = form.get("taskToken", "").strip()
        if not token:
            raise ValueError("taskToken is empty: paste the token the task received")
        source.send_task_failure(token, form.get("error") or None, form.get("cause") or None)
    return _on_execution(form, "task-failure", call)


def advance(source: Source, form: Mapping[str, str]) -> str:
    from workflows.cli.clock import parse_seconds
    from workflows.cli.errors import CliError

    def call() -> None:
        try:
            seconds = parse_seconds(form.get("seconds", ""))
        except CliError as error:
            raise ValueError(f"seconds: {error}") from None
        source.clock.advance(seconds)
    if form.get("executionArn"):
        return _on_execution(form, "advance", call)
    try:
        call()
    except ValueError as error:
        raise ActionError("machines", "", FormState("advance", dict(form), str(error))) from None
    return _back(form, fmt.PREFIX + "/")


ACTIONS: dict[str, Callable[[Source, Mapping[str, str]], str]] = {
    "start": start, "stop": stop, "redrive": redrive, "task-success": task_success,
    "task-failure": task_failure, "advance": advance,
}
