"""Config flow for Deluge WebAPI: where the Web UI is, its password, and the polling options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_SCAN_INTERVAL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

if TYPE_CHECKING:
    # What ``voluptuous`` is at run time since Home Assistant 2026.9 (a shim over probatio), and
    # the type Home Assistant's flow methods are annotated with.
    import probatio as vol
else:
    import voluptuous as vol  # Home Assistant before 2026.9 has no probatio

from .client import (
    DelugeAddress,
    DelugeAuthenticationError,
    DelugeConnectionError,
    DelugeDaemonNotConnectedError,
    DelugeInvalidAddressError,
    DelugeResponseError,
    DelugeSSLError,
    DelugeWebApiMissingError,
)
from .client_factory import create_client
from .const import (
    CONF_MAX_TORRENT_ENTITIES,
    CONF_TORRENT_ENTITIES,
    CONF_TURTLE_DOWNLOAD_KIB,
    CONF_TURTLE_UPLOAD_KIB,
    DEFAULT_MAX_TORRENT_ENTITIES,
    DEFAULT_PORT,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_TORRENT_ENTITIES,
    DEFAULT_TURTLE_DOWNLOAD_KIB,
    DEFAULT_TURTLE_UPLOAD_KIB,
    DOMAIN,
    LOGGER,
    MAX_SCAN_INTERVAL_SECONDS,
    MIN_SCAN_INTERVAL_SECONDS,
    TorrentEntities,
)
from .speed_limits import MAX_SPEED_LIMIT_KIB

# Shown in the host field's description, as a placeholder: translations carry no URLs of their own.
_PLACEHOLDERS: Final = {"example_url": "https://example.com/deluge"}

_DEFAULT_SCAN_SECONDS: Final = int(DEFAULT_SCAN_INTERVAL.total_seconds())
_MAX_TORRENT_ENTITIES_LIMIT: Final = 1000

_HOST_SELECTOR: Final = TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="url"))
_PASSWORD_SELECTOR: Final = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)

USER_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_HOST): _HOST_SELECTOR,
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_VERIFY_SSL, default=True): BooleanSelector(),
    }
)
REAUTH_SCHEMA: Final = vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR})
RECONFIGURE_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_HOST): _HOST_SELECTOR,
        vol.Required(CONF_VERIFY_SSL): BooleanSelector(),
    }
)
# Turtle mode's limits: KiB/s like Deluge's own, 0 for unlimited.
_TURTLE_LIMIT: Final = vol.All(
    NumberSelector(
        NumberSelectorConfig(
            min=0, max=MAX_SPEED_LIMIT_KIB, step=1, unit_of_measurement="KiB/s", mode=NumberSelectorMode.BOX
        )
    ),
    vol.Coerce(int),
)
OPTIONS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_SCAN_INTERVAL, default=_DEFAULT_SCAN_SECONDS): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=MIN_SCAN_INTERVAL_SECONDS,
                    max=MAX_SCAN_INTERVAL_SECONDS,
                    step=1,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_TORRENT_ENTITIES, default=DEFAULT_TORRENT_ENTITIES.value): SelectSelector(
            SelectSelectorConfig(
                options=[choice.value for choice in TorrentEntities],
                translation_key=CONF_TORRENT_ENTITIES,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        vol.Required(CONF_MAX_TORRENT_ENTITIES, default=DEFAULT_MAX_TORRENT_ENTITIES): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=0, max=_MAX_TORRENT_ENTITIES_LIMIT, step=1, mode=NumberSelectorMode.BOX
                )
            ),
            vol.Coerce(int),
        ),
        vol.Required(CONF_TURTLE_DOWNLOAD_KIB, default=DEFAULT_TURTLE_DOWNLOAD_KIB): _TURTLE_LIMIT,
        vol.Required(CONF_TURTLE_UPLOAD_KIB, default=DEFAULT_TURTLE_UPLOAD_KIB): _TURTLE_LIMIT,
    }
)

# Each client error and the form error it shows, as (field, translation key). The first match wins,
# so a subclass comes before its base (DelugeSSLError is a DelugeConnectionError).
_FORM_ERRORS: Final[tuple[tuple[type[Exception], str, str], ...]] = (
    (DelugeInvalidAddressError, CONF_HOST, "invalid_host"),
    (DelugeAuthenticationError, "base", "invalid_auth"),
    (DelugeSSLError, "base", "ssl_error"),
    (DelugeConnectionError, "base", "cannot_connect"),
    (DelugeResponseError, "base", "cannot_connect"),
    (DelugeWebApiMissingError, "base", "webapi_missing"),
    (DelugeDaemonNotConnectedError, "base", "daemon_not_connected"),
)


def form_errors(err: Exception) -> dict[str, str]:
    """Return the form errors for a failed check; log (without input) what nobody expected.

    Call it from an ``except`` block: the log line carries the traceback of the error being handled.
    """
    for error_type, field, key in _FORM_ERRORS:
        if isinstance(err, error_type):
            return {field: key}
    LOGGER.exception("Unexpected error while checking the Deluge Web UI")
    return {"base": "unknown"}


async def async_check_deluge(
    hass: HomeAssistant, host: DelugeAddress | str, password: str, verify_ssl: bool
) -> dict[str, str]:
    """Log in, attach the Web UI to its daemon if needed and ask WebAPI; the form errors, if any."""
    try:
        client = create_client(hass, host, password, verify_ssl)
        await client.login()
        await client.ensure_daemon_connected()
        await client.get_server_info()
    except Exception as err:  # noqa: BLE001 - every failure is a form error; form_errors logs the unexpected
        return form_errors(err)
    return {}


def entry_title(address: DelugeAddress) -> str:
    """Name an entry after its host; add the port and path only where they tell two Deluges apart."""
    host = f"[{address.host}]" if ":" in address.host else address.host
    scheme_port = 443 if address.scheme == "https" else 80
    port = "" if address.port in (DEFAULT_PORT, scheme_port) else f":{address.port}"
    return f"{host}{port}{address.path}"


class DelugeWebApiConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a Deluge Web UI: address and password, checked against Deluge before saving."""

    VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> DelugeWebApiOptionsFlow:
        """Return the options flow."""
        del config_entry
        return DelugeWebApiOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the Web UI's address and password."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host: str = user_input[CONF_HOST].strip()
            try:
                address = DelugeAddress.parse(host)
            except DelugeInvalidAddressError as err:
                errors = form_errors(err)
            else:
                # Before logging in: the same Deluge is refused whatever password was typed.
                await self.async_set_unique_id(address.normalized)
                self._abort_if_unique_id_configured()
                errors = await async_check_deluge(
                    self.hass, address, user_input[CONF_PASSWORD], user_input[CONF_VERIFY_SSL]
                )
                if not errors:
                    return self.async_create_entry(
                        title=entry_title(address),
                        data={
                            CONF_HOST: host,
                            CONF_PASSWORD: user_input[CONF_PASSWORD],
                            CONF_VERIFY_SSL: user_input[CONF_VERIFY_SSL],
                        },
                    )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
            description_placeholders=_PLACEHOLDERS,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Deluge refused the stored password."""
        del entry_data
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the Web UI's new password."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await async_check_deluge(
                self.hass, entry.data[CONF_HOST], user_input[CONF_PASSWORD], entry.data[CONF_VERIFY_SSL]
            )
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: user_input[CONF_PASSWORD]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={CONF_HOST: entry.data[CONF_HOST]},
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change how the same Deluge is reached: the address's spelling, or the certificate check."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host: str = user_input[CONF_HOST].strip()
            try:
                address = DelugeAddress.parse(host)
            except DelugeInvalidAddressError as err:
                errors = form_errors(err)
            else:
                await self.async_set_unique_id(address.normalized)
                self._abort_if_unique_id_mismatch(reason="wrong_deluge")
                errors = await async_check_deluge(
                    self.hass, address, entry.data[CONF_PASSWORD], user_input[CONF_VERIFY_SSL]
                )
                if not errors:
                    return self.async_update_reload_and_abort(
                        entry,
                        data_updates={CONF_HOST: host, CONF_VERIFY_SSL: user_input[CONF_VERIFY_SSL]},
                    )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(RECONFIGURE_SCHEMA, user_input or entry.data),
            errors=errors,
            description_placeholders={**_PLACEHOLDERS, CONF_HOST: entry.data[CONF_HOST]},
        )


class DelugeWebApiOptionsFlow(OptionsFlowWithReload):
    """How often to poll Deluge and which torrents get entities; a change reloads the entry."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the options."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(OPTIONS_SCHEMA, self.config_entry.options),
        )
