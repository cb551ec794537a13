"""workflows.definitions: the one ${Placeholder} substitution used by CDK and the local stack."""
from __future__ import annotations

import json

import pytest

from workflows import definitions
from workflows.definitions import (
    ASL_DIR,
    KNOWN_PLACEHOLDERS,
    MACHINES,
    DefinitionError,
    MissingPlaceholderError,
    placeholders,
    render,
)

ALL_PARAMS = {name: f"value-of-{name}" for name in KNOWN_PLACEHOLDERS}


def test_every_machine_has_an_asl_file_and_no_stray_files() -> None:
    on_disk = {p.name.removesuffix(".asl.json") for p in ASL_DIR.glob("*.asl.json")}
    assert on_disk == set(MACHINES)
    assert set(definitions.MACHINE_TYPES) == set(MACHINES)


@pytest.mark.parametrize("name", MACHINES)
def test_placeholders_are_documented_names(name: str) -> None:
    used = placeholders(name)
    assert used, f"{name} uses no placeholder: table/pool names would be hard-coded"
    assert used <= KNOWN_PLACEHOLDERS, used - KNOWN_PLACEHOLDERS


@pytest.mark.parametrize("name", MACHINES)
def test_render_substitutes_every_placeholder_and_stays_json(name: str) -> None:
    text = render(name, ALL_PARAMS)
    assert "${" not in text
    for placeholder in placeholders(name):
        assert f"value-of-{placeholder}" in text
    json.loads(text)


def test_expected_placeholders_per_machine() -> None:
    assert placeholders("signup") == {"UsersTable", "UserPoolId", "GroupGrants"}
    assert placeholders("guard") == {"UsersTable", "EventBusName"}
    assert placeholders("migrate_batch") == {"MigrateUserStateMachineArn"}


@pytest.mark.parametrize("name", MACHINES)
def test_missing_placeholder_names_placeholder_and_file(name: str) -> None:
    for missing in placeholders(name) - set(definitions.DATA_PLACEHOLDERS):
        params = {k: v for k, v in ALL_PARAMS.items() if k != missing}
        with pytest.raises(MissingPlaceholderError) as info:
            render(name, params)
        assert info.value.placeholder == missing
        assert f"${{{missing}}}" in str(info.value)
        assert f"{name}.asl.json" in str(info.value)


def test_data_placeholders_are_filled_from_their_source_unless_given() -> None:
    from workflows import group_grants

    params = {k: v for k, v in ALL_PARAMS.items() if k != "GroupGrants"}
    filled = definitions.load("signup", params)["States"]["ApplyDefaults"]["Parameters"]["grantTable"]
    assert filled == group_grants.load().placeholder_value()
    given = definitions.load("signup", ALL_PARAMS)["States"]["ApplyDefaults"]["Parameters"]["grantTable"]
    assert given == "value-of-GroupGrants"


def test_unknown_machine_is_refused_with_known_names() -> None:
    with pytest.raises(DefinitionError, match="unknown state machine 'nope'.*signup"):
        render("nope", ALL_PARAMS)


def test_non_string_value_is_refused() -> None:
    with pytest.raises(DefinitionError, match="UsersTable.*needs a string"):
        render("signup", {**ALL_PARAMS, "UsersTable": 42})  # type: ignore[dict-item]


def test_values_are_json_escaped_and_not_substituted_twice() -> None:
    tricky = 'a"b\\c ${UserPoolId}'
    text = render("signup", {**ALL_PARAMS, "UsersTable": tricky})
    doc = json.loads(text)
    allocate = doc["States"]["AllocateUserId"]["Parameters"]
    assert allocate["TableName"] == tricky  # inserted text is not re-scanned for placeholders


def test_cdk_tokens_pass_through_unchanged() -> None:
    token = "${Token[TOKEN.123]}"
    doc = json.loads(render("signup", {**ALL_PARAMS, "UsersTable": token}))
    assert doc["States"]["AllocateUserId"]["Parameters"]["TableName"] == token


def test_extra_parameters_are_ignored_so_one_mapping_serves_all() -> None:
    rendered = definitions.render_all({**ALL_PARAMS, "Unrelated": "x"})
    assert set(rendered) == set(MACHINES)
    assert definitions.load("guard", ALL_PARAMS)["StartAt"] == "ValidateInput"
