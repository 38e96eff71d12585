"""The integration loads in the real Home Assistant of the test environment."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component

from custom_components.deluge_webapi.const import DOMAIN


async def test_integration_loads(hass: HomeAssistant) -> None:
    integration = await async_get_integration(hass, DOMAIN)

    assert integration.domain == DOMAIN
    assert integration.config_flow is True
    assert integration.is_built_in is False
    assert integration.pkg_path == "custom_components.deluge_webapi"


async def test_setup_without_yaml(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components
