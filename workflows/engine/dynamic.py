"""Fields that may be a literal, a *Path or a {% JSONata %} string: one typed value, one resolver.

Why: ASL lets many fields (TimeoutSeconds, Seconds, Timestamp, Error, MaxConcurrency, Items,
MaxItemsPerBatch, ...) be given three ways: a literal, a `*Path` twin read from the state's data in
JSONPath, or a `{% %}` expression in JSONata. The parser builds one `DynamicValue` per such field,
once; at run time `resolve` reads it and checks what it found against the field's type and range
(from `field_rules`, the table the create-time checker reads) in AWS's run-time wording for that
field (`Wording` below: AWS words these failures per field family, and the recorded corpus has the
exact texts). TestState and executions resolve through this same function.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflows.engine import errors as names
from workflows.engine import field_rules as rules
from workflows.engine.expressions import (
    EvaluationError, evaluate_intrinsic, evaluate_jsonata, json_type, jsonpath_get, looks_like_intrinsic,
    render_jsonata, strip_template,
)
from workflows.engine.errors import StatesError
from workflows.engine.expressions.errors import compact_json as dumps
from workflows.engine.expressions.timestamps import parse_timestamp
from workflows.engine.json_value import Context, JSON


@dataclass(frozen=True, slots=True)
class Literal:
    value: JSON


@dataclass(frozen=True, slots=True)
class PathRef:
    """A *Path field's path (ErrorPath/CausePath may also hold an intrinsic function)."""

    text: str

    def find(self, data: JSON, context: Context, variables: JSON, field: str) -> JSON:
        if looks_like_intrinsic(self.text):
            return evaluate_intrinsic(self.text, data, context=context, variables=variables, field=field)
        return jsonpath_get(self.text, data, context=context, variables=variables, field=field)


@dataclass(frozen=True, slots=True)
class Expression:
    """A `{% %}` JSONata string; `body` is the expression inside, as AWS quotes it in messages."""

    text: str
    body: str


@dataclass(frozen=True, slots=True)
class Nested:
    """A JSONata state's array or object with `{% %}` strings inside (Items: [1, "{% $x %}"]):
    rendered per run, then checked like an expression's result."""

    value: JSON

    @property
    def body(self) -> str:
        return dumps(self.value)


Source = Literal | PathRef | Expression | Nested


