"""Who may put a new user in which Cognito groups: the `groupGrants` of api/routes.json.

Why this module exists: POST /users lets the caller name the new user's groups, so a Registrar could
otherwise create Admins. What a caller may grant is data next to the role model (api/routes.json,
which is also the authorizer's role model): `knownGroups` lists every group of the pool and
`groupGrants` maps a caller's group to the groups it may grant (a caller in several groups may grant
the union). asl/signup checks the request against it inside the workflow, before anything is
allocated, from the caller's groups that the request template copies from the authorizer's context
(never from the body). This module is the one reader of that data: `workflows.definitions.render`
fills signup's `${GroupGrants}` placeholder with `placeholder_value()`, for CDK and the local stack
alike, so the table deployed is the table in routes.json.

The placeholder value is JSON text (it sits inside a JSON string of the definition, and the
workflow parses it with States.StringToJson), shaped for JSONPath, which cannot index an object by
a computed key: `{"known": [group, ...], "grants": [{"group": caller group, "grants": [...]}, ...]}`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ROUTES_PATH: Path = Path(__file__).resolve().parent.parent / "api" / "routes.json"


class GroupGrantsError(ValueError):
    """routes.json's knownGroups/groupGrants are malformed (the message names the field and value)."""


@dataclass(frozen=True)
class GroupGrants:
    known: tuple[str, ...]
    grants: dict[str, tuple[str, ...]]

    def grantable_by(self, caller_groups: list[str] | tuple[str, ...]) -> frozenset[str]:
        """The groups a caller holding `caller_groups` may grant (the union of their grants)."""
        return frozenset(g for caller in caller_groups for g in self.grants.get(caller, ()))

    def placeholder_value(self) -> str:
        """The `${GroupGrants}` text asl/signup parses (see the module doc for its shape)."""
        rows = [{"group": group, "grants": list(granted)} for group, granted in self.grants.items()]
        return json.dumps({"known": list(self.known), "grants": rows}, separators=(",", ":"))


def parse(document: Any, where: str = "routes.json") -> GroupGrants:
    """`knownGroups` + `groupGrants` of a routes.json document, checked."""
    if not isinstance(document, dict):
        raise GroupGrantsError(f"{where} must be a JSON object")
    known = document.get("knownGroups")
    if not isinstance(known, list) or not known or not all(isinstance(g, str) and g for g in known) \
            or len(set(known)) != len(known):
        raise GroupGrantsError(f"{where}: knownGroups must be a non-empty list of distinct group names, "
                               f"got {json.dumps(known)}")
    raw = document.get("groupGrants")
    if not isinstance(raw, dict):
        raise GroupGrantsError(f"{where}: groupGrants must be an object of group -> groups it may grant, "
                               f"got {json.dumps(raw)}")
    grants: dict[str, tuple[str, ...]] = {}
    for caller, granted in raw.items():
        if caller not in known:
            raise GroupGrantsError(f"{where}: groupGrants.{caller}: {caller!r} is not in knownGroups {known}")
        if not isinstance(granted, list) or not all(isinstance(g, str) for g in granted):
            raise GroupGrantsError(f"{where}: groupGrants.{caller} must be a list of group names, "
                                   f"got {json.dumps(granted)}")
        unknown = [g for g in granted if g not in known]
        if unknown:
            raise GroupGrantsError(f"{where}: groupGrants.{caller} names {unknown}, not in knownGroups {known}")
        grants[caller] = tuple(dict.fromkeys(granted))
    return GroupGrants(known=tuple(known), grants=grants)


@lru_cache(maxsize=4)
def load(path: Path = ROUTES_PATH) -> GroupGrants:
    """The grants of api/routes.json (or of another routes file)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:
        raise GroupGrantsError(f"{path} is not JSON: {error}") from None
    return parse(document, str(path))
