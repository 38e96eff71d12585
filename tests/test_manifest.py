"""The integration's metadata files, checked the way Home Assistant's loader and hassfest check them.

manifest.json, hacs.json, services.yaml (against the schemas the actions are registered with),
icons.json, quality_scale.yaml and the brand images.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
import importlib.util
import json
from pathlib import Path
import re
import tomllib
from typing import Any, Literal, get_args, get_origin, get_type_hints

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant import const as ha_const, loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
from PIL import Image
import pytest

from custom_components.deluge_webapi import PLATFORMS
from custom_components.deluge_webapi.const import DOMAIN
from tests.test_translations import entity_descriptions

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "custom_components" / DOMAIN
MANIFEST = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
HACS = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
ICONS = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
SERVICES_YAML = load_yaml_dict(str(PACKAGE / "services.yaml"))
QUALITY_SCALE = load_yaml_dict(str(PACKAGE / "quality_scale.yaml"))
ICON = re.compile(r"mdi:[a-z0-9]+(-[a-z0-9]+)*")

# manifest.json


def test_manifest_keys_have_the_loaders_types() -> None:
    """Every key is one Home Assistant's loader knows (its Manifest type), with a value of that type."""
    types = get_type_hints(loader.Manifest)
    for key, value in MANIFEST.items():
        assert key in types, f"{key} is not a manifest key"
        wanted = types[key]
        if get_origin(wanted) is Literal:
            assert value in get_args(wanted), f"{key}: {value!r}"
        elif get_origin(wanted) is list:
            assert isinstance(value, list), key
            assert all(isinstance(item, get_args(wanted)[0]) for item in value), key
        else:
            assert isinstance(value, get_origin(wanted) or wanted), key


def test_manifest_as_hassfest_wants_it() -> None:
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:]), "hassfest: domain, name, then alphabetical order"
    assert MANIFEST["domain"] == PACKAGE.name
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["integration_type"] == "service"
    assert MANIFEST["iot_class"] == "local_polling"
    assert MANIFEST["requirements"] == []  # the Deluge client is a subpackage
    assert MANIFEST["codeowners"]
    assert all(re.fullmatch(r"@[A-Za-z0-9-]+(/[A-Za-z0-9_.-]+)?", owner) for owner in MANIFEST["codeowners"])
    for key in ("documentation", "issue_tracker"):
        assert re.fullmatch(r"https://[^\s/]+/\S*", MANIFEST[key]), key
    assert not MANIFEST["documentation"].startswith("https://www.home-assistant.io/integrations")
    assert "quality_scale" not in MANIFEST  # core integrations only


def test_version_is_one_the_loader_accepts() -> None:
    """The loader blocks a custom integration whose version does not parse."""
    version = AwesomeVersion(
        MANIFEST["version"],
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )
    assert version.strategy is AwesomeVersionStrategy.SEMVER
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert MANIFEST["version"] == pyproject["project"]["version"]


async def test_loader_reads_the_manifest(hass: HomeAssistant) -> None:
    integration = await loader.async_get_integration(hass, DOMAIN)

    assert integration.manifest == {**MANIFEST, "is_built_in": False, "overwrites_built_in": False}
    assert str(integration.version) == MANIFEST["version"]
    if hasattr(integration, "has_branding"):  # Home Assistant 2026.3 and later
        assert integration.has_branding


# hacs.json

HACS_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "content_in_root": bool,
    "zip_release": bool,
    "filename": str,
    "hide_default_branch": bool,
    "country": (str, list),
    "homeassistant": str,
    "persistent_directory": str,
    "render_readme": bool,
    "hacs": str,
}


def test_hacs_manifest() -> None:
    assert HACS["name"] == MANIFEST["name"]
    for key, value in HACS.items():
        assert key in HACS_KEYS, f"{key} is not a hacs.json key"
        assert isinstance(value, HACS_KEYS[key]), key
    assert not HACS.get("content_in_root", False)  # custom_components/<domain>/ layout
    minimum = AwesomeVersion(HACS["homeassistant"])
    assert minimum.strategy is AwesomeVersionStrategy.CALVER
    assert minimum <= AwesomeVersion(ha_const.__version__), (
        "hacs.json admits a Home Assistant newer than the tested one"
    )


# services.yaml against the registered actions


def _schema_fields(schema: Any) -> dict[str, bool]:
    """The fields of an action's schema: name -> required."""
    return {str(marker): type(marker).__name__ == "Required" for marker in schema.schema}


