"""Deluge's Label plugin: whether it is enabled, and its labels.

Whether the plugin is enabled is asked once, when the entry is set up (and so on every reload):
without it there are no label entities and the coordinator never asks for labels. With it the
label list is read on every poll, in the same concurrent round as the torrents: it is one small
call that adds no time to a poll, and it lets a label made in Deluge's own UI show up as an
option on the next poll.
"""

from __future__ import annotations

from typing import Final

from .client import DelugeLabelPluginMissingError, DelugeResponseError, DelugeWebClient

LABEL_PLUGIN: Final = "label"
# Home Assistant's limit for a state, so for a select option.
MAX_LABEL_LENGTH: Final = 255


async def async_label_plugin_enabled(client: DelugeWebClient) -> bool:
    """Return whether Deluge's Label plugin is enabled."""
    return any(plugin.lower() == LABEL_PLUGIN for plugin in await client.get_enabled_plugins())


async def async_fetch_labels(client: DelugeWebClient) -> tuple[str, ...] | None:
    """Return Deluge's labels, sorted; None when the Label plugin has been disabled since.

    One call (``label.get_labels``): the client's ``get_labels`` would ask for the enabled
    plugins first, on every poll.
    """
    try:
        result = await client.call("label.get_labels")
    except DelugeLabelPluginMissingError:
        return None
    if not isinstance(result, list):
        raise DelugeResponseError("label.get_labels did not answer with a list")
    return tuple(
        sorted(
            label
            for label in result
            if isinstance(label, str) and label and len(label) <= MAX_LABEL_LENGTH and label.isprintable()
        )
    )
