"""Parsing what users type as Deluge's address."""

from __future__ import annotations

import pytest

from custom_components.deluge_webapi.client import (
    DelugeAddress,
    DelugeError,
    DelugeInvalidAddressError,
)


@pytest.mark.parametrize(
    ("text", "parts", "base_url"),
    [
        ("192.168.1.5", ("http", "192.168.1.5", 8112, ""), "http://192.168.1.5:8112"),
        ("  192.168.1.5  ", ("http", "192.168.1.5", 8112, ""), "http://192.168.1.5:8112"),
        ("nas.local:8112", ("http", "nas.local", 8112, ""), "http://nas.local:8112"),
        ("NAS.Local:9000", ("http", "nas.local", 9000, ""), "http://nas.local:9000"),
        ("nas", ("http", "nas", 8112, ""), "http://nas:8112"),
        ("my_box.lan", ("http", "my_box.lan", 8112, ""), "http://my_box.lan:8112"),
        ("[::1]:8112", ("http", "::1", 8112, ""), "http://[::1]:8112"),
        ("[::1]", ("http", "::1", 8112, ""), "http://[::1]:8112"),
        ("::1", ("http", "::1", 8112, ""), "http://[::1]:8112"),
        ("[2001:DB8:0:0::1]:9", ("http", "2001:db8::1", 9, ""), "http://[2001:db8::1]:9"),
        ("http://host:8112", ("http", "host", 8112, ""), "http://host:8112"),
        ("http://host", ("http", "host", 80, ""), "http://host:80"),
        ("https://host", ("https", "host", 443, ""), "https://host:443"),
        (
            "HTTPS://Example.com/deluge/",
            ("https", "example.com", 443, "/deluge"),
            "https://example.com:443/deluge",
        ),
        (
            "https://example.com:8443/a/deluge",
            ("https", "example.com", 8443, "/a/deluge"),
            "https://example.com:8443/a/deluge",
        ),
        ("nas.local:8112/deluge", ("http", "nas.local", 8112, "/deluge"), "http://nas.local:8112/deluge"),
        ("http://host:8112/", ("http", "host", 8112, ""), "http://host:8112"),
        (
            "http://[fe80::1]:8112/Deluge",
            ("http", "fe80::1", 8112, "/Deluge"),
            "http://[fe80::1]:8112/Deluge",
        ),
        ("bücher.example", ("http", "xn--bcher-kva.example", 8112, ""), "http://xn--bcher-kva.example:8112"),
        ("host.example.", ("http", "host.example", 8112, ""), "http://host.example:8112"),
    ],
)
def test_parse_valid(text: str, parts: tuple[str, str, int, str], base_url: str) -> None:
    address = DelugeAddress.parse(text)

    assert (address.scheme, address.host, address.port, address.path) == parts
    assert address.base_url == base_url
    assert str(address) == base_url
    assert address.json_url == f"{base_url}/json"
    assert address.normalized == base_url.lower()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "ftp://host",
        "http://",
        "http:///deluge",
        "://host",
        "host:",
        "host:0",
        "host:65536",
        "host:80a",
        "host:-1",
        "host:99999999",
        "ho st",
        "ho\nst",
        "host\x00",
        "user:pass@host",
        "http://user:secret@host:8112",
        "http://host/?q=1",
        "http://host/#frag",
        "http://host\\deluge",
        "[::1",
        "[::1]x",
        "[not-ipv6]:8112",
        "[fe80::1%eth0]:8112",
        "1:2:3",
        "999.1.1.1",
        "1.2.3",
        "-host.example",
        "host-.example",
        "a..b",
        "bad$host",
        f"{'a' * 64}.example",
        f"{'a.' * 127}a",
        "http://host/de luge",
        "http://host/a//b",
        "http://host/../etc",
        "http://host/<script>",
        "javascript:alert(1)",
        "\ud800",
    ],
)
def test_parse_garbage(text: str) -> None:
    with pytest.raises(DelugeInvalidAddressError) as raised:
        DelugeAddress.parse(text)

    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, DelugeError)
    assert "Invalid Deluge address" in str(raised.value)


def test_error_message_is_bounded() -> None:
    with pytest.raises(DelugeInvalidAddressError) as raised:
        DelugeAddress.parse("x" * 10_000 + " y")

    assert len(str(raised.value)) < 200


def test_normalized_tells_the_same_deluge_apart() -> None:
    assert (
        DelugeAddress.parse("NAS.local").normalized
        == DelugeAddress.parse("http://nas.local:8112/").normalized
    )
    assert (
        DelugeAddress.parse("nas.local").normalized
        != DelugeAddress.parse("https://nas.local:8112").normalized
    )
    assert DelugeAddress.parse("nas.local").normalized != DelugeAddress.parse("nas.local/deluge").normalized


def test_address_is_frozen() -> None:
    address = DelugeAddress.parse("nas.local")

    with pytest.raises(AttributeError):
        address.port = 1  # type: ignore[misc]
    assert address == DelugeAddress("http", "nas.local", 8112)
