"""Requests to URLs that users give (outgoing webhooks), safe from server-side request forgery
(OWASP "Server Side Request Forgery Prevention Cheat Sheet": allow-list the scheme, resolve the
host and refuse internal addresses, do not follow redirects, pin the address that was checked).

* :func:`check_url` refuses a URL that is not ``https`` (``http`` only to loopback when
  ``allow_local``), carries credentials, or whose host resolves to any address that is not public:
  private (RFC 1918, RFC 4193), loopback, link-local (RFC 3927: 169.254.169.254 is the EC2/Lambda
  metadata address; fd00:ec2::254 its IPv6 one, a unique local address), multicast, shared
  (RFC 6598), reserved or unspecified, also when hidden in an IPv4-mapped, 6to4, Teredo or NAT64
  IPv6 address; an IPv6 address outside 2000::/3 (global unicast) is refused whatever it embeds.
  The host is taken in its ASCII form (IDNA ToASCII: ``bücher.example`` is ``xn--bcher-kva.example``,
  full-width digits are digits) before it is resolved, and a URL with spaces or control characters
  or port 0 is refused. ``allow_local`` (tests, ``backlot dev``) lets loopback through, nothing else.
* :func:`post` sends to the address :func:`check_url` resolved (the ``Host`` header and TLS SNI /
  certificate check keep the host name), so a DNS answer that changes between the check and the
  connection (DNS rebinding) cannot reach an internal address. No redirect is followed; every
  phase has a timeout; at most ``max_body`` bytes of the answer are read.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import httpx

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
"""The only IPv6 block IANA allocates global unicast addresses from (RFC 4291 section 2.4, IANA
"IPv6 Global Unicast Address Assignments"); anything else (IPv4-compatible ``::a.b.c.d``, SIIT
``::ffff:0:a.b.c.d``, unassigned ``1::``) is refused even where ``ipaddress`` calls it global."""


class UnsafeUrl(ValueError):
    """The URL may not be called; the message says why (safe to show to the user who gave it)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts and the address to connect to (the first the resolver gave)."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def _embedded(ip: IpAddress) -> IpAddress | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip.sixtofour:
            return ip.sixtofour
        if ip.teredo:
            return ip.teredo[1]
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IpAddress, *, allow_loopback: bool = False) -> bool:
    """True when ``ip`` is a public unicast address (``ipaddress``'s ``is_global``, from the IANA
    special-purpose registries, and not multicast), also for an IPv4 address embedded in an IPv6
    one; ``allow_loopback`` also accepts 127.0.0.0/8 and ::1."""
    inner = _embedded(ip)
    if inner is not None:
        return is_public(inner, allow_loopback=allow_loopback)
    if allow_loopback and ip.is_loopback:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip not in GLOBAL_UNICAST_V6:
        return False
    return ip.is_global and not ip.is_multicast


RESOLVE_TIMEOUT_S = 3.0
"""The longest a host name may take to resolve: ``getaddrinfo`` has no timeout of its own (the
resolver's, seconds per server and attempt), and a user's name served by a DNS server that never
answers would otherwise hold the request past its function's timeout (a 5xx)."""


def _getaddrinfo(host: str, port: int, timeout_s: float) -> list[tuple]:
    found: list = []

    def run() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            found.append(exc)

    # a thread of its own, left behind when it is late (a pool's worker would stay taken)
    worker = threading.Thread(target=run, name="resolve", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if not found:
        raise UnsafeUrl(f"the host {host!r} did not resolve within {timeout_s:g} s")
    if isinstance(found[0], BaseException):
        raise UnsafeUrl(f"the host {host!r} does not resolve") from found[0]
    return found[0]


def resolve(host: str, port: int, *, timeout_s: float | None = None) -> list[IpAddress]:
    """Every address ``host`` resolves to (an IP literal: itself). Raises UnsafeUrl when it does not
    resolve, or not within ``timeout_s`` seconds (default :data:`RESOLVE_TIMEOUT_S`)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = _getaddrinfo(host, port, RESOLVE_TIMEOUT_S if timeout_s is None else timeout_s)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_url(url: str, *, allow_local: bool = False) -> Target:
    """Check a user's URL and resolve its host (see the module docstring).

    Args:
        url: the URL as the user gave it.
        allow_local: tests and ``backlot dev`` only: ``http`` and loopback addresses are allowed.

    Returns:
        The :class:`Target` to :func:`post` to.

    Raises:
        UnsafeUrl: not https (or http to loopback when allowed), credentials in the URL, no host,
            a host that does not resolve (within :data:`RESOLVE_TIMEOUT_S`), or any of its
            addresses not public.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("not a valid URL") from exc
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_local and scheme == "http"):
        raise UnsafeUrl("the URL must be https")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("the URL must not carry credentials")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url.strip()):
        raise UnsafeUrl("the URL must not contain spaces or control characters")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("the URL has no host")
    try:
        # RFC 3490 ToASCII (the codec getaddrinfo itself uses): an internationalised name becomes its
        # "xn--" A-label, full-width digits and dots their ASCII forms; the Host header and TLS SNI
        # must be ASCII (RFC 9110 section 7.2, RFC 6066 section 3)
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UnsafeUrl(f"the host {host!r} is not a valid host name") from exc
    if port == 0:
        raise UnsafeUrl("the URL's port must be 1-65535")
    port = port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port)
    bad = [str(ip) for ip in addresses if not is_public(ip, allow_loopback=allow_local)]
    if bad or not addresses:
        raise UnsafeUrl(f"the host {host!r} resolves to an address that is not public ({', '.join(bad)})")
    if scheme == "http" and not all(ip.is_loopback for ip in addresses):
        raise UnsafeUrl("the URL must be https")
    return Target(url=url.strip(), scheme=scheme, host=host, port=port, address=str(addresses[0]))


@cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS settings (certificate and host name checked, certifi's CA bundle), made
    once per process: building it costs about 20-40 ms, more than a local request."""
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class Answer:
    """The endpoint's answer: HTTP status and the first ``max_body`` bytes of its body (text)."""

    status: int
    body: str


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout_s: float, max_body: int = 500,
         client: httpx.Client | None = None) -> Answer:
    """POST ``body`` to the checked address of ``target`` (never following a redirect).

    Raises:
        httpx.HTTPError: no answer (connection refused, TLS failure, a timeout: ``timeout_s`` for
            each of connect, write, each read and the pool).
    """
    parts = urlsplit(target.url)
    ip = ipaddress.ip_address(target.address)
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    pinned = parts._replace(netloc=f"{literal}:{target.port}").geturl()
    default_port = 443 if target.scheme == "https" else 80
    try:  # an IPv6 literal is bracketed in the Host header as in the URL (RFC 9110 7.2, RFC 3986 3.2.2)
        name = f"[{target.host}]" if ipaddress.ip_address(target.host).version == 6 else target.host
    except ValueError:
        name = target.host
    host_header = name if target.port == default_port else f"{name}:{target.port}"
    own = client is None
    # a client per request: no pooled connection (made for another host name on the same address)
    # is ever reused
    http = client or httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False, trust_env=False,
                                  verify=tls_context())
    try:
        with http.stream("POST", pinned, content=body, headers={**headers, "Host": host_header},
                         extensions={"sni_hostname": target.host}) as response:
            taken = b""
            for chunk in response.iter_bytes():
                taken += chunk
                if len(taken) >= max_body:
                    break
            return Answer(status=response.status_code, body=taken[:max_body].decode("utf-8", "replace")[:max_body])
    finally:
        if own:
            http.close()
