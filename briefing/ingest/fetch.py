"""The one safe HTTP client behind every fetch (feeds, article pages, robots.txt, discovery).

httpx does the HTTP; two things it cannot do are added underneath it, in a
network backend of httpcore (the layer that opens sockets):

- **a total deadline**: httpx's ``read`` timeout applies to each read, so a
  server that sends its headers one byte a second is never abandoned. Every
  connect, TLS handshake and read here gets at most the time left until the
  request's deadline (``fetch_timeout`` after it started), so the whole
  request, headers and body, ends within the limit;
- **no private addresses**: the host is resolved by ``Resolver`` (a seam:
  tests give a "public" name that resolves to 127.0.0.1), every address is
  checked, and the socket connects to the checked address itself (no second
  lookup a DNS rebinding could answer differently: the request hook's check and the
  connection it lets through share one answer per request, ``AddressPolicy.answers``). A loopback, private,
  link-local, multicast or otherwise non-global address is refused unless
  ``allow_private`` is set (``sources.allow_private_hosts``) or the host and
  port are the request's ``trusted`` origin (a feed's configured URL: an
  intranet feed keeps working, but cannot redirect elsewhere inside).

Redirects are followed by httpx; a request hook checks each hop by name too,
so a hop cannot reuse a pooled connection to a private address, and a hop sent
through an environment proxy (``HTTPS_PROXY`` and friends, honoured as httpx
does) is still checked against the address this machine resolves.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpcore
import httpx

from briefing import USER_AGENT
from briefing.safety import DEFAULT_PORTS as _DEFAULT_PORTS

Resolver = Callable[[str, int], list[str]]
MAX_REDIRECTS = 5
DEADLINE_PASSED = "the request's deadline passed"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the system's order; ``OSError`` if none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (not loopback, private, link-local, ...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class PrivateAddressRefused(Exception):
    """A request would have reached a non-public address it is not allowed to reach."""


@dataclass
class AddressPolicy:
    """Which addresses a request may reach; ``trusted`` and ``deadline`` are set per request."""

    allow_private: bool = False
    resolver: Resolver = system_resolver
    public: Callable[[str], bool] = is_public  # a seam too: tests stand a loopback address in for the internet
    trusted: tuple[str, int] | None = None
    deadline: float | None = None  # time.monotonic() by which the request must end
    # What the resolver answered (or raised) for each (host, port) during the current request:
    # the hop check and the connection it lets through ask once, not twice (``SafeClient.start``
    # empties it), and the socket connects to the very addresses the check saw.
    answers: dict[tuple[str, int], list[str] | OSError] = field(default_factory=dict)

    def check(self, host: str, port: int, addresses: Iterable[str] | None = None) -> list[str]:
        """The addresses to connect to; ``PrivateAddressRefused`` if one is not allowed."""
        host = host.strip("[]").lower()
        found = list(addresses) if addresses is not None else self._resolve(host, port)
        if self.allow_private or (host, port) == self.trusted:
            return found
        private = [address for address in found if not self.public(address)]
        if private:
            raise PrivateAddressRefused(
                f"{host} resolves to the non-public address {private[0]}; refused (a loopback, private or "
                "link-local address is only fetched with sources.allow_private_hosts = true)")
        return found

    def _resolve(self, host: str, port: int) -> list[str]:
        answer = self.answers.get((host, port))
        if answer is None:
            try:
                answer = self.resolver(host, port)
            except OSError as exc:
                answer = exc
            self.answers[(host, port)] = answer
        if isinstance(answer, OSError):
            raise httpcore.ConnectError(f"cannot resolve {host}: {answer.strerror or answer}") from None
        return answer

    def remaining(self, timeout: float | None) -> float | None:
        """``timeout`` cut to the time left before the deadline; a timeout once it has passed."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout(DEADLINE_PASSED)
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, policy: AddressPolicy) -> None:
        self._stream = stream
        self._policy = policy

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._policy.remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._policy.remaining(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        wrapped = self._stream.start_tls(ssl_context, server_hostname, self._policy.remaining(timeout))
        return _DeadlineStream(wrapped, self._policy)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class SafeBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to checked addresses, within the deadline."""

    def __init__(self, policy: AddressPolicy, *, check_addresses: bool = True) -> None:
        self.policy = policy
        self.check_addresses = check_addresses  # False for a configured proxy: the operator chose it
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self.policy.check(host, port) if self.check_addresses else [host]
        error: Exception | None = None
        for address in addresses:
            try:
                stream = self._backend.connect_tcp(address, port, self.policy.remaining(timeout),
                                                   local_address, socket_options)
                return _DeadlineStream(stream, self.policy)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CAs, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), made once per process.

    Loading the CA bundle takes about 25 ms; a pass that opens a feed client, a page
    client and a robots.txt client would otherwise load it three times (the model
    writer's client, ``briefing.llm.client``, shares it too). Nothing changes a
    context after it is made, so every client can share it.
    """
    return httpx.create_ssl_context()


class SafeClient:
    """An ``httpx.Client`` whose every request ends by its deadline and reaches only allowed addresses."""

    def __init__(self, *, timeout: float, allow_private: bool = False, resolver: Resolver = system_resolver,
                 user_agent: str = USER_AGENT, accept: str = "*/*", max_redirects: int = MAX_REDIRECTS,
                 transport: httpx.BaseTransport | None = None, public: Callable[[str], bool] = is_public) -> None:
        self.timeout = timeout
        self.policy = AddressPolicy(allow_private=allow_private, resolver=resolver, public=public)
        self.origin: tuple[str, str, int] = ("", "", 0)
        self.private_headers: tuple[str, ...] = ()
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout), follow_redirects=True, max_redirects=max_redirects, verify=tls_context(),
            headers={"User-Agent": user_agent, "Accept": accept}, transport=transport,  # None: env proxies honoured
            event_hooks={"request": [self._check_hop]},
        )
        self._install_backends(transport is None)

    def _install_backends(self, own_transport: bool) -> None:
        # httpx builds the pools; the backend they open sockets with is httpcore's seam.
        # (HTTPTransport keeps its pool in ``_pool``: a trickle test fails if that ever changes.)
        if own_transport:
            _set_backend(self.client._transport, SafeBackend(self.policy))
        for mount in self.client._mounts.values():
            if mount is not None:
                _set_backend(mount, SafeBackend(self.policy, check_addresses=False))

    def _check_hop(self, request: httpx.Request) -> None:
        port = request.url.port or _DEFAULT_PORTS.get(request.url.scheme, 0)
        host = request.url.host.lower()
        if self.private_headers and (request.url.scheme, host, port) != self.origin:
            for name in self.private_headers:  # httpx drops Authorization itself; a feed's own secrets too
                request.headers.pop(name, None)
        if self.policy.allow_private or (host, port) == self.policy.trusted:
            return
        try:
            ipaddress.ip_address(host.strip("[]"))
            self.policy.check(host, port, [host.strip("[]")])
        except ValueError:
            try:
                self.policy.check(host, port)
            except httpcore.ConnectError:
                return  # unresolvable: the connection itself fails, with httpx's own error

    def start(self, url: str, *, trust_origin: bool, private_headers: Iterable[str] = ()) -> None:
        """Arm the deadline for one request to ``url``; trust its own host and port if asked.

        ``private_headers`` (a feed's ``headers_env``, which may hold an API key) are sent
        to ``url``'s own scheme, host and port only: a redirect elsewhere goes without them.
        """
        self.policy.deadline = time.monotonic() + self.timeout
        self.policy.answers.clear()  # a new request asks the resolver afresh
        parts = httpx.URL(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)
        self.policy.trusted = (parts.host.lower(), port) if trust_origin else None
        self.origin = (parts.scheme, parts.host.lower(), port)
        self.private_headers = tuple(private_headers)

    def close(self) -> None:
        self.client.close()


def _set_backend(transport: httpx.BaseTransport, backend: SafeBackend) -> None:
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = backend
