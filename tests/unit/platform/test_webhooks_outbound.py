"""backlot.webhooks (Standard Webhooks 1.0 signatures) against the spec's published test vector,
and backlot.outbound's refusal of URLs that reach internal addresses (SSRF), its pinning of the
checked address and its refusal to follow redirects (a local receiver, no mocks of our code)."""

from __future__ import annotations

import base64
import socket

import httpx
import pytest

from backlot import outbound, webhooks
from backlot.outbound import UnsafeUrl, check_url
from tests.support.webhook_receiver import WebhookReceiver


def test_signature_matches_the_spec_test_vector() -> None:
    # standard-webhooks/standard-webhooks libraries/python/tests/test_webhooks.py, test_sign_function
    sig = webhooks.signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             b'{"test": 2432232314}')
    assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_new_secret_signs_and_verifies_and_a_changed_body_fails() -> None:
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    assert webhooks.new_secret() != secret
    headers = webhooks.sign_headers(secret, "msg_1", b'{"a":1}', timestamp=1_700_000_000)
    assert webhooks.verify(secret, headers, b'{"a":1}', now=1_700_000_010).message_id == "msg_1"
    with pytest.raises(webhooks.WebhookVerificationError) as bad:
        webhooks.verify(secret, headers, b'{"a":2}', now=1_700_000_010)
    assert bad.value.code == "bad_signature"
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(webhooks.new_secret(), headers, b'{"a":1}', now=1_700_000_010)


@pytest.mark.parametrize("url", [
    "http://8.8.8.8/hook",                      # not https
    "ftp://8.8.8.8/hook",
    "https://user:pw@8.8.8.8/hook",             # credentials
    "https:///nohost",
    "https://10.0.0.1/hook",                    # RFC 1918
    "https://192.168.1.10/hook",
    "https://172.16.0.1/hook",
    "https://127.0.0.1/hook",                   # loopback
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data/",  # link-local: the metadata address
    "https://[fd00:ec2::254]/",                 # the metadata address over IPv6 (unique local)
    "https://[fe80::1]/",
    "https://224.0.0.1/",                       # multicast
    "https://[ff02::1]/",
    "https://100.64.0.1/",                      # shared address space (RFC 6598)
    "https://0.0.0.0/",
    "https://[::ffff:127.0.0.1]/",              # IPv4-mapped loopback
    "https://[64:ff9b::a00:1]/",                # NAT64 of 10.0.0.1
    "https://[2002:a00:1::]/",                  # 6to4 of 10.0.0.1
    "https://localhost/hook",                   # a name resolving to loopback
    # hostile review (whostile): forms that passed before
    "https://[::127.0.0.1]/",                   # IPv4-compatible loopback (RFC 4291 2.5.5.1, deprecated)
    "https://[::a9fe:a9fe]/",                   # IPv4-compatible metadata address
    "https://[::ffff:0:7f00:1]/",               # SIIT IPv4-translated loopback (RFC 2765)
    "https://[1::]/",                           # outside 2000::/3: never assigned
    "https://8.8.8.8:0/",                       # port 0
    "https://8.8.8.8/a b",                      # a space (an unencoded URL, or a smuggled header line)
    "https://8.8.8.8/\x7f",
    "https://１２７.０.０.１/",                   # full-width digits: ToASCII gives 127.0.0.1
    "https://127。0。0。1/",                     # ideographic full stops
    "https://a..b/",                            # an empty label
])
def test_internal_or_non_https_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url)


def test_public_https_urls_pass_and_local_mode_allows_loopback_only() -> None:
    assert check_url("https://8.8.8.8/hook").address == "8.8.8.8"
    assert check_url("https://[2606:4700:4700::1111]:8443/x").port == 8443
    assert check_url("http://127.0.0.1:8080/x", allow_local=True).address == "127.0.0.1"
    for url in ("http://10.0.0.1/x", "https://169.254.169.254/", "http://8.8.8.8/x"):
        with pytest.raises(UnsafeUrl):
            check_url(url, allow_local=True)


def test_a_name_with_any_internal_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"mixed.example": ["93.184.215.14", "10.1.2.3"], "public.example": ["93.184.215.14"]}

    def fake_dns(host, port, *args, **kwargs):  # the resolver is the OS's, not ours
        if host not in answers:
            raise socket.gaierror("no such host")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    with pytest.raises(UnsafeUrl, match="10.1.2.3"):
        check_url("https://mixed.example/hook")
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        check_url("https://nowhere.example/hook")
    target = check_url("https://public.example/hook")
    assert (target.host, target.address, target.port) == ("public.example", "93.184.215.14", 443)


