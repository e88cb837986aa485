"""The HTTP layer: politeness gates, the one retry layer, redirects, caps, sniffing.

Everything a request needs to be polite and safe happens here and only here, so
that no caller can add a second retry loop or forget a check:

* a per-host gate (at most ``per_host`` connections, ``delay`` between request
  starts) that every attempt, retry and redirect hop passes through;
* retries with exponential backoff on timeouts, network errors, truncated
  bodies and 5xx, never on other 4xx; a 429 or 503 with ``Retry-After`` pauses
  that host's gate (only that host: others go on) and slows it for the rest of
  the run before the request is tried again;
* a total deadline per request (``request_deadline``), so a server that trickles
  a byte at a time is given up rather than waited on for ever;
* error kinds that say what happened: ``dns`` (unknown host), ``http_blocked``
  (403/412: the server refuses this client), ``http_4xx``, ``http_5xx`` …;
* redirects followed by hand, each hop checked against the agency's allowed
  hosts and robots.txt (a hop elsewhere is refused, not followed);
* a size cap (Content-Length first, then while streaming) and a check that the
  body is complete, so a cut download is an error, never a document;
* the content type sniffed from the bytes, since servers routinely mislabel.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ogi.settings import CrawlSettings


@dataclass
class Response:
    """Outcome of one logical GET (after retries and redirects)."""

    url: str
    final_url: str
    status: int | None = None
    body: bytes | None = None  # only when the full body arrived and passed every check
    content_type: str | None = None  # sniffed
    declared_type: str | None = None  # as the server said (charset hints live here)
    etag: str | None = None
    last_modified: str | None = None
    nbytes: int = 0
    location: str | None = None  # Location header of a redirect
    error: str | None = None  # "<code>: <detail>"; codes are the keys of errors_by_kind


@dataclass(frozen=True)
class Body:
    """What a POST sends: the encoded body and its Content-Type."""

    data: bytes
    content_type: str


class _Retryable(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.error)
        self.response = response


class HostGate:
    """Per-host concurrency and minimum spacing of request starts."""

    def __init__(self, per_host: int, delay: float) -> None:
        self._sem = asyncio.Semaphore(per_host)
        self._lock = asyncio.Lock()
        self._next_at = 0.0
        self.delay = delay

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._sem:
            async with self._lock:
                loop = asyncio.get_running_loop()
                wait = self._next_at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_at = loop.time() + self.delay
            yield

    def pause(self, seconds: float, slowest: float) -> None:
        """The server asked for ``seconds`` of quiet (``Retry-After``): no request to this
        host starts before then, and the host is asked half as often for the rest of the run."""
        loop = asyncio.get_running_loop()
        self._next_at = max(self._next_at, loop.time() + seconds)
        self.delay = min(max(2 * self.delay, 1.0), max(slowest, self.delay))


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _dns_failure(e: BaseException) -> socket.gaierror | None:
    """The name-resolution error behind a connect error (anywhere in its cause chain), if any."""
    seen: BaseException | None = e
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def sniff(body: bytes, declared: str | None) -> str:
    """Content type from magic bytes; the declared type only when the bytes say nothing."""
    head = body[:1024]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in body[:4096] or b"[Content_Types].xml" in body[:4096]:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "application/zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"  # OLE2: .doc, .wps, .xls all look alike here
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<!--")):
        return "text/html"
    if stripped.startswith((b"{", b"[")):
        return "application/json"
    if stripped.startswith(b"<?xml"):
        return "text/xml"
    if declared:
        return declared.split(";")[0].strip().lower()
    return "application/octet-stream"


class _HostClient:
    """The connections to one host: an httpx client sized to the host's own limit."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.inflight = 0


