"""Google's JSON error body.

``{"error": {"code", "message", "errors": [{"domain", "reason", "message"}], "status"}}``
"""

from __future__ import annotations

import json

from starlette.responses import JSONResponse

# HTTP status -> the canonical gRPC status Google puts in "status"
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class GoogleError(Exception):
    """Raised by handlers; rendered by :func:`error_response`."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str,
        *,
        domain: str = "global",
        location: str | None = None,
        location_type: str = "parameter",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.reason, self.domain = code, message, reason, domain
        self.location, self.location_type = location, location_type
        self.headers = headers or {}

    def body(self) -> dict:
        item: dict = {"message": self.message, "domain": self.domain, "reason": self.reason}
        if self.location:
            item["location"] = self.location
            item["locationType"] = self.location_type
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "errors": [item],
                "status": _STATUS.get(self.code, "UNKNOWN"),
            }
        }


def error_response(exc: GoogleError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.code, headers=exc.headers)


def invalid_value(location: str, message: str = "Invalid Value") -> GoogleError:
    return GoogleError(400, message, "invalid", location=location)


def required(location: str) -> GoogleError:
    return GoogleError(400, "Required parameter: " + location, "required", location=location)


def file_not_found(file_id: str) -> GoogleError:
    return GoogleError(404, f"File not found: {file_id}.", "notFound", location="fileId")


def insufficient_permissions() -> GoogleError:
    return GoogleError(
        403, "The user does not have sufficient permissions for this file.", "insufficientFilePermissions"
    )


def unauthenticated() -> GoogleError:
    """What Drive answers for a missing, expired or revoked bearer token."""
    return GoogleError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "authError",
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def user_rate_limit() -> GoogleError:
    return GoogleError(403, "User Rate Limit Exceeded", "userRateLimitExceeded", domain="usageLimits")


def project_rate_limit() -> GoogleError:
    """The 403 Drive gives when the project (not the user) is over its rate."""
    return GoogleError(403, "Rate Limit Exceeded", "rateLimitExceeded", domain="usageLimits")


def quota_exhausted() -> GoogleError:
    return GoogleError(
        429,
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of "
        "service 'drive.googleapis.com' for consumer 'project_number:000000000000'.",
        "rateLimitExceeded",
        domain="usageLimits",
    )


# Bodies the fault injector sends for an injected status (403 is the per-user quota answer, the common one).
_INJECTED = {
    403: user_rate_limit,
    429: quota_exhausted,
    401: unauthenticated,
    500: lambda: GoogleError(500, "Internal Error", "internalError"),
    502: lambda: GoogleError(502, "Bad Gateway", "backendError"),
    503: lambda: GoogleError(503, "The service is currently unavailable.", "backendError"),
    504: lambda: GoogleError(504, "Deadline exceeded", "backendError"),
}


def injected_body(status: int) -> tuple[bytes, str]:
    make = _INJECTED.get(status, lambda: GoogleError(status, f"HTTP {status}", "backendError"))
    return json.dumps(make().body()).encode(), "application/json; charset=UTF-8"
