"""Polite HTTP on httpx: per-host gates, retries with backoff and jitter, Retry-After, size cap, robots,
a total deadline per request, and no move from a public site to a private address."""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import random
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from ..readers.detect import detect_format
from .robots import RobotsCache
from .storage import PartialFile, extension_for, filename_from_url, sanitize_filename

REDIRECT_CODES = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 10  # HTTP redirects of one request; also meta-refresh / JavaScript redirect pages in a row


def user_agent() -> str:
    """The User-Agent every request sends: the tool, its version and why it is crawling."""
    try:
        from importlib.metadata import version

        ver = version("gov-disclosure-extractor")
    except Exception:  # not installed (running from a checkout)
        ver = "0.1.0"
    return f"gov-disclosure-extractor/{ver} (+research; collects published government-information-disclosure annual reports; httpx)"


@dataclass
class Download:
    """What one URL gave: a stored file or a reason it did not."""

    url: str
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    size: int | None = None
    sha256: str | None = None
    path: str | None = None  # file name inside the output directory
    filename: str | None = None  # sanitised name from Content-Disposition or the URL
    redirects: list[str] = field(default_factory=list)
    attempts: int = 0
    reason: str | None = None  # None when fetched
    error: str | None = None


class _Retry(Exception):
    def __init__(self, reason: str, message: str, wait: float | None = None, status: int | None = None):
        super().__init__(message)
        self.reason, self.message, self.wait, self.status = reason, message, wait, status


class _Fail(Exception):
    def __init__(self, reason: str, message: str, status: int | None = None):
        super().__init__(message)
        self.reason, self.message, self.status = reason, message, status


