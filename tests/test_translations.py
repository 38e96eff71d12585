"""translations/en.json holds every text the code asks for, and nothing else.

Keys are found where the code defines them: the entity descriptions of every platform, the forms
the flows really show (started in Home Assistant), the error mapping tables, the repair issues,
the registered actions; raised errors are read from the source's syntax tree.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import dataclasses
import importlib
import json
from pathlib import Path
import re
from typing import Any, TypeGuard

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.selector import SelectSelector
from homeassistant.helpers.typing import UNDEFINED
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.deluge_webapi import PLATFORMS
from custom_components.deluge_webapi.client import DelugeError
from custom_components.deluge_webapi.config_flow import _FORM_ERRORS, form_errors
from custom_components.deluge_webapi.const import DOMAIN
from custom_components.deluge_webapi.helpers import _TRANSLATION_KEYS, deluge_error_translation
from custom_components.deluge_webapi.issues import DelugeIssue

PACKAGE = Path(__file__).parents[1] / "custom_components" / DOMAIN
EN = json.loads((PACKAGE / "translations" / "en.json").read_text(encoding="utf-8"))
SERVICES_YAML = load_yaml_dict(str(PACKAGE / "services.yaml"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Home Assistant errors a raise must give a translation (domain and key) to.
TRANSLATED_ERRORS = {
    "HomeAssistantError",
    "ServiceValidationError",
    "UpdateFailed",
    "ConfigEntryAuthFailed",
    "ConfigEntryNotReady",
    "ConfigEntryError",
}


def placeholders(*texts: str) -> set[str]:
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for child in value.values():
            yield from strings(child)
    else:
        yield value


# Entities


def is_entity_description(value: object) -> TypeGuard[EntityDescription]:
    """Whether ``value`` is an entity description.

    Not ``isinstance``: Home Assistant's descriptions are made by a metaclass that gives a
    description class a twin, so an instance of one is not always an instance of the other.
    """
    return (
        dataclasses.is_dataclass(value)
        and not isinstance(value, type)
        and all(
            hasattr(value, field) for field in ("key", "translation_key", "entity_registry_enabled_default")
        )
    )


def _walk(value: object) -> Iterator[EntityDescription]:
    if is_entity_description(value):
        yield value
    elif isinstance(value, tuple | list | set | frozenset):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)


def entity_descriptions() -> Iterator[tuple[str, EntityDescription]]:
    """Every entity description a platform module defines, however it is grouped."""
    for platform in PLATFORMS:
        module = importlib.import_module(f"custom_components.{DOMAIN}.{platform.value}")
        found = {
            id(description): description for value in vars(module).values() for description in _walk(value)
        }
        for description in found.values():
            yield platform.value, description


def expected_entity_translations() -> dict[str, dict[str, dict[str, Any]]]:
    """What en.json's "entity" section must hold, from the descriptions."""
    expected: dict[str, dict[str, dict[str, Any]]] = {}
    for platform, description in entity_descriptions():
        key = description.translation_key
        assert key is not None, f"{platform} {description.key} has no translation_key"
        entry: dict[str, Any] = expected.setdefault(platform, {}).setdefault(key, {})
        if description.name is not None:
            assert description.name is UNDEFINED, f"{platform} {key}: a name in code, not in en.json"
            entry["name"] = True
        if options := getattr(description, "options", None):
            entry["state"] = set(options)
        if event_types := getattr(description, "event_types", None):
            entry["event_types"] = set(event_types)
    return expected


def test_every_entity_has_its_texts() -> None:
    expected = expected_entity_translations()
    assert set(EN["entity"]) == set(expected), "platforms in en.json"
    for platform, keys in expected.items():
        assert set(EN["entity"][platform]) == set(keys), f"translation keys of the {platform} platform"
        for key, wanted in keys.items():
            texts = EN["entity"][platform][key]
            where = f"entity.{platform}.{key}"
            assert ("name" in texts) == bool(wanted.get("name")), f"{where}.name"
            if "state" in wanted:
                assert set(texts.get("state", {})) == wanted["state"], f"{where}.state"
            if "event_types" in wanted:
                event_type_states = texts["state_attributes"]["event_type"]["state"]
                assert set(event_type_states) == wanted["event_types"], f"{where} event types"


