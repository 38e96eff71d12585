"""Where Deluge's web UI is: parsed from what a user types, normalised for de-duplication."""

from __future__ import annotations

from dataclasses import dataclass
import ipaddress
import re

from .exceptions import DelugeInvalidAddressError

DEFAULT_PORT = 8112
_SCHEME_PORTS = {"http": 80, "https": 443}
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_PATH = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:%-]*)*")
_DIGITS = re.compile(r"[0-9]{1,5}")
_MAX_HOST_LENGTH = 253
_MAX_PORT = 65535
_MAX_SHOWN = 80


def _invalid(text: str, reason: str) -> DelugeInvalidAddressError:
    shown = text if len(text) <= _MAX_SHOWN else f"{text[: _MAX_SHOWN - 3]}..."
    return DelugeInvalidAddressError(f"Invalid Deluge address {shown!r}: {reason}")


@dataclass(frozen=True, slots=True)
class DelugeAddress:
    """The web UI's address: scheme, host (lower case, IPv6 without brackets), port and path."""

    scheme: str
    host: str
    port: int
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> DelugeAddress:
        """Parse ``192.168.1.5``, ``nas.local:8112``, ``[::1]:8112``, ``https://example.com/deluge/``.

        Without a scheme the port defaults to Deluge's 8112; a URL without a port gets its
        scheme's (80 or 443). Raises DelugeInvalidAddressError on anything else.
        """
        stripped = text.strip()
        if not stripped:
            raise _invalid(text, "empty")
        if not stripped.isprintable() or any(char.isspace() for char in stripped):
            raise _invalid(text, "contains spaces or control characters")
        scheme, separator, rest = stripped.partition("://")
        if separator:
            scheme = scheme.lower()
            if scheme not in _SCHEME_PORTS:
                raise _invalid(text, "the scheme must be http or https")
            default_port = _SCHEME_PORTS[scheme]
        else:
            scheme, rest, default_port = "http", stripped, DEFAULT_PORT
        if any(char in rest for char in "?#@\\"):
            raise _invalid(text, "user names, queries and fragments are not supported")
        authority, slash, path = rest.partition("/")
        host, port = _split_authority(text, authority)
        return cls(
            scheme=scheme,
            host=host,
            port=default_port if port is None else port,
            path=_clean_path(text, f"/{path}" if slash else ""),
        )

    @property
    def base_url(self) -> str:
        """``scheme://host:port/path`` with an IPv6 host in brackets."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def json_url(self) -> str:
        """The JSON-RPC endpoint."""
        return f"{self.base_url}/json"

    @property
    def normalized(self) -> str:
        """A lower-case canonical form, for telling whether two addresses are the same Deluge."""
        return self.base_url.lower()

    def __str__(self) -> str:
        return self.base_url


def _split_authority(text: str, authority: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        inside, bracket, after = authority[1:].partition("]")
        if not bracket:
            raise _invalid(text, "unclosed '['")
        if after and not after.startswith(":"):
            raise _invalid(text, "unexpected text after ']'")
        return _ipv6(text, inside), _port(text, after[1:]) if after else None
    if authority.count(":") > 1:  # a bare IPv6 address, no port possible
        return _ipv6(text, authority), None
    host, colon, port = authority.partition(":")
    return _hostname(text, host), _port(text, port) if colon else None


def _ipv6(text: str, host: str) -> str:
    try:
        address = ipaddress.IPv6Address(host)
    except ValueError:
        raise _invalid(text, "not a valid IPv6 address") from None
    if address.scope_id is not None:
        raise _invalid(text, "IPv6 zone ids are not supported")
    return address.compressed


def _hostname(text: str, host: str) -> str:
    if not host:
        raise _invalid(text, "no host")
    if host.replace(".", "").isdigit():
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise _invalid(text, "not a valid IPv4 address") from None
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _invalid(text, "not a valid host name") from None
    ascii_host = ascii_host.removesuffix(".")
    if len(ascii_host) > _MAX_HOST_LENGTH or not all(
        _LABEL.fullmatch(label) for label in ascii_host.split(".")
    ):
        raise _invalid(text, "not a valid host name")
    return ascii_host


def _port(text: str, port: str) -> int:
    if not _DIGITS.fullmatch(port) or not 1 <= int(port) <= _MAX_PORT:
        raise _invalid(text, "the port must be a number from 1 to 65535")
    return int(port)


def _clean_path(text: str, path: str) -> str:
    if not _PATH.fullmatch(path):
        raise _invalid(text, "the path contains characters that are not allowed")
    path = path.rstrip("/")
    if "//" in path or any(segment in {".", ".."} for segment in path.split("/")):
        raise _invalid(text, "the path has empty, '.' or '..' segments")
    return path
