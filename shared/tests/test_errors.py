"""errors.http_error: one upstream status -> the error the model reads."""

from __future__ import annotations

import pytest

from shared.errors import (
    Ambiguous,
    AuthFailed,
    Conflict,
    ConnectorError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    UncertainWrite,
    UpstreamUnavailable,
    http_error,
)

TOKEN = "ATATT3xFfGF0-very-secret-token"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, InvalidInput),
        (401, AuthFailed),
        (403, PermissionDenied),
        (404, NotFound),
        (409, Conflict),
        (412, Conflict),
        (413, InvalidInput),
        (429, RateLimited),
        (500, UpstreamUnavailable),
        (502, UpstreamUnavailable),
        (503, UpstreamUnavailable),
        (504, UpstreamUnavailable),
    ],
)
def test_status_maps_to_error_type(status, kind):
    error = http_error("Jira", status, "detail text")
    assert type(error) is kind
    assert isinstance(error, ConnectorError)
    assert "Jira" in str(error)


def test_unmapped_status_is_a_plain_connector_error_with_the_status():
    error = http_error("Jira", 418, "teapot")
    assert type(error) is ConnectorError
    assert "HTTP 418" in str(error) and "teapot" in str(error)


def test_400_carries_the_upstream_detail_stripped():
    error = http_error("Jira", 400, "  Field 'priority' is required.\n")
    assert str(error) == "Jira rejected the request. Jira said: Field 'priority' is required."


def test_400_without_detail_has_no_dangling_suffix():
    assert str(http_error("Jira", 400, "   ")) == "Jira rejected the request."


def test_401_never_echoes_the_detail_or_a_token():
    error = http_error("Jira", 401, f"Basic auth failed for token {TOKEN}")
    text = str(error)
    assert TOKEN not in text
    assert "Basic auth" not in text
    assert "token" in text.lower()  # tells the user what to do: renew the API token
    assert not error.retryable


def test_403_and_404_say_what_to_do():
    assert "not allowed" in str(http_error("Confluence", 403))
    assert "permission" in str(http_error("Confluence", 404)).lower()
    assert "re-read" in str(http_error("Confluence", 409))


def test_429_carries_retry_after_and_is_retryable():
    error = http_error("Jira", 429, retry_after=12.4)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 12.4
    assert error.retryable
    assert "12 s" in str(error)


def test_rate_limited_rounds_small_waits_up_to_one_second_and_handles_unknown():
    assert "about 1 s" in str(RateLimited("Jira", 0.2))
    unknown = RateLimited("Jira", None)
    assert unknown.retry_after is None
    assert "little while" in str(unknown)


def test_5xx_is_retryable_and_names_the_status_but_not_the_body():
    error = http_error("Jira", 503, "<html>stack trace ... secret</html>")
    assert error.retryable
    assert "503" in str(error)
    assert "<html>" not in str(error) and "secret" not in str(error)


def test_retryable_flags():
    assert not InvalidInput("x").retryable
    assert not UncertainWrite("x").retryable
    assert UpstreamUnavailable("x").retryable


def test_invalid_input_lists_candidates():
    error = InvalidInput('Unknown status "Don".', candidates=["Done", "Doing"])
    assert str(error) == 'Unknown status "Don". Did you mean: Done, Doing?'
    assert str(InvalidInput("Bad.", candidates=[])) == "Bad."


def test_ambiguous_lists_every_match_and_how_to_pick():
    error = Ambiguous("User", "alex", ["Alex Martin (id 1)", "Alex Dupont (id 2)"], "Pass the account id.")
    assert isinstance(error, InvalidInput)
    assert str(error) == 'User "alex" matches several: Alex Martin (id 1); Alex Dupont (id 2). Pass the account id.'