async def test_services_yaml_matches_the_registered_schemas(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    registered = hass.services.async_services()[DOMAIN]
    target_fields = set(cv.ENTITY_SERVICE_FIELDS)

    assert set(registered) == set(SERVICES_YAML)
    for name, service in registered.items():
        described = SERVICES_YAML[name] or {}
        fields = _schema_fields(service.schema)
        has_target = target_fields <= set(fields)
        assert has_target == ("target" in described), f"{name}: target in services.yaml and schema"
        own = {field: required for field, required in fields.items() if field not in target_fields}
        yaml_fields = described.get("fields") or {}
        assert set(own) == set(yaml_fields), f"{name}: fields"
        for field, required in own.items():
            assert bool(yaml_fields[field].get("required")) == required, f"{name}.{field}: required"
            assert "selector" in yaml_fields[field], f"{name}.{field}: selector"


async def test_home_assistant_reads_every_description(hass: HomeAssistant) -> None:
    """Through Home Assistant's own loaders: services.yaml, and the translated names and descriptions."""
    assert await async_setup_component(hass, DOMAIN, {})
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    translations = await async_get_translations(hass, "en", "services", [DOMAIN])

    assert set(descriptions) == set(SERVICES_YAML)
    for name, description in descriptions.items():
        prefix = f"component.{DOMAIN}.services.{name}"
        assert translations[f"{prefix}.name"]
        assert translations[f"{prefix}.description"]
        for field in description["fields"]:
            assert translations[f"{prefix}.fields.{field}.name"], f"{name}.{field}"
            assert translations[f"{prefix}.fields.{field}.description"], f"{name}.{field}"


# icons.json


def _icons(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for child in value.values():
            yield from _icons(child)
    else:
        yield value


def test_icons_are_material_design_icons() -> None:
    assert set(ICONS) <= {"entity", "services"}
    for icon in _icons(ICONS):
        assert ICON.fullmatch(icon), icon


def test_every_entity_has_icons() -> None:
    expected: dict[str, set[str]] = {}
    for platform, description in entity_descriptions():
        assert description.translation_key is not None
        expected.setdefault(platform, set()).add(description.translation_key)
        icons = ICONS["entity"][platform][description.translation_key]
        assert "default" in icons, f"{platform}.{description.translation_key}"
        if options := getattr(description, "options", None):  # an enum: one icon per state
            assert set(icons["state"]) == set(options), f"{platform}.{description.translation_key}"
        if event_types := getattr(description, "event_types", None):
            assert set(icons["state_attributes"]["event_type"]["state"]) == set(event_types)
        if platform == "switch":
            assert set(icons["state"]) == {"on", "off"}, f"switch.{description.translation_key}"
    assert {platform: set(keys) for platform, keys in ICONS["entity"].items()} == expected


def test_every_action_has_an_icon() -> None:
    assert set(ICONS["services"]) == set(SERVICES_YAML)
    for name, icons in ICONS["services"].items():
        assert set(icons) == {"service"}, name


def test_no_icons_in_code() -> None:
    """Icons come from icons.json only: no icon= argument, no _attr_icon, no icon property."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword):
                assert node.arg != "icon", f"icon= in {path.name}:{node.value.lineno}"
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                assert name != "_attr_icon", f"_attr_icon in {path.name}:{node.lineno}"
            if isinstance(node, ast.FunctionDef):
                assert node.name != "icon", f"an icon property in {path.name}:{node.lineno}"


# quality_scale.yaml

# Home Assistant's quality scale rules by tier (script/hassfest/quality_scale.py, ALL_RULES).
QUALITY_SCALE_RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
ALL_RULES = [rule for rules in QUALITY_SCALE_RULES.values() for rule in rules]


def _status(rule: str) -> str:
    value = QUALITY_SCALE["rules"][rule]
    return value if isinstance(value, str) else value["status"]


def test_quality_scale_lists_every_rule_validly() -> None:
    """Hassfest's schema: "todo"/"done", or a status with a comment; "exempt" always with a comment."""
    assert set(QUALITY_SCALE) == {"rules"}
    assert list(QUALITY_SCALE["rules"]) == ALL_RULES
    for rule, value in QUALITY_SCALE["rules"].items():
        if isinstance(value, str):
            assert value in {"todo", "done"}, rule
        else:
            assert set(value) == {"status", "comment"}, rule
            assert value["status"] in {"todo", "done", "exempt"}, rule
            assert isinstance(value["comment"], str), rule
            assert value["comment"].strip(), rule


@pytest.mark.skipif(
    AwesomeVersion(ha_const.__version__) < AwesomeVersion("2026.10.0"),
    reason="the rule list is that of Home Assistant 2026.10",
)
def test_quality_scale_rules_are_home_assistants_current_ones() -> None:
    """A platinum core integration of the installed Home Assistant lists the same rules."""
    reference = Path(loader.__file__).parent / "components" / "peblar" / "quality_scale.yaml"
    assert set(load_yaml_dict(str(reference))["rules"]) == set(ALL_RULES)


def _module(name: str) -> ast.Module:
    return ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))