class HostGate:
    """At most ``per_host`` requests in flight to one host, starts spaced by ``delay`` seconds."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.sem = asyncio.Semaphore(per_host)
        self.delay = delay
        self.next_start = 0.0
        self.lock = asyncio.Lock()

    async def enter(self) -> None:
        await self.sem.acquire()
        async with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + self.delay
        if start > now:
            await asyncio.sleep(start - now)

    def leave(self) -> None:
        self.sem.release()

    def hold_off(self, seconds: float) -> None:
        """After a 429/503 with Retry-After, keep every request to this host waiting too."""
        self.next_start = max(self.next_start, time.monotonic() + seconds)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def content_disposition_name(header: str | None) -> str:
    """The sanitised file name in a Content-Disposition header; GBK/UTF-8 bytes sent raw are repaired."""
    if not header:
        return ""
    m = re.search(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", header, re.I)
    if m:
        from urllib.parse import unquote

        try:
            return sanitize_filename(unquote(m.group(2).strip().strip('"'), encoding=m.group(1), errors="replace"))
        except LookupError:
            return sanitize_filename(unquote(m.group(2).strip().strip('"')))
    m = re.search(r'filename\s*=\s*("([^"]*)"|[^;]+)', header, re.I)
    if not m:
        return ""
    name = (m.group(2) if m.group(2) is not None else m.group(1)).strip()
    try:  # httpx decodes header bytes as latin-1; servers send GBK or UTF-8
        raw = name.encode("latin-1")
        for enc in ("utf-8", "gb18030"):
            try:
                name = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    except UnicodeEncodeError:
        pass
    return sanitize_filename(name)


def _charset(content_type: str | None) -> str | None:
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    return m.group(1).lower() if m else None


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Awaitable[list[IPAddress]]]


async def _system_resolve(host: str) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    seen: dict[IPAddress, None] = {}
    for info in infos:
        seen.setdefault(ipaddress.ip_address(str(info[4][0]).split("%")[0]), None)
    return list(seen)


class AddressPolicy:
    """Refuses a move from a public site to a private, loopback or link-local address (a redirect or a
    link to http://169.254.169.254/ or an intranet host), unless ``allow_private``. A crawl that starts
    on a private or loopback host (an intranet mirror, a test server) may go anywhere.

    Host names are resolved once per host and judged by every address they resolve to; the
    connections then go to exactly those addresses (``PinnedBackend``), so a name that answers
    differently the second time (DNS rebinding) cannot lead a checked request somewhere else."""

    def __init__(self, allow_private: bool = False, resolve: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self._resolve = resolve or _system_resolve
        self._addresses: dict[str, list[IPAddress]] = {}

    async def addresses(self, host: str) -> list[IPAddress]:
        """The addresses ``host`` resolves to, resolved once per run (empty: unresolvable)."""
        host = host.strip("[]").lower()
        try:
            return [ipaddress.ip_address(host.split("%")[0])]
        except ValueError:
            pass
        if host not in self._addresses:
            try:
                self._addresses[host] = await self._resolve(host)
            except (OSError, ValueError, UnicodeError):
                self._addresses[host] = []  # unresolvable: the request fails on its own
        return self._addresses[host]

    async def is_public(self, host: str) -> bool | None:
        """True/False for a public/non-public host; None when it cannot be resolved."""
        addrs = await self.addresses(host)
        return all(_is_public(a) for a in addrs) if addrs else None

    async def refusal(self, url: str, origin: str | None) -> str | None:
        """Why ``url`` may not be fetched in a crawl that started at ``origin`` (None: it may)."""
        if self.allow_private or not origin:
            return None
        host, start = urlsplit(url).hostname or "", urlsplit(origin).hostname or ""
        if not host or host == start or not await self.is_public(start):
            return None
        if await self.is_public(host) is False:
            return (f"{host} is a private, loopback or link-local address, reached from the public site {start}; "
                    "not followed (--allow-private to follow)")
        return None


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to the addresses ``AddressPolicy`` resolved and
    judged for a host (TLS still checks the certificate against the host name)."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend) -> None:
        self.policy, self.inner = policy, inner

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await self.policy.addresses(host)
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        error: Exception | None = None
        for ip in addresses:
            try:
                return await self.inner.connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return await self.inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def pinned_transport(policy: AddressPolicy, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's transport with its connection pool on a ``PinnedBackend`` (httpx offers no public
    hook for the network backend; its pool's is replaced, checked at construction)."""
    transport = httpx.AsyncHTTPTransport(limits=limits)
    pool = transport._pool
    inner = getattr(pool, "_network_backend", None)
    if inner is None:  # an httpx/httpcore without the attribute: say so rather than pin nothing
        raise RuntimeError("this httpcore version has no pool network backend to pin addresses with")
    pool._network_backend = PinnedBackend(policy, inner)
    return transport


class Client:
    """Downloads URLs into a directory, politely; one instance per run."""

    def __init__(
        self,
        out_dir: Path,
        *,
        per_host: int = 2,
        delay: float = 1.0,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        max_retry_after: float = 120.0,
        max_bytes: int = 100_000_000,
        respect_robots: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        deadline: float = 300.0,
        allow_private: bool = False,
        resolve: Resolver | None = None,
    ) -> None:
        self.out_dir = out_dir
        self.per_host, self.delay = per_host, delay
        self.retries, self.backoff, self.max_retry_after = retries, backoff, max_retry_after
        self.max_bytes = max_bytes
        self.timeout, self.deadline = timeout, deadline
        self.policy = AddressPolicy(allow_private, resolve)
        self.ua = user_agent()
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": self.ua, "Accept": "*/*", "Accept-Language": "zh-CN,zh;q=0.9"},
            follow_redirects=False,
            # a test's transport is used as given; otherwise connections go where the policy judged
            transport=transport if transport is not None else pinned_transport(self.policy, limits),
            limits=limits,
        )
        self.gates: dict[str, HostGate] = {}
        self.robots = RobotsCache(self, enabled=respect_robots)

    def gate(self, url: str) -> HostGate:
        host = urlsplit(url).netloc.lower()
        if host not in self.gates:
            self.gates[host] = HostGate(self.per_host, self.delay)
        return self.gates[host]

    async def aclose(self) -> None:
        await self.http.aclose()

    async def download(self, url: str, *, origin: str | None = None, max_html: int | None = None) -> Download:
        """Fetch ``url`` (following redirects, retrying transient failures) into the output directory.

        ``origin`` is where the crawl started (the address policy); an HTML answer larger than
        ``max_html`` bytes is cut off (a page to analyse, not a document to keep)."""
        result = Download(url=url)
        for attempt in range(self.retries + 1):
            result.attempts = attempt + 1
            try:
                await self._attempt(url, result, origin, max_html)
                result.reason = result.error = None
                return result
            except _Fail as exc:
                result.reason, result.error = exc.reason, exc.message
                result.http_status = exc.status if exc.status is not None else result.http_status
                return result
            except _Retry as exc:
                result.reason, result.error = exc.reason, exc.message
                result.http_status = exc.status
                if attempt == self.retries:
                    return result
                wait = self.backoff * (2**attempt) + random.uniform(0, self.backoff)
                if exc.wait is not None:
                    wait = min(exc.wait, self.max_retry_after)
                    self.gate(result.final_url or url).hold_off(wait)
                await asyncio.sleep(wait)
        return result  # pragma: no cover

    async def _attempt(self, url: str, result: Download, origin: str | None, max_html: int | None) -> None:
        current = url
        result.redirects = []
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise _Fail("bad_scheme", f"not an http(s) URL: {current[:200]}")
            refusal = await self.policy.refusal(current, origin or url)
            if refusal:
                raise _Fail("private_address", refusal)
            if not await self.robots.allowed(current):
                raise _Fail("robots", f"robots.txt disallows {current[:200]}")
            gate = self.gate(current)
            await self.robots.apply_crawl_delay(current, gate)
            await gate.enter()
            try:  # the whole request, body included, within the deadline: a trickling server is cut off
                location = await asyncio.wait_for(self._one_request(current, result, max_html), self.deadline)
            except asyncio.TimeoutError:
                raise _Fail("deadline", f"no complete answer within the {self.deadline:g}-second deadline "
                                        "(--deadline)") from None
            finally:
                gate.leave()
            if location is None:
                return
            result.redirects.append(current)
            current = location
        raise _Fail("redirect_loop", f"more than {MAX_REDIRECTS} redirects")

    async def _one_request(self, url: str, result: Download, max_html: int | None = None) -> str | None:
        """One GET; returns the next URL on a redirect, None when the body is stored."""
        try:
            async with self.http.stream("GET", url) as resp:
                status = resp.status_code
                result.final_url, result.http_status = str(resp.url), status
                if status in REDIRECT_CODES and resp.headers.get("location"):
                    return urljoin(url, resp.headers["location"].strip())
                if status == 429 or status >= 500:
                    raise _Retry(
                        "rate_limited" if status == 429 else "http_5xx",
                        f"HTTP {status}",
                        parse_retry_after(resp.headers.get("retry-after")),
                        status,
                    )
                if status >= 400:
                    raise _Fail(f"http_{status}", f"HTTP {status}", status)
                length = resp.headers.get("content-length")
                if length and length.isdigit() and int(length) > self.max_bytes:
                    raise _Fail("too_large", f"Content-Length {length} exceeds the {self.max_bytes}-byte cap", status)
                result.content_type = resp.headers.get("content-type")
                result.charset = _charset(result.content_type)
                result.filename = content_disposition_name(resp.headers.get("content-disposition")) or filename_from_url(
                    str(resp.url)
                )
                try:
                    part = PartialFile(self.out_dir)
                except OSError as exc:
                    raise _Fail("storage_error", f"cannot save the download ({exc})", status) from None
                html_cap = max_html
                try:
                    async for chunk in resp.aiter_bytes():
                        part.write(chunk)
                        if part.size > self.max_bytes:
                            raise _Fail("too_large", f"body exceeds the {self.max_bytes}-byte cap", status)
                        if html_cap is not None and part.size > html_cap:
                            if detect_format(part.head) != "html":
                                html_cap = None  # a document, not a page: only --max-size applies
                                continue
                            raise _Fail("too_large", f"HTML page exceeds the {max_html}-byte cap for pages "
                                                     "(--max-page-size)", status)
                    ext = extension_for(part.head, result.filename or "", result.content_type, part.detect())
                    result.sha256, result.path = part.commit(ext)
                    result.size = part.size
                except OSError as exc:  # disk full, the folder removed: this URL fails, the crawl goes on
                    part.discard()
                    raise _Fail("storage_error", f"cannot save the download ({exc})", status) from None
                except BaseException:
                    part.discard()
                    raise
                return None
        except httpx.TimeoutException as exc:
            raise _Retry("timeout", f"timed out ({type(exc).__name__})") from None
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                httpx.NetworkError) as exc:
            raise _Retry("connect", f"{type(exc).__name__}: {str(exc)[:200]}") from None
        except httpx.UnsupportedProtocol as exc:
            raise _Fail("bad_scheme", str(exc)[:200]) from None
        except (httpx.InvalidURL, httpx.LocalProtocolError, ValueError) as exc:
            raise _Fail("bad_url", f"{type(exc).__name__}: {str(exc)[:200]}") from None

    async def get_small(self, url: str, limit: int = 512_000) -> tuple[int | None, bytes]:
        """A single GET kept in memory (robots.txt): (status, body); (None, b'') on a network error or
        when it takes longer than ``--timeout`` in all (a slow robots.txt must not hold its host)."""
        gate = self.gate(url)
        await gate.enter()
        try:
            return await asyncio.wait_for(self._get_small(url, limit), min(self.timeout, self.deadline))
        except (httpx.HTTPError, asyncio.TimeoutError):
            return None, b""
        finally:
            gate.leave()

    async def _get_small(self, url: str, limit: int) -> tuple[int | None, bytes]:
        async with self.http.stream("GET", url) as resp:
            body = bytearray()
            async for chunk in resp.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    break
            return resp.status_code, bytes(body[:limit])
