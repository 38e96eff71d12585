"""Home Assistant's HTTP and websocket APIs, called the way its frontend calls them.

Error messages carry the status and Home Assistant's answer, never what was sent (passwords).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
import itertools
import time
from typing import Any, Self

import aiohttp

JsonObject = dict[str, Any]


class HomeAssistantApiError(Exception):
    """Home Assistant answered a request with an error status."""

    def __init__(self, method: str, path: str, status: int, answer: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status}: {answer[:500]}")
        self.status = status


@dataclass(frozen=True, kw_only=True)
class Tokens:
    """What ``/auth/token`` returns for an authorization code."""

    access_token: str
    refresh_token: str
    expires_in: int

    def for_browser(self, hass_url: str, client_id: str) -> JsonObject:
        """Return the frontend's ``hassTokens`` (localStorage) for these tokens."""
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "hassUrl": hass_url,
            "clientId": client_id,
            "expires": int(time.time() * 1000) + self.expires_in * 1000,
        }


class HomeAssistantApi:
    """One Home Assistant's HTTP API, logged in as one user (after ``onboard`` or ``login``)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        # The frontend's own client id and redirect: the browser later reuses these tokens.
        self.client_id = f"{base_url}/"
        self.redirect_uri = f"{base_url}/?auth_callback=1"
        self._tokens: Tokens | None = None

    @property
    def tokens(self) -> Tokens:
        if self._tokens is None:
            raise RuntimeError("not logged in")
        return self._tokens

    # Plain requests

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        form: dict[str, str] | None = None,
        authorized: bool = True,
    ) -> Any:
        """Send one request; return the decoded JSON answer (None when empty)."""
        headers = {"Authorization": f"Bearer {self.tokens.access_token}"} if authorized else {}
        async with self.session.request(
            method, f"{self.base_url}{path}", json=json, data=form, headers=headers
        ) as response:
            text = await response.text()
            if response.status >= HTTPStatus.BAD_REQUEST:
                raise HomeAssistantApiError(method, path.split("?", maxsplit=1)[0], response.status, text)
            return await response.json(content_type=None) if text else None

    # Onboarding and login

    async def onboarding_done(self) -> bool:
        """Whether every onboarding step is done (then Home Assistant drops the onboarding views)."""
        try:
            steps: list[JsonObject] = await self.request("GET", "/api/onboarding", authorized=False)
        except HomeAssistantApiError as err:
            if err.status == HTTPStatus.NOT_FOUND:
                return True
            raise
        return all(step["done"] for step in steps)

    async def onboard(self, *, name: str, username: str, password: str, language: str = "en") -> None:
        """Go through onboarding as the frontend does, and stay logged in as the new owner."""
        answer = await self.request(
            "POST",
            "/api/onboarding/users",
            json={
                "client_id": self.client_id,
                "name": name,
                "username": username,
                "password": password,
                "language": language,
            },
            authorized=False,
        )
        await self._exchange(answer["auth_code"])
        await self.request("POST", "/api/onboarding/core_config", json={})
        await self.request("POST", "/api/onboarding/analytics", json={})
        await self.request(
            "POST",
            "/api/onboarding/integration",
            json={"client_id": self.client_id, "redirect_uri": self.redirect_uri},
        )

    async def login(self, username: str, password: str) -> None:
        """Log in through the login flow of the Home Assistant auth provider."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.redirect_uri,
            },
            authorized=False,
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={"client_id": self.client_id, "username": username, "password": password},
            authorized=False,
        )
        if result.get("type") != "create_entry":
            raise HomeAssistantApiError("POST", "/auth/login_flow", 200, str(result.get("errors")))
        await self._exchange(result["result"])

    async def _exchange(self, code: str) -> None:
        answer = await self.request(
            "POST",
            "/auth/token",
            form={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
            authorized=False,
        )
        self._tokens = Tokens(
            access_token=answer["access_token"],
            refresh_token=answer["refresh_token"],
            expires_in=int(answer["expires_in"]),
        )

    # What the checks use

    async def start_config_flow(self, handler: str) -> JsonObject:
        """Open the config flow of an integration, as *Add integration* does."""
        result: JsonObject = await self.request(
            "POST",
            "/api/config/config_entries/flow",
            json={"handler": handler, "show_advanced_options": False},
        )
        return result

    async def submit_config_flow(self, flow_id: str, user_input: JsonObject) -> JsonObject:
        """Send a flow form, as its *Submit* button does."""
        result: JsonObject = await self.request(
            "POST", f"/api/config/config_entries/flow/{flow_id}", json=user_input
        )
        return result

    async def config_entries(self, domain: str) -> list[JsonObject]:
        entries: list[JsonObject] = await self.request(
            "GET", f"/api/config/config_entries/entry?domain={domain}"
        )
        return entries

    async def states(self) -> dict[str, JsonObject]:
        """Every entity's state, by entity id."""
        states: list[JsonObject] = await self.request("GET", "/api/states")
        return {state["entity_id"]: state for state in states}

    async def call_service(
        self, domain: str, service: str, data: JsonObject, *, return_response: bool = False
    ) -> JsonObject:
        """Call an action through the REST API."""
        query = "?return_response" if return_response else ""
        result: JsonObject | list[JsonObject] = await self.request(
            "POST", f"/api/services/{domain}/{service}{query}", json=data
        )
        return result if isinstance(result, dict) else {"changed_states": result}

    async def websocket(self) -> HomeAssistantWebSocket:
        """Open and authenticate a websocket connection."""
        url = self.base_url.replace("http", "ws", 1) + "/api/websocket"
        connection = await self.session.ws_connect(url, max_msg_size=0)
        hello = await connection.receive_json()
        if hello.get("type") != "auth_required":
            raise RuntimeError(f"unexpected websocket greeting: {hello.get('type')}")
        await connection.send_json({"type": "auth", "access_token": self.tokens.access_token})
        answer = await connection.receive_json()
        if answer.get("type") != "auth_ok":
            await connection.close()
            raise RuntimeError(f"websocket authentication failed: {answer.get('type')}")
        return HomeAssistantWebSocket(connection)


class HomeAssistantWebSocket:
    """One authenticated websocket connection; one command at a time."""

    def __init__(self, connection: aiohttp.ClientWebSocketResponse) -> None:
        self._connection = connection
        self._ids = itertools.count(1)

    async def command(self, command_type: str, **fields: Any) -> Any:
        """Send a command and return its result; raise on an error answer."""
        message_id = next(self._ids)
        await self._connection.send_json({"id": message_id, "type": command_type, **fields})
        while True:
            answer = await self._connection.receive_json()
            if answer.get("id") != message_id or answer.get("type") != "result":
                continue  # an event of an earlier subscription
            if not answer.get("success"):
                raise RuntimeError(f"websocket {command_type}: {answer.get('error')}")
            return answer.get("result")

    async def close(self) -> None:
        await self._connection.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
