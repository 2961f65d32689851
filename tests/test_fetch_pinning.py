"""Connections go to the addresses the address policy judged: a host name that answers
differently the second time (DNS rebinding) cannot lead a checked request to another address."""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import httpcore

from extractor.fetch.client import AddressPolicy, Client, PinnedBackend

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "fixtures" / "web"
_spec = importlib.util.spec_from_file_location("fetch_fixture_server_pinning", WEB / "server.py")
server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)
PAGE = "/xxgk/ndbg/202401/t20240126_87885.html"


class Recorder(httpcore.AsyncNetworkBackend):
    """An inner backend that records where it was asked to connect, and connects nowhere."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.calls.append((host, port))
        raise httpcore.ConnectError("recorded, not connected")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def test_the_backend_connects_to_the_judged_address_not_a_second_answer() -> None:
    answers = iter([[ipaddress.ip_address("8.8.8.8")], [ipaddress.ip_address("127.0.0.1")]])
    asked: list[str] = []

    async def rebinding_dns(host: str):
        asked.append(host)
        return next(answers)

    async def run() -> None:
        policy = AddressPolicy(resolve=rebinding_dns)
        assert await policy.is_public("reports.example.gov.cn") is True  # judged public
        inner = Recorder()
        backend = PinnedBackend(policy, inner)
        for _ in range(2):
            try:
                await backend.connect_tcp("reports.example.gov.cn", 443)
            except httpcore.ConnectError:
                pass
        assert inner.calls == [("8.8.8.8", 443), ("8.8.8.8", 443)]  # never the second answer

    asyncio.run(run())
    assert asked == ["reports.example.gov.cn"]  # resolved once: the answer judged is the one used


def test_every_judged_address_is_tried_in_turn_and_an_unresolvable_host_fails_cleanly() -> None:
    async def dns(host: str):
        if host == "nowhere.example":
            raise OSError("no such host")
        return [ipaddress.ip_address("203.0.113.9"), ipaddress.ip_address("2001:db8::9")]

    async def run() -> None:
        inner = Recorder()
        backend = PinnedBackend(AddressPolicy(resolve=dns), inner)
        try:
            await backend.connect_tcp("two.example", 80)
        except httpcore.ConnectError:
            pass
        assert inner.calls == [("203.0.113.9", 80), ("2001:db8::9", 80)]
        try:
            await backend.connect_tcp("nowhere.example", 80)
        except httpcore.ConnectError as exc:
            assert "cannot resolve nowhere.example" in str(exc)
        else:
            raise AssertionError("an unresolvable host must fail")

    asyncio.run(run())


def test_a_real_download_goes_through_the_pinned_address(tmp_path: Path) -> None:
    """A name the system cannot resolve (.test) is fetched from the local site because the client
    connects to the address its policy resolved, and nothing else."""
    with server.Site() as site:
        port = urlsplit(site.url(PAGE)).port

        async def dns(host: str):
            assert host == "reports.example.test"
            return [ipaddress.ip_address("127.0.0.1")]

        async def run():
            client = Client(tmp_path, delay=0.0, retries=0, timeout=5.0, respect_robots=False, resolve=dns)
            try:
                return await client.download(f"http://reports.example.test:{port}{PAGE}")
            finally:
                await client.aclose()

        result = asyncio.run(run())
    assert result.error is None and result.http_status == 200
    assert result.path is not None and (tmp_path / result.path).read_bytes() == (WEB / "site" / PAGE.lstrip("/")).read_bytes()
