import pytest

from nex_assets.studio.logic import security


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"])
def test_loopback_needs_no_token(host):
    assert security.is_loopback(host)
    security.check_start(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.5", "studio.example.org", "::"])
def test_any_other_address_needs_a_long_token(host):
    assert not security.is_loopback(host)
    with pytest.raises(security.StartRefused, match="NEX_STUDIO_TOKEN"):
        security.check_start(host, None)
    with pytest.raises(security.StartRefused, match="at least 16"):
        security.check_start(host, "short")
    security.check_start(host, "a-long-random-token-value")


def test_tokens_compare_whole_and_never_empty():
    assert security.same("abc", "abc")
    assert not security.same("abc", "abd") and not security.same("", "") and not security.same(None, None)
    assert security.bearer("Bearer xyz") == "xyz" and security.bearer("Basic xyz") is None


def test_a_change_from_another_origin_is_refused():
    assert security.origin_ok(None, "127.0.0.1:3001")  # no Origin: the CSRF token alone decides
    assert security.origin_ok("http://127.0.0.1:3001", "127.0.0.1:3001")
    assert not security.origin_ok("http://evil.example", "127.0.0.1:3001")
    assert not security.origin_ok("null", "127.0.0.1:3001")
    assert security.new_csrf(b"k" * 32) != security.new_csrf(b"k" * 32)


def test_a_csrf_pair_studio_did_not_issue_is_refused():
    secret, other = b"s" * 32, b"o" * 32
    issued = security.new_csrf(secret)
    assert security.csrf_issued(issued, secret) and security.csrf_ok(issued, issued, secret)
    made_up = "planted-by-a-neighbour.0123456789abcdef0123456789abcdef"
    assert not security.csrf_ok(made_up, made_up, secret)  # equal, but not signed by this server
    assert not security.csrf_ok(issued, issued, other)
    assert not security.csrf_ok(issued, security.new_csrf(secret), secret)
    for bad in ("", "nodot", ".", issued.split(".")[0] + ".", None):
        assert not security.csrf_issued(bad, secret)


@pytest.mark.parametrize("token", [" " * 16, "a" * 20, "abababababababababab"])
def test_a_token_of_blanks_or_a_repeated_few_is_refused(token):
    with pytest.raises(security.StartRefused, match="NEX_STUDIO_TOKEN"):
        security.check_start("0.0.0.0", token)


def test_every_address_at_once_needs_the_names_people_use():
    loopback_only = security.served_hosts("0.0.0.0", None, None)
    with pytest.raises(security.StartRefused, match="NEX_STUDIO_HOSTS"):
        security.check_start("0.0.0.0", "a-long-random-token-value", loopback_only)
    named = security.served_hosts("0.0.0.0", "studio.example.org, Data.Example.org", None)
    security.check_start("0.0.0.0", "a-long-random-token-value", named)
    assert {"studio.example.org", "data.example.org", "localhost"} <= named and "0.0.0.0" not in named
    assert "nex.example" in security.served_hosts("10.0.0.5", None, "https://nex.example:8443/x")
    assert "10.0.0.5" in security.served_hosts("10.0.0.5", None, None)


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        ("127.0.0.1:3001", True),
        ("localhost:3001", True),
        ("[::1]:3001", True),
        ("127.0.0.2", True),
        ("STUDIO.example.org", True),
        ("studio.example.org:443", True),
        ("evil.example:3001", False),  # a name pointed at 127.0.0.1 by its owner (DNS rebinding)
        ("localhost.evil.example", False),
        ("studio.example.org.evil.example", False),
        ("127.0.0.1:3001@evil.example", False),
        ("studio.example.org:abc", False),
        ("[::1", False),
        ("", False),
        (None, False),
    ],
)
def test_only_the_served_host_names_are_answered(header, allowed):
    hosts = security.served_hosts("127.0.0.1", "studio.example.org", None)
    assert security.host_allowed(header, hosts) is allowed
