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
    assert security.new_csrf() != security.new_csrf()