def _defines(tree: ast.Module, name: str) -> bool:
    return any(
        (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name)
        or (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and any(isinstance(target, ast.Name) and target.id == name for target in _targets(node))
        )
        for node in ast.walk(tree)
    )


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


# What a "done" rule promises that the code can be checked for.
DONE_CHECKS: dict[str, Callable[[], bool]] = {
    "config-flow": lambda: MANIFEST["config_flow"] is True and (PACKAGE / "config_flow.py").is_file(),
    "reauthentication-flow": lambda: _defines(_module("config_flow"), "async_step_reauth"),
    "reconfiguration-flow": lambda: _defines(_module("config_flow"), "async_step_reconfigure"),
    "config-entry-unloading": lambda: _defines(_module("__init__"), "async_unload_entry"),
    "diagnostics": lambda: all(
        _defines(_module("diagnostics"), name)
        for name in ("async_get_config_entry_diagnostics", "async_get_device_diagnostics")
    ),
    "parallel-updates": lambda: all(
        _defines(_module(platform.value), "PARALLEL_UPDATES") for platform in PLATFORMS
    ),
    "has-entity-name": lambda: "_attr_has_entity_name = True" in (PACKAGE / "entity.py").read_text(),
    "runtime-data": lambda: "entry.runtime_data = " in (PACKAGE / "__init__.py").read_text(),
    "repair-issues": (PACKAGE / "issues.py").is_file,
    "brands": (PACKAGE / "brand" / "icon.png").is_file,
    "icon-translations": (PACKAGE / "icons.json").is_file,
    "inject-websession": lambda: "async_create_clientsession" in (PACKAGE / "client_factory.py").read_text(),
    "strict-typing": (PACKAGE / "client" / "py.typed").is_file,
    "dependency-transparency": lambda: MANIFEST["requirements"] == [],
}


@pytest.mark.parametrize("rule", sorted(DONE_CHECKS))
def test_done_rules_hold(rule: str) -> None:
    assert _status(rule) == "done"
    assert DONE_CHECKS[rule]()


def test_exempt_rules_still_hold() -> None:
    assert _status("discovery") == "exempt"
    assert not {"zeroconf", "ssdp", "dhcp", "usb", "bluetooth", "homekit", "mqtt"} & set(MANIFEST)


# Brand images (Home Assistant's brand rules)

BRAND = PACKAGE / "brand"
ALLOWED_BRAND_IMAGES = {
    "icon.png",
    "icon@2x.png",
    "logo.png",
    "logo@2x.png",
    "dark_icon.png",
    "dark_icon@2x.png",
    "dark_logo.png",
    "dark_logo@2x.png",
}


def test_brand_images_follow_the_rules() -> None:
    names = {path.name for path in BRAND.iterdir()}
    assert names <= ALLOWED_BRAND_IMAGES
    assert {"icon.png", "icon@2x.png", "logo.png", "logo@2x.png"} <= names
    for name in names:
        with Image.open(BRAND / name) as image:
            assert image.format == "PNG", name
            assert image.mode == "RGBA", name  # a transparent background
            assert image.getbbox() == (0, 0, *image.size), f"{name} is not trimmed"
            assert image.getchannel("A").getextrema()[0] == 0, f"{name} has no transparency"
            width, height = image.size
            hidpi = "@2x" in name
            if "icon" in name:
                assert image.size == ((512, 512) if hidpi else (256, 256)), name
            else:
                assert width >= height, f"{name}: a landscape logo"
                assert (256 if hidpi else 128) <= height <= (512 if hidpi else 256), name
        if hidpi:
            with Image.open(BRAND / name.replace("@2x", "")) as base:
                assert image.size == (base.width * 2, base.height * 2), name


@pytest.mark.skipif(
    importlib.util.find_spec("homeassistant.components.brands") is None,
    reason="Home Assistant serves a custom integration's brand images from 2026.3 on",
)
async def test_home_assistant_serves_the_brand_images(hass: HomeAssistant, hass_client: Any) -> None:
    """Home Assistant 2026.3+ serves a custom integration's own brand/ images."""
    assert await async_setup_component(hass, "brands", {})
    client = await hass_client()
    for name in ("icon.png", "logo@2x.png", "dark_logo.png"):
        response = await client.get(f"/api/brands/integration/{DOMAIN}/{name}")
        assert response.status == 200, name
        assert await response.read() == (BRAND / name).read_bytes()
