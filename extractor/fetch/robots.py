"""robots.txt, read once per host and obeyed for every request (including each redirect hop)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

if TYPE_CHECKING:
    from .client import Client, HostGate

AGENT_TOKEN = "gov-disclosure-extractor"


class RobotsCache:
    """Per-host parsed robots.txt. Missing (404) or unreachable: allowed; 401/403: all disallowed."""

    def __init__(self, client: "Client", *, enabled: bool = True) -> None:
        self.client = client
        self.enabled = enabled
        self._parsers: dict[str, RobotFileParser] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._delay_applied: set[str] = set()

    async def _parser(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._parsers:
                parser = RobotFileParser(origin + "/robots.txt")
                status, body = await self.client.get_small(origin + "/robots.txt")
                if status in (401, 403):
                    parser.disallow_all = True  # type: ignore[attr-defined]  # read()'s own flag; not in typeshed
                elif status is not None and 200 <= status < 300:
                    parser.parse(body.decode("utf-8", "replace").splitlines())
                else:
                    parser.allow_all = True  # type: ignore[attr-defined]  # read()'s own flag; not in typeshed
                self._parsers[origin] = parser
            return self._parsers[origin]

    async def allowed(self, url: str) -> bool:
        if not self.enabled:
            return True
        parser = await self._parser(url)
        return parser.can_fetch(AGENT_TOKEN, url)

    async def apply_crawl_delay(self, url: str, gate: "HostGate") -> None:
        """Raise the host's spacing to robots.txt's Crawl-delay when it asks for more."""
        if not self.enabled:
            return
        host = urlsplit(url).netloc.lower()
        if host in self._delay_applied:
            return
        parser = await self._parser(url)
        delay = parser.crawl_delay(AGENT_TOKEN)
        if delay:
            gate.delay = max(gate.delay, min(float(delay), 60.0))
        self._delay_applied.add(host)