def test_translated_units_replace_native_ones() -> None:
    """Home Assistant refuses an entity with both a translated and a native unit."""
    for platform, description in entity_descriptions():
        texts = EN["entity"][platform][description.translation_key]
        if "unit_of_measurement" in texts:
            assert getattr(description, "native_unit_of_measurement", None) is None, description.key


@pytest.mark.parametrize("key", ["downloads", "torrent"])
def test_pause_switches_read_as_running_and_paused(key: str) -> None:
    assert EN["entity"]["switch"][key]["state"] == {"on": "Running", "off": "Paused"}


# Errors raised in code


def _source_trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "client" not in path.relative_to(PACKAGE).parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _key_helpers(trees: list[tuple[Path, ast.Module]]) -> dict[str, int]:
    """Functions that raise or return a translated error for a key they are given: name -> position.

    Such as ``invalid_input("key", name=...)``, and functions that hand their argument on to one.
    """
    functions = [
        function
        for _, tree in trees
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    helpers: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for function in functions:
            if function.name in helpers:
                continue
            parameters = [argument.arg for argument in function.args.args]
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                name = _called_name(call)
                if name in TRANSLATED_ERRORS:
                    key = next((kw.value for kw in call.keywords if kw.arg == "translation_key"), None)
                elif name in helpers and len(call.args) > helpers[name]:
                    key = call.args[helpers[name]]
                else:
                    continue
                if isinstance(key, ast.Name) and key.id in parameters:
                    helpers[function.name] = parameters.index(key.id)
                    changed = True
                    break
    return helpers


def raised_error_keys() -> dict[str, set[str] | None]:
    """Exception translation keys with the placeholders each call passes (None: not known here).

    Direct constructions of a Home Assistant error with a literal key, and calls of the helpers
    that build one from a literal key (``invalid_input("key", name=...)``).
    """
    keys: dict[str, set[str] | None] = {}
    trees = list(_source_trees())
    helpers = _key_helpers(trees)
    for path, tree in trees:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = _called_name(call)
            if name in TRANSLATED_ERRORS:
                keywords = {kw.arg: kw.value for kw in call.keywords}
                where = f"{path.name}:{call.lineno}"
                assert "translation_domain" in keywords, f"{name} without translation_domain at {where}"
                assert "translation_key" in keywords, f"{name} without translation_key at {where}"
                key = keywords["translation_key"]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    given = keywords.get("translation_placeholders")
                    keys[key.value] = (
                        {str(item.value) for item in given.keys if isinstance(item, ast.Constant)}
                        if isinstance(given, ast.Dict)
                        else None
                        if given is not None
                        else set()
                    )
            elif name in helpers and len(call.args) > helpers[name]:
                key = call.args[helpers[name]]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    keys[key.value] = {kw.arg for kw in call.keywords if kw.arg is not None}
    return keys


def test_every_raised_error_is_translated() -> None:
    mapped = {key for _, key in _TRANSLATION_KEYS} | {deluge_error_translation(DelugeError("x"))[0]}
    raised = raised_error_keys()
    assert set(EN["exceptions"]) == set(raised) | mapped
    for key, given in raised.items():
        message = EN["exceptions"][key]["message"]
        if given is not None:
            assert placeholders(message) == given, f"placeholders of exceptions.{key}"
    for key in mapped:  # the mapping gives every key the one placeholder "error"
        assert placeholders(EN["exceptions"][key]["message"]) <= {"error"}, key


# Config, reauthentication, reconfiguration and options flows


def _form_fields(result: ConfigFlowResult) -> tuple[set[str], list[SelectSelector]]:
    schema = result["data_schema"]
    assert schema is not None
    fields: set[str] = set()
    selects: list[SelectSelector] = []
    for marker, validator in schema.schema.items():
        fields.add(str(marker))
        candidates = getattr(validator, "validators", [validator])
        selects.extend(item for item in candidates if isinstance(item, SelectSelector))
    return fields, selects


async def _shown_forms(hass: HomeAssistant) -> dict[tuple[str, str], ConfigFlowResult]:
    """The first form of each flow, as Home Assistant shows it: (section, step id) -> result."""
    entry = MockConfigEntry(
        domain=DOMAIN, data={"host": "deluge.invalid", "password": "x", "verify_ssl": True}, unique_id="u"
    )
    entry.add_to_hass(hass)
    results = [
        ("config", await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})),
        ("config", await entry.start_reauth_flow(hass)),
        ("config", await entry.start_reconfigure_flow(hass)),
        ("options", await hass.config_entries.options.async_init(entry.entry_id)),
    ]
    forms: dict[tuple[str, str], ConfigFlowResult] = {}
    for section, result in results:
        assert result["type"] is FlowResultType.FORM
        forms[section, result["step_id"]] = result
    return forms