class HttpClient:
    """The run's HTTP layer: one small connection pool per host, gates per host shared by agencies.

    A pool per host (at most ``per_host`` connections, kept alive between
    requests) rather than one pool for the whole run: httpcore scans every
    connection of a pool on each request, so one pool of hundreds of connections
    costs more CPU than the crawl itself. Pools of hosts nobody is using are
    closed once more than ``_MAX_OPEN_HOSTS`` are open, so a registry of tens of
    thousands of agencies does not hold tens of thousands of sockets.
    """

    def __init__(self, settings: CrawlSettings) -> None:
        self.settings = settings
        self._gates: dict[str, HostGate] = {}
        self._hosts: OrderedDict[str, _HostClient] = OrderedDict()
        self._max_open = max(2 * settings.max_agencies, 16)
        self._timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.connect_timeout + settings.read_timeout,
        )
        self._limits = httpx.Limits(max_connections=settings.per_host, max_keepalive_connections=settings.per_host)
        self._ssl = httpx.create_ssl_context()  # loading the CA bundle is costly: once per run, not per host

    async def aclose(self) -> None:
        hosts, self._hosts = list(self._hosts.values()), OrderedDict()
        for host in hosts:
            await host.client.aclose()

    def gate(self, url: str) -> HostGate:
        key = origin(url)
        if key not in self._gates:
            self._gates[key] = HostGate(self.settings.per_host, self.settings.delay)
        return self._gates[key]

    @contextlib.asynccontextmanager
    async def _client(self, url: str) -> AsyncIterator[httpx.AsyncClient]:
        key = origin(url)
        host = self._hosts.get(key)
        created = host is None
        if host is None:
            host = self._hosts[key] = _HostClient(
                httpx.AsyncClient(
                    timeout=self._timeout,
                    limits=self._limits,
                    verify=self._ssl,
                    follow_redirects=False,
                    headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
                    trust_env=False,
                )
            )
        self._hosts.move_to_end(key)
        host.inflight += 1  # before any await: a pool in use is never closed
        try:
            if created:
                await self._close_idle()
            yield host.client
        finally:
            host.inflight -= 1

    async def _close_idle(self) -> None:
        """Close the least recently used pools nobody is using, down to the cap."""
        excess = len(self._hosts) - self._max_open
        for key in list(self._hosts):
            if excess <= 0:
                break
            host = self._hosts[key]
            if host.inflight == 0:
                del self._hosts[key]
                excess -= 1
                await host.client.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        allowed: Callable[[str], bool] = lambda _u: True,
        robots_ok: Callable[[str], Awaitable[bool]] | None = None,
        body: Body | None = None,
    ) -> Response:
        """GET ``url`` (POST ``body`` when given), following redirects only onto allowed,
        robots-permitted URLs (a 303, or a 301/302 of a POST, continues as a GET, as browsers do)."""
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            resp = await self._get_with_retries(current, headers or {}, body)
            resp.url = url
            if resp.status not in (301, 302, 303, 307, 308):
                return resp
            location = resp.location
            if not location:
                resp.error = f"http_3xx: redirect without Location from {current}"
                return resp
            target = urljoin(current, location)
            resp.final_url = target
            if not allowed(target):
                resp.error = f"foreign_redirect: {current} redirects to {target}, a host not allowed"
                return resp
            if robots_ok is not None and not await robots_ok(target):
                resp.error = f"robots_disallowed: {current} redirects to {target}, disallowed by robots.txt"
                return resp
            if resp.status in (301, 302, 303):
                body = None
            current = target
        return Response(url, current, error=f"too_many_redirects: more than {self.settings.max_redirects}")

    async def _get_with_retries(self, url: str, headers: dict[str, str], body: Body | None = None) -> Response:
        s = self.settings
        retrying = AsyncRetrying(
            stop=stop_after_attempt(s.retries + 1),
            wait=wait_exponential(multiplier=s.backoff, max=s.backoff_max),
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._get_once(url, headers, body)
        except _Retryable as e:
            return e.response
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def _get_once(self, url: str, headers: dict[str, str], body: Body | None = None) -> Response:
        """One attempt of one hop, through the host's gate, within the total deadline. Raises _Retryable."""
        s = self.settings
        resp = Response(url, url)
        gate = self.gate(url)
        async with gate.slot(), self._client(url) as client:
            try:
                async with asyncio.timeout(s.request_deadline):
                    return await self._exchange(client, gate, url, headers, body, resp)
            except TimeoutError:
                resp.status, resp.body = None, None
                resp.error = f"deadline: {url} not complete after {s.request_deadline:g} s in all; given up"
                return resp

    async def _exchange(
        self,
        client: httpx.AsyncClient,
        gate: HostGate,
        url: str,
        headers: dict[str, str],
        body: Body | None,
        resp: Response,
    ) -> Response:
        s = self.settings
        method, content = ("POST", body.data) if body is not None else ("GET", None)
        if body is not None:
            headers = {**headers, "Content-Type": body.content_type}
        try:
            async with client.stream(method, url, headers=headers, content=content) as r:
                resp.status = r.status_code
                resp.final_url = str(r.url)
                resp.etag = r.headers.get("etag")
                resp.last_modified = r.headers.get("last-modified")
                resp.declared_type = r.headers.get("content-type")
                if r.is_redirect:
                    resp.location = r.headers.get("location")
                    return resp
                wait = retry_after(r.headers.get("retry-after"))
                if r.status_code in (429, 503) and (wait is not None or r.status_code == 429):
                    wait = s.backoff if wait is None else wait
                    kind = "http_429" if r.status_code == 429 else "http_5xx"
                    resp.error = f"{kind}: {r.status_code} {r.reason_phrase} from {url}, Retry-After {wait:g} s"
                    if wait > s.max_retry_after:
                        resp.error += f" (beyond {s.max_retry_after:g} s: tried on a later run)"
                        return resp
                    gate.pause(wait, s.max_crawl_delay)
                    raise _Retryable(resp)
                if r.status_code >= 500:
                    resp.error = f"http_5xx: {r.status_code} {r.reason_phrase} from {url}"
                    raise _Retryable(resp)
                if r.status_code in (403, 412):
                    resp.error = f"http_blocked: {r.status_code} {r.reason_phrase} from {url} (refuses this client)"
                    return resp
                if r.status_code >= 400:
                    resp.error = f"http_4xx: {r.status_code} {r.reason_phrase} from {url}"
                    return resp
                if r.status_code == 304:
                    return resp
                length = r.headers.get("content-length")
                if length and length.isdigit() and int(length) > s.max_bytes:
                    resp.error = f"size_cap: {url} announces {length} bytes, cap is {s.max_bytes}"
                    return resp
                chunks = []
                async for chunk in r.aiter_raw():
                    resp.nbytes += len(chunk)
                    if resp.nbytes > s.max_bytes:
                        resp.error = f"size_cap: {url} sent more than {s.max_bytes} bytes"
                        return resp
                    chunks.append(chunk)
                raw = b"".join(chunks)
                if length and length.isdigit() and int(length) != len(raw):
                    resp.error = f"truncated: {url} sent {len(raw)} of {length} bytes"
                    raise _Retryable(resp)
                decoded = _decode_content(raw, r.headers.get("content-encoding"), s.max_bytes)
                if decoded is None:
                    resp.error = f"bad_encoding: {url} body not decodable or beyond the size cap"
                    return resp
        except httpx.TimeoutException as e:
            resp.status = None
            resp.error = f"timeout: {type(e).__name__} on {url}"
            raise _Retryable(resp) from e
        except httpx.RemoteProtocolError as e:
            resp.error = f"truncated: {url}: {e}"
            raise _Retryable(resp) from e
        except httpx.ConnectError as e:
            resp.status = None
            if _dns_failure(e):
                resp.error = f"dns: cannot resolve the host of {url}: {e}"
                return resp
            resp.error = f"network: {type(e).__name__} on {url}: {e}"
            raise _Retryable(resp) from e
        except httpx.TransportError as e:
            resp.status = None
            resp.error = f"network: {type(e).__name__} on {url}: {e}"
            raise _Retryable(resp) from e
        resp.body = decoded
        resp.content_type = sniff(decoded, resp.declared_type)
        return resp


def _decode_content(raw: bytes, encoding: str | None, cap: int) -> bytes | None:
    """Undo Content-Encoding ourselves, so the length check applies to wire bytes and
    the size cap to the decompressed ones (no decompression bombs). None if undecodable."""
    enc = (encoding or "identity").strip().lower()
    if enc in ("identity", ""):
        return raw
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}.get(enc)
    if wbits is None:
        return None
    try:
        d = zlib.decompressobj(wbits)
        out = d.decompress(raw, cap + 1)
    except zlib.error:
        return None
    return None if len(out) > cap or d.unconsumed_tail else out