def _has_template(value: JSON) -> bool:
    if isinstance(value, str):
        return strip_template(value) is not None
    if isinstance(value, dict):
        return any(_has_template(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_template(v) for v in value)
    return False


@dataclass(frozen=True, slots=True)
class DynamicValue:
    """One field's value as the definition gives it; `field` is the value's name ("TimeoutSeconds")
    also when it came as "TimeoutSecondsPath"."""

    field: str
    source: Source
    rule: rules.FieldRule
    wording: Wording
    jsonata: bool  # the state's query language is JSONata

    @property
    def literal(self) -> bool:
        return isinstance(self.source, Literal)


def resolve(value: DynamicValue | None, data: JSON, variables: JSON, context: Context,
            states: dict | None, default: JSON = None) -> JSON:
    """The field's value for this evaluation, checked; `default` when the field is absent. `data` is
    what a *Path reads, `states` the JSONata `$states` binding."""
    if value is None:
        return default
    source = value.source
    if isinstance(source, Literal):
        return value.wording.literal(source.value, value)
    if isinstance(source, PathRef):
        found = value.wording.look_up(value, source, data, variables, context)
        return value.wording.from_path(found, value, source)
    if isinstance(source, Nested):
        found = render_jsonata(source.value, states=states or {}, variables=variables, field=value.field)
    else:
        found = evaluate_jsonata(source.body, states=states or {}, variables=variables, field=value.field)
    return value.wording.from_expression(found, value, source)


def build(body: dict, owner: str, field: str, jsonata: bool, wording: Wording | None = None,
          path_field: str | None = None) -> DynamicValue | None:
    """The DynamicValue of `field` in a state or section `body`, or None when it is absent. The
    *Path twin counts in JSONPath only, a `{% %}` string in JSONata only."""
    rule = rules.rule_for(owner, field)
    if rule is None:
        raise KeyError(f"field_rules has no rule for {owner}.{field}")
    wording = wording or WORDINGS[field]
    twin = path_field or field + "Path"
    if not jsonata and isinstance(body.get(twin), str):
        return DynamicValue(field, PathRef(body[twin]), rule, wording, jsonata)
    if field not in body:
        return None
    given = body[field]
    inner = strip_template(given) if jsonata and isinstance(given, str) else None
    source: Source = Literal(given)
    if inner is not None:
        source = Expression(given, inner)
    elif jsonata and isinstance(given, (list, dict)) and _has_template(given):
        source = Nested(given)
    return DynamicValue(field, source, rule, wording, jsonata)


def _plain(value: JSON) -> str:
    return value if isinstance(value, str) else dumps(value)


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


# ---- AWS's run-time wording, per field family ----------------------------------------------------
class Wording:
    """How a field family turns what was found into its value, and how AWS words a failure.

    The base family is a number with a type stage (a path's string is parsed, as AWS does; a
    JSONata result must be a number) and a range stage worded by the form the value came from."""

    def look_up(self, value: DynamicValue, source: PathRef, data: JSON, variables: JSON, context: Context) -> JSON:
        return source.find(data, context, variables, f"{value.field}Path")

    def literal(self, given: JSON, value: DynamicValue) -> JSON:
        return given  # literals were checked when the definition was created

    # -- numbers: type stage ---------------------------------------------------------------------
    def _integer(self, value: DynamicValue) -> bool:
        return value.rule.kind == rules.INTEGER

    def from_path(self, found: JSON, value: DynamicValue, source: PathRef) -> JSON:
        number = found
        if isinstance(found, str):
            try:
                number = int(found) if self._integer(value) else float(found)
            except ValueError:
                number = None
        if self._integer(value) and isinstance(number, float) and number.is_integer():
            number = int(number)
        valid = (int,) if self._integer(value) else (int, float)
        if not isinstance(number, valid) or isinstance(number, bool):
            raise EvaluationError(names.RUNTIME, f"The {value.field}Path field refers to value \"{_plain(found)}\" "
                                                 f"which is not a valid {'integer' if self._integer(value) else 'float'}: "
                                                 f"{source.text}")
        return self.in_range(number, value, source)

    def from_expression(self, found: JSON, value: DynamicValue, source: Expression | Nested) -> JSON:
        if not isinstance(found, (int, float)) or isinstance(found, bool):
            raise EvaluationError(
                names.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{source.body}' specified for the field '{value.field}' returned an "
                f"unexpected result type. Expected '{'integer' if self._integer(value) else 'number'}', but was "
                f"'{json_type(found)}' for value: {dumps(found)}", location=value.field)
        return self.in_range(found, value, source)

    # -- numbers: range stage --------------------------------------------------------------------
    def in_range(self, number: float, value: DynamicValue, source: Source) -> JSON:
        rule = value.rule
        if self._integer(value) and isinstance(number, float):
            if not number.is_integer():  # not an integer at all: worded with the field's expectation
                raise Wording.out_of_range(self, number, value, source)
            number = int(number)
        if (rule.minimum is None or number >= rule.minimum) and (rule.maximum is None or number <= rule.maximum):
            return number
        raise self.out_of_range(number, value, source)

    def out_of_range(self, number: float, value: DynamicValue, source: Source) -> StatesError:
        wanted = value.rule.expects
        if isinstance(source, PathRef):
            return EvaluationError(names.RUNTIME, f"The {value.field}Path field refers to value \"{dumps(number)}\" "
                                                  f"which is not {wanted}: {source.text}")
        if isinstance(source, Expression):
            return EvaluationError(names.QUERY_EVALUATION_ERROR,
                                   f"The JSONata expression '{source.body}' specified for the field '{value.field}' "
                                   f"returned an unexpected result. Expected {wanted}, but was: {dumps(number)}",
                                   location=value.field)
        return EvaluationError(names.RUNTIME, f"The value for the field '{value.field}' must be {wanted}, "
                                              f"not {dumps(number)}")


class MapSetting(Wording):
    """MaxConcurrency, ToleratedFailureCount, ToleratedFailurePercentage: AWS names only the field and
    its range ("ToleratedFailureCount cannot be negative.", "... must be between 0 and 100.")."""

    def out_of_range(self, number: float, value: DynamicValue, source: Source) -> EvaluationError:
        rule = value.rule
        if rule.maximum is None:
            return EvaluationError(names.RUNTIME, f"{value.field} cannot be negative.")
        return EvaluationError(names.RUNTIME, f"{value.field} must be between {_number_text(rule.minimum)} "
                                              f"and {_number_text(rule.maximum)}.")


class ReaderMaxItems(Wording):
    """ItemReader.ReaderConfig.MaxItems / MaxItemsPath, resolved inside the map run: a negative value
    fails the read (AWS's recorded States.ItemReaderFailed "field MaxItems must be positive"); 0 means
    every item; above AWS's 100,000,000 the run still reads at most that many (AWS accepted
    100000001 from MaxItemsPath in the recorded run). A path's text "2" reads as 2, as recorded."""

    def in_range(self, number: float, value: DynamicValue, source: Source) -> JSON:
        maximum = value.rule.maximum
        if isinstance(number, (int, float)) and maximum is not None and number > maximum:
            return int(maximum)
        return super().in_range(number, value, source)

    def out_of_range(self, number: float, value: DynamicValue, source: Source) -> StatesError:
        if number < 0:
            return StatesError(names.ITEM_READER_FAILED, "field MaxItems must be positive")
        return super().out_of_range(number, value, source)


class WaitSeconds(Wording):
    """Wait.Seconds / SecondsPath, in the wording AWS records for each failure."""

    def look_up(self, value: DynamicValue, source: PathRef, data: JSON, variables: JSON, context: Context) -> JSON:
        try:
            return super().look_up(value, source, data, variables, context)
        except EvaluationError:
            raise EvaluationError(names.RUNTIME, f"The SecondsPath parameter does not reference an input "
                                                 f"value: {source.text}") from None

    def from_path(self, found: JSON, value: DynamicValue, source: PathRef) -> JSON:
        if isinstance(found, bool) or not isinstance(found, (int, float)) or (
                isinstance(found, float) and not found.is_integer()):
            raise EvaluationError(names.RUNTIME, f"The SecondsPath parameter cannot be parsed as a long value: "
                                                 f"{source.text} == {_plain(found)}")
        if found < 0:
            raise EvaluationError(names.RUNTIME, f"The SecondsPath parameter references a negative value: "
                                                 f"{source.text} == {_plain(found)}")
        return found

    def from_expression(self, found: JSON, value: DynamicValue, source: Expression | Nested) -> JSON:
        if not isinstance(found, (int, float)) or isinstance(found, bool) or found < 0 or (
                isinstance(found, float) and not found.is_integer()):
            raise EvaluationError(
                names.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{source.body}' specified for the field 'Seconds' returned an unexpected "
                f"result type. Expected 'integer', but was '{json_type(found)}' for value: {dumps(found)}")
        return found


class Timestamp(Wording):
    """Wait.Timestamp / TimestampPath: an RFC 3339 date-time with an offset; the value is epoch seconds."""

    def literal(self, given: JSON, value: DynamicValue) -> JSON:
        stamp = parse_timestamp(given)
        if stamp is None and value.jsonata:
            return self.from_expression(given, value, Expression(_plain(given), _plain(given)))
        if stamp is None:
            raise EvaluationError(names.RUNTIME, f"The Timestamp parameter does not reference a valid ISO-8601 "
                                                 f"extended offset date-time format string: {_plain(given)}")
        return stamp.timestamp()

    def from_path(self, found: JSON, value: DynamicValue, source: PathRef) -> JSON:
        stamp = parse_timestamp(found)
        if stamp is None:
            raise EvaluationError(names.RUNTIME, f"The TimestampPath parameter does not reference a valid ISO-8601 "
                                                 f"extended offset date-time format string: {source.text} == "
                                                 f"{_plain(found)}")
        return stamp.timestamp()

    def from_expression(self, found: JSON, value: DynamicValue, source: Expression | Nested) -> JSON:
        stamp = parse_timestamp(found)
        if stamp is None:
            raise EvaluationError(names.QUERY_EVALUATION_ERROR,
                                  f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                                  f"format string: {_plain(found)}", location="Timestamp")
        return stamp.timestamp()


class FailText(Wording):
    """Fail.Error / Cause: text, from a literal, ErrorPath/CausePath (a path or an intrinsic) or JSONata."""

    def from_path(self, found: JSON, value: DynamicValue, source: PathRef) -> JSON:
        if not isinstance(found, str):
            raise EvaluationError(names.RUNTIME, f"The {value.field}Path '{source.text}' did not resolve to a "
                                                 f"string: {dumps(found)}")
        return found

    def from_expression(self, found: JSON, value: DynamicValue, source: Expression | Nested) -> JSON:
        if not isinstance(found, str):
            raise EvaluationError(names.QUERY_EVALUATION_ERROR, f"The JSONata expression for the field "
                                                                f"'{value.field}' must return a string, got "
                                                                f"'{dumps(found)}'")
        return found


class Items(Wording):
    """Map.ItemsPath (JSONPath) / Items (JSONata): the array the Map iterates over."""

    def from_path(self, found: JSON, value: DynamicValue, source: PathRef) -> JSON:
        if not isinstance(found, list):
            shown = source.text[1:] if source.text.startswith("$$") else source.text
            raise EvaluationError(names.RUNTIME, f'Reference path "{shown}" must point to array.')
        return found

    def from_expression(self, found: JSON, value: DynamicValue, source: Expression | Nested) -> JSON:
        if not isinstance(found, list):
            raise EvaluationError(
                names.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{source.body}' specified for the field 'Items' returned an unexpected "
                f"result type. Expected 'array', but was '{json_type(found)}' for value: {dumps(found)}",
                location="Items")
        return found


NUMBER = Wording()
MAP_SETTING = MapSetting()
WORDINGS: dict[str, Wording] = {
    "TimeoutSeconds": NUMBER, "HeartbeatSeconds": NUMBER, "MaxItemsPerBatch": NUMBER,
    "MaxInputBytesPerBatch": NUMBER, "MaxItems": ReaderMaxItems(),
    "MaxConcurrency": MAP_SETTING, "ToleratedFailureCount": MAP_SETTING, "ToleratedFailurePercentage": MAP_SETTING,
    "Seconds": WaitSeconds(), "Timestamp": Timestamp(), "Error": FailText(), "Cause": FailText(), "Items": Items(),
}