async def test_every_form_field_has_a_label_and_a_description(hass: HomeAssistant) -> None:
    forms = await _shown_forms(hass)

    for section in ("config", "options"):
        shown = {step for (where, step) in forms if where == section}
        assert set(EN[section]["step"]) == shown, f"{section} steps"
    for (section, step), result in forms.items():
        texts = EN[section]["step"][step]
        fields, _ = _form_fields(result)
        where = f"{section}.step.{step}"
        assert set(texts["data"]) == fields, f"{where}.data"
        assert set(texts["data_description"]) == fields, f"{where}.data_description"
        given = set(result["description_placeholders"] or {})
        assert placeholders(*strings(texts)) <= given, f"{where} needs placeholders the form does not give"


async def test_selectors_have_their_option_labels(hass: HomeAssistant) -> None:
    used: dict[str, set[str]] = {}
    for result in (await _shown_forms(hass)).values():
        for select in _form_fields(result)[1]:
            if key := select.config.get("translation_key"):
                used[key] = {
                    option if isinstance(option, str) else option["value"]
                    for option in select.config["options"]
                }
    for service in SERVICES_YAML.values():
        for field in (service.get("fields") or {}).values():
            config = (field.get("selector") or {}).get("select")
            if config and (key := config.get("translation_key")):
                used[key] = set(config["options"])

    assert set(EN["selector"]) == set(used)
    for key, options in used.items():
        assert set(EN["selector"][key]["options"]) == options, f"selector.{key}"


def test_form_errors_and_aborts() -> None:
    errors = {key for _, _, key in _FORM_ERRORS} | set(form_errors(RuntimeError()).values())
    assert set(EN["config"]["error"]) == errors

    source = (PACKAGE / "config_flow.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    reasons = {
        kw.value.value
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        for kw in call.keywords
        if kw.arg == "reason" and isinstance(kw.value, ast.Constant)
    }
    called = {_called_name(call) for call in ast.walk(tree) if isinstance(call, ast.Call)}
    # The reasons Home Assistant's own flow helpers abort with.
    implicit = {
        "_abort_if_unique_id_configured": {"already_configured"},
        "async_set_unique_id": {"already_in_progress"},
        "async_update_reload_and_abort": {"reauth_successful", "reconfigure_successful"},
    }
    for helper, helper_reasons in implicit.items():
        if helper in called:
            reasons |= helper_reasons
    assert set(EN["config"]["abort"]) == reasons
    assert "error" not in EN["options"]
    assert "abort" not in EN["options"]


# Repair issues and actions


def test_every_repair_issue_has_a_title_and_steps() -> None:
    assert set(EN["issues"]) == {issue.value for issue in DelugeIssue}
    for key, texts in EN["issues"].items():
        assert set(texts) == {"title", "description"}, key
        assert "\n1. " in texts["description"], f"issues.{key} lists no steps"


async def test_every_action_and_field_is_translated(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    registered = set(hass.services.async_services_for_domain(DOMAIN))

    assert set(EN["services"]) == registered == set(SERVICES_YAML)
    for service, texts in EN["services"].items():
        assert texts["name"]
        assert texts["description"]
        fields = set((SERVICES_YAML[service] or {}).get("fields") or {})
        assert set(texts.get("fields", {})) == fields, f"services.{service}.fields"
        for field, field_texts in texts.get("fields", {}).items():
            assert set(field_texts) == {"name", "description"}, f"services.{service}.fields.{field}"


# The texts themselves


@pytest.mark.parametrize("text", list(strings(EN)))
def test_texts_are_clean(text: str) -> None:
    """Home Assistant's rules: no URLs (they come as placeholders), no stray spaces, no empty text."""
    assert text
    assert text == text.strip()
    assert "http://" not in text
    assert "https://" not in text
    assert "  " not in text