def test_a_name_that_resolves_too_slowly_is_refused_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # whostile finding: getaddrinfo has no timeout; a user's name whose DNS server never answers held
    # the request past the function's 10 s timeout (a 5xx instead of a 400 naming the url)
    import time

    def slow_dns(host, port, *args, **kwargs):  # the resolver is the OS's, not ours
        time.sleep(2)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", slow_dns)
    monkeypatch.setattr(outbound, "RESOLVE_TIMEOUT_S", 0.2, raising=False)
    started = time.monotonic()
    with pytest.raises(UnsafeUrl, match="did not resolve within"):
        check_url("https://slow.example/hook")
    assert time.monotonic() - started < 1
    assert [str(a) for a in outbound.resolve("slow.example", 443, timeout_s=5)] == ["93.184.215.14"]


def test_post_goes_to_the_checked_address_and_does_not_follow_redirects() -> None:
    receiver = WebhookReceiver(answers=[200, "redirect"])
    url = receiver.start()
    try:
        port = int(url.split(":")[2].split("/")[0])
        # a host name that never resolves: only the pinned address can be reached
        target = outbound.Target(url=f"http://hook.invalid:{port}/hooks", scheme="http", host="hook.invalid",
                                 port=port, address="127.0.0.1")
        first = outbound.post(target, b"{}", {}, timeout_s=2, max_body=300)
        assert first.status == 200 and len(first.body) == 300
        assert receiver.received[0].headers["host"] == f"hook.invalid:{port}"
        second = outbound.post(target, b"{}", {}, timeout_s=2)
        assert second.status == 302 and len(receiver.received) == 2  # the redirect was not followed
    finally:
        receiver.stop()


def test_an_ipv6_literal_host_is_bracketed_in_the_host_header() -> None:
    # whostile finding: "Host: 2606:4700::1111:8443" (no brackets) is not a valid Host (RFC 9110 7.2:
    # uri-host is an IP-literal "[...]"); a strict server answers 400 to every delivery
    receiver = WebhookReceiver(answers=[200])
    url = receiver.start()
    try:
        port = int(url.split(":")[2].split("/")[0])
        target = outbound.Target(url=f"http://[2606:4700::1111]:{port}/hooks", scheme="http", host="2606:4700::1111",
                                 port=port, address="127.0.0.1")
        assert outbound.post(target, b"{}", {}, timeout_s=2).status == 200
        assert receiver.received[0].headers["host"] == f"[2606:4700::1111]:{port}"
        default_port = outbound.Target(url="http://[2606:4700::1111]/hooks", scheme="http", host="2606:4700::1111",
                                       port=80, address="127.0.0.1")
        hosts: list[str] = []

        def answer(request: httpx.Request) -> httpx.Response:  # httpx's own in-memory transport
            hosts.append(request.headers["host"])
            return httpx.Response(204)

        with httpx.Client(transport=httpx.MockTransport(answer)) as client:
            assert outbound.post(default_port, b"{}", {}, timeout_s=2, client=client).status == 204
        assert hosts == ["[2606:4700::1111]"]
    finally:
        receiver.stop()


def test_an_internationalised_host_is_sent_as_its_ascii_form() -> None:
    # whostile finding: the host was kept in Unicode, so every POST raised UnicodeEncodeError (not an
    # httpx error) building the Host header: a legitimate IDN endpoint could never be delivered to
    receiver = WebhookReceiver(answers=[200])
    url = receiver.start()
    try:
        port = int(url.split(":")[2].split("/")[0])
        target = check_url(f"http://ｌｏｃａｌｈｏｓｔ:{port}/hooks", allow_local=True)
        assert (target.host, target.address) == ("localhost", "127.0.0.1")
        assert outbound.post(target, b"{}", {}, timeout_s=2).status == 200
        assert receiver.received[0].headers["host"] == f"localhost:{port}"
    finally:
        receiver.stop()


def test_an_idn_name_is_resolved_and_checked_as_its_a_label(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def fake_dns(host, port, *args, **kwargs):  # the resolver is the OS's, not ours
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    target = check_url("https://bücher.example/hook")
    assert target.host == "xn--bcher-kva.example" and asked == ["xn--bcher-kva.example"]


def test_a_slow_endpoint_times_out() -> None:
    import httpx

    receiver = WebhookReceiver(answers=["slow"], slow_s=1.5)
    url = receiver.start()
    try:
        with pytest.raises(httpx.TimeoutException):
            outbound.post(check_url(url, allow_local=True), b"{}", {}, timeout_s=0.3)
    finally:
        receiver.stop()
