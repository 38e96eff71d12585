"""A page in a running headless Chromium, driven through the DevTools protocol over a websocket.

``scripts/first_use_check`` starts Chromium on the host (``--remote-debugging-port``) and passes
its port: this module only opens a tab, logs it in to Home Assistant, and reads what it shows.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from pathlib import Path
import time
from typing import Any, Final

import aiohttp

from .ha_api import JsonObject

VIEWPORT: Final = {"width": 1440, "height": 900}

# Everything the page shows, through every shadow root: the custom elements' names and the text.
# Home Assistant's frontend is built of web components, so document.body.innerText sees nothing.
_READ_PAGE_JS: Final = """
(() => {
  const tags = {};
  const texts = [];
  const walk = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.TEXT_NODE) {
        const parent = node.parentElement ? node.parentElement.localName : "";
        const text = node.textContent.trim();
        if (text && parent !== "style" && parent !== "script") texts.push(text);
        continue;
      }
      tags[node.localName] = (tags[node.localName] || 0) + 1;
      if (node.shadowRoot) walk(node.shadowRoot);
    }
  };
  walk(document);
  return {tags, texts, url: location.href};
})()
"""


_PROBLEM_EVENTS: Final = {"Runtime.exceptionThrown", "Runtime.consoleAPICalled", "Log.entryAdded"}


def _describe_problem(message: JsonObject) -> str:
    params = message.get("params", {})
    if message["method"] == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        return f"exception: {details.get('exception', {}).get('description') or details.get('text')}"
    if message["method"] == "Runtime.consoleAPICalled":
        args = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
        return f"console.{params.get('type')}: {args}"
    entry = params.get("entry", {})
    return f"{entry.get('source')} {entry.get('level')}: {entry.get('text')} {entry.get('url', '')}"


class DevToolsError(Exception):
    """Chromium answered a DevTools command with an error."""


class BrowserPage:
    """One tab, with a DevTools connection of its own."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        devtools: str,
        target_id: str,
        ws: aiohttp.ClientWebSocketResponse,
    ) -> None:
        self._session = session
        self._devtools = devtools
        self._target_id = target_id
        self._ws = ws
        self._ids = itertools.count(1)
        self.problems: list[str] = []  # the page's JavaScript errors and failed loads, as they came

    @classmethod
    async def open(cls, session: aiohttp.ClientSession, devtools_port: int) -> BrowserPage:
        """Open a blank tab in the Chromium listening on ``devtools_port``."""
        devtools = f"http://127.0.0.1:{devtools_port}"
        async with session.put(f"{devtools}/json/new?about:blank") as response:
            target = await response.json(content_type=None)
        ws = await session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        page = cls(session, devtools, target["id"], ws)
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        await page.send("Log.enable")
        await page.send("Emulation.setDeviceMetricsOverride", **VIEWPORT, deviceScaleFactor=1, mobile=False)
        return page

    async def send(self, method: str, **params: Any) -> JsonObject:
        """Send a DevTools command; return its result (events in between are skipped)."""
        message_id = next(self._ids)
        await self._ws.send_str(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = await self._ws.receive_json()
            if message.get("method") in _PROBLEM_EVENTS:
                self.problems.append(_describe_problem(message))
            if message.get("id") != message_id:
                continue
            if "error" in message:
                raise DevToolsError(f"{method}: {message['error']}")
            result: JsonObject = message.get("result", {})
            return result

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page; return its value."""
        answer = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            raise DevToolsError(f"JavaScript failed: {answer['exceptionDetails'].get('text')}")
        return answer["result"].get("value")

    async def log_in_to(self, hass_url: str, tokens: JsonObject) -> None:
        """Give every page of ``hass_url`` the frontend's stored tokens before its scripts run."""
        script = (
            f"if (location.origin === {json.dumps(hass_url)}) "
            f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});"
        )
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=script)

    async def navigate(self, url: str, limit: float = 60) -> None:
        """Open ``url`` and wait for its document to finish loading."""
        await self.send("Page.navigate", url=url)
        deadline = time.monotonic() + limit
        while await self.evaluate("document.readyState") != "complete" or await self.evaluate(
            "location.href"
        ) in ("about:blank", ""):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load within {limit:.0f} s")
            await asyncio.sleep(0.2)

    async def read(self) -> JsonObject:
        """Return the custom elements (tag name -> count), the texts and the URL the page shows."""
        content: JsonObject = await self.evaluate(_READ_PAGE_JS)
        return content

    async def screenshot(self, path: Path) -> None:
        answer = await self.send("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(answer["data"]))

    async def close(self) -> None:
        await self._ws.close()
        async with self._session.get(f"{self._devtools}/json/close/{self._target_id}"):
            pass
