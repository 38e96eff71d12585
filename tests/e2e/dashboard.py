"""The example dashboard (docs/lovelace-example.yaml), installed through the websocket API."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from homeassistant.util import slugify
import yaml

from .ha_api import HomeAssistantWebSocket, JsonObject
from .hass_process import REPO_ROOT

EXAMPLE_YAML: Final = REPO_ROOT / "docs" / "lovelace-example.yaml"
DASHBOARD_PATH: Final = "deluge-demo"  # a dashboard's url_path must contain a hyphen
SERVER_DEVICE_NAME: Final = "Deluge"  # what the example's server entity ids assume
DOMAIN: Final = "deluge_webapi"


def load_example(path: Path = EXAMPLE_YAML) -> JsonObject:
    """Return the example dashboard as the JSON ``lovelace/config/save`` takes."""
    config: JsonObject = yaml.safe_load(path.read_text())
    return config


def entity_ids(config: Any) -> set[str]:
    """Every entity id the dashboard configuration names."""
    found: set[str] = set()
    if isinstance(config, dict):
        for key, value in config.items():
            if key == "entity" and isinstance(value, str):
                found.add(value)
            elif key == "entities" and isinstance(value, list):
                found.update(item for item in value if isinstance(item, str))
            found |= entity_ids(value)
    elif isinstance(config, list):
        for item in config:
            found |= entity_ids(item)
    return found


async def server_device(ws: HomeAssistantWebSocket, entry_id: str) -> JsonObject | None:
    """Return the Deluge server's device of a config entry from the device registry."""
    devices: list[JsonObject] = await ws.command("config/device_registry/list")
    for device in devices:
        if [DOMAIN, entry_id] in device["identifiers"]:
            return device
    return None


async def name_server_device(
    ws: HomeAssistantWebSocket, entry_id: str, name: str = SERVER_DEVICE_NAME
) -> None:
    """Rename the server's device and its entity ids, as the device page's rename dialog does."""
    device = await server_device(ws, entry_id)
    if device is None:
        raise RuntimeError("the Deluge server has no device")
    old_prefix = slugify(device["name"]) + "_"
    new_prefix = slugify(name) + "_"
    await ws.command("config/device_registry/update", device_id=device["id"], name_by_user=name)
    entities: list[JsonObject] = await ws.command("config/entity_registry/list")
    for entity in entities:
        if entity["device_id"] != device["id"]:
            continue
        domain, object_id = entity["entity_id"].split(".", 1)
        if object_id.startswith(old_prefix):
            new_entity_id = f"{domain}.{new_prefix}{object_id.removeprefix(old_prefix)}"
            await ws.command(
                "config/entity_registry/update", entity_id=entity["entity_id"], new_entity_id=new_entity_id
            )


async def install_dashboard(
    ws: HomeAssistantWebSocket, config: JsonObject, url_path: str = DASHBOARD_PATH
) -> str:
    """Create the dashboard (shown in the sidebar) unless it exists, and save its configuration."""
    dashboards: list[JsonObject] = await ws.command("lovelace/dashboards/list")
    if not any(dashboard["url_path"] == url_path for dashboard in dashboards):
        await ws.command(
            "lovelace/dashboards/create",
            url_path=url_path,
            title=config.get("title", "Deluge"),
            icon="mdi:download-network",
            show_in_sidebar=True,
            require_admin=False,
            mode="storage",
        )
    await ws.command("lovelace/config/save", url_path=url_path, config=config)
    first_view = config["views"][0].get("path", "0")
    return f"{url_path}/{first_view}"
