"""Deluge's JSON-RPC answers: the one JSON decoding point, and error objects mapped to exceptions."""

from __future__ import annotations

from collections.abc import Callable
import json
import re
from typing import Any

from .exceptions import (
    DelugeAuthenticationError,
    DelugeDuplicateTorrentError,
    DelugeError,
    DelugeInvalidTorrentError,
    DelugeMethodNotFoundError,
    DelugeResponseError,
    DelugeServerError,
    DelugeTorrentNotFoundError,
)

_fast_loads: Callable[[bytes], Any] | None
try:
    from orjson import loads as _fast_loads
except ImportError:  # the client needs only aiohttp
    _fast_loads = None

CODE_NOT_AUTHENTICATED = 1
CODE_UNKNOWN_METHOD = 2
MAX_MESSAGE_LENGTH = 300

# Code 4 messages read: Failure: [Failure instance: Traceback (failure with no frames):
# <class 'deluge.error.X'>: the message, newline, and a closing bracket.
_FAILURE_CLASS = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>: ")
# The exception line at the end of a WrappedException's traceback, such as "KeyError: 'abc'".
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*): ")
_TRACEBACK = "\nTraceback (most recent call last):"
_TORRENT_ID = re.compile(r"\b[0-9a-fA-F]{40}\b")
# Magnet URIs can carry private trackers' passkeys: never repeat them in a message.
_MAGNET = re.compile(r"magnet:\?\S*", re.IGNORECASE)
_INVALID_TORRENT_HINTS = (
    "invalid magnet",
    "unable to add",
    "decoding",
    "bdecode",
    "base64",
    "binascii",
    "incorrect padding",
)


class NotAuthenticatedError(DelugeAuthenticationError):
    """Code 1: the session cookie is missing, unknown or expired. The client logs in again."""


def decode_response(body: bytes) -> object:
    """Decode a response body: the only place the client handles untyped JSON.

    With orjson (Home Assistant ships it) a big answer decodes in about two thirds of the
    time. What orjson refuses, such as the NaN and Infinity that Deluge's json.dumps can write,
    is decoded by the standard library, so the result is what ``json.loads`` gives, except
    that orjson reads integers beyond 64 bits as floats (no Deluge value comes near).
    """
    if _fast_loads is not None:
        try:
            return _fast_loads(body)
        except ValueError:  # orjson.JSONDecodeError: not JSON, or JSON only json.loads reads
            pass
    try:
        document: Any = json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DelugeResponseError("The answer is not JSON") from None
    return document


def result_or_raise(method: str, document: object) -> object:
    """Return the ``result`` of a JSON-RPC answer, or raise what its ``error`` object means."""
    if not isinstance(document, dict) or ("result" not in document and "error" not in document):
        raise DelugeResponseError(f"The answer to {method} is not a JSON-RPC response")
    error = document.get("error")
    if error is None:
        return document.get("result")
    code = error.get("code") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if type(code) is not int or type(message) is not str:
        raise DelugeResponseError(f"The answer to {method} has an error of an unknown shape")
    raise error_for(method, code, message)


def error_for(method: str, code: int, message: str) -> DelugeError:
    """Return the exception for Deluge's error object ``{"code": code, "message": message}``."""
    if code == CODE_NOT_AUTHENTICATED:
        return NotAuthenticatedError(f"Deluge answered {method} with 'Not authenticated'")
    if code == CODE_UNKNOWN_METHOD:
        return DelugeMethodNotFoundError(f"Deluge does not know the method {method}")
    line = one_line(message)
    lowered = message.lower()
    adding = "add_torrent" in method
    if adding and "already in session" in lowered:
        match = _TORRENT_ID.search(message)
        torrent_id = match.group().lower() if match else None
        return DelugeDuplicateTorrentError(line, code=code, method=method, torrent_id=torrent_id)
    if (
        "invalidtorrenterror" in lowered
        or "not in session" in lowered
        or "unknown torrent" in lowered
        or ("keyerror" in lowered and _TORRENT_ID.search(message))
    ):
        return DelugeTorrentNotFoundError(line, code=code, method=method)
    if adding and any(hint in lowered for hint in _INVALID_TORRENT_HINTS):
        return DelugeInvalidTorrentError(line, code=code, method=method)
    return DelugeServerError(line, code=code, method=method)


def one_line(message: str) -> str:
    """Deluge's error text as ``ErrorClass: message`` on one line, without any traceback."""
    match = _FAILURE_CLASS.search(message)
    if match is None:
        text = next((line for line in message.splitlines() if line.strip()), "")
    else:
        name = match.group(1)
        text, _, traceback = message[match.end() :].partition(_TRACEBACK)
        if not traceback:
            text = text.rstrip().removesuffix("]")  # the end of "[Failure instance: ...]"
        if name == "WrappedException":
            # The real exception is named on the last unindented line of the traceback.
            for line in traceback.splitlines():
                if line[:1].isalpha() and (exception := _EXCEPTION_LINE.match(line)):
                    name = exception.group(1)
        if name != "Exception":
            text = f"{name}: {text}"
    text = _MAGNET.sub("<magnet URI>", " ".join(text.split()))
    if not text.isprintable():
        text = "".join(char for char in text if char.isprintable())
    if len(text) > MAX_MESSAGE_LENGTH:
        text = f"{text[: MAX_MESSAGE_LENGTH - 3]}..."
    return text or "Unknown error"


def expect[T: (bool, str)](value: object, kind: type[T], method: str) -> T:
    """Return a method's result when it is a ``kind``; raise DelugeResponseError otherwise."""
    if not isinstance(value, kind):
        raise DelugeResponseError(f"{method} answered with a {type(value).__name__}, not a {kind.__name__}")
    return value


def expect_list(value: object, method: str) -> list[object]:
    """Return a method's result when it is a list; raise DelugeResponseError otherwise."""
    if not isinstance(value, list):
        raise DelugeResponseError(f"{method} answered with a {type(value).__name__}, not a list")
    return value


def expect_dict(value: object, method: str) -> dict[object, object]:
    """Return a method's result when it is a dict; raise DelugeResponseError otherwise."""
    if not isinstance(value, dict):
        raise DelugeResponseError(f"{method} answered with a {type(value).__name__}, not a dict")
    return value
