"""Middlewares: request ids, JSON access lines and metrics (root); problem+json answers
and rate limiting (the API sub-applications, which the dashboard does not share).

`api_problems` turns every failure of an API request into an RFC 9457 answer. The root's
`observe_middleware` does the same for requests no sub-application took (a 404 on an
unknown path, the ops routes) and leaves sub-applications' failures to their own
middlewares.
"""

import itertools
import logging
import math
import re
import time
from collections.abc import Iterator

from aiohttp import web
from marshmallow import ValidationError

from events import ConcurrencyConflict, IntegrityViolation, StorageUnavailable
from events.ids import uuid7_hex
from service.appkeys import (
    access_log_key,
    answer_cache_key,
    metrics_key,
    principal_key,
    rate_limiter_key,
    request_id_key,
    request_ids_key,
)
from service.errors import DomainError, TooManyRequests
from service.problems import problem_response

error_log = logging.getLogger("custom_fields.error")

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_ids() -> Iterator[str]:
    """An app's request ids: a UUIDv7 made at start, then a counter (unique, and cheap)."""
    prefix = uuid7_hex()
    return (f"{prefix}-{n:x}" for n in itertools.count(1))


def route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def observe_middleware(request: web.Request, handler):
    """Assign the request id, answer a reused GET from memory when its kept answer is
    current, then log and count the answer, whatever it is."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    state = request.app
    ids: Iterator[str] = state[request_ids_key]
    request_id = incoming if _REQUEST_ID.match(incoming) else next(ids)
    request[request_id_key] = request_id
    started = time.perf_counter()
    status = 500
    answers = state[answer_cache_key]
    kept_as = answers.key(request)
    try:
        try:
            if kept_as is None:
                response = await handler(request)
            else:
                marker = answers.marker()
                answer = answers.find(kept_as, marker)
                if answer is None:
                    response = await handler(request)
                    answers.keep(kept_as, marker, response, request.get(principal_key))
                else:
                    request[principal_key] = answer.principal
                    response = answer.response()
        except Exception as exc:
            if len(request.match_info.apps) > 1:  # a sub-application's: it answered itself
                raise
            response = problem_for(exc, request)
        status = response.status
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
    finally:
        elapsed = time.perf_counter() - started
        route = route_name(request)
        state[metrics_key].observe(request.method, route, status, elapsed)
        log = state[access_log_key]
        if log.enabled:
            who = request.get(principal_key)
            log.write({
                "request_id": request_id, "method": request.method, "path": request.path,
                "route": route, "status": status, "ms": round(elapsed * 1000, 3),
                "org": who.org_slug if who else None,
            })


def _http_exception_problem(exc: web.HTTPException, request: web.Request) -> web.Response:
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}
    headers = {}
    if isinstance(exc, web.HTTPMethodNotAllowed):
        headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
        detail = f"{request.method} is not allowed here; allowed: {headers['Allow']}"
    elif exc.status == 404:
        detail = f"no resource at {request.path}"
    else:
        detail = exc.text or exc.reason
    code = codes.get(exc.status, "HTTP_" + str(exc.status))
    return problem_response(exc.status, code, detail, headers=headers)


@web.middleware
async def api_problems(request: web.Request, handler):
    """Every failure becomes problem+json."""
    try:
        return await handler(request)
    except Exception as exc:
        return problem_for(exc, request)


def problem_for(exc: Exception, request: web.Request) -> web.StreamResponse:
    """The problem+json answer to a failure; an unexpected one is logged, never shown. A
    non-error HTTP exception (a redirect) is raised again."""
    if isinstance(exc, DomainError):
        return problem_response(exc.status, exc.code, exc.detail, errors=exc.errors,
                                headers=exc.headers)
    if isinstance(exc, ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
        return problem_response(422, "VALIDATION_ERROR", "the request is not valid",
                                errors=messages)
    if isinstance(exc, ConcurrencyConflict):
        return problem_response(409, "CONCURRENT_MODIFICATION",
                                "the resource was changed by another request; retry")
    if isinstance(exc, IntegrityViolation):
        error_log.error("a constraint refused a write the commands allowed (%s %s)",
                        request.method, request.path, exc_info=exc)
        return problem_response(409, "CONFLICT", "the write conflicts with the stored state; "
                                "nothing was written")
    if isinstance(exc, StorageUnavailable):
        # an outage is many of these: one line each, not a traceback
        error_log.error("storage unavailable in %s %s: %s", request.method, request.path,
                        exc)
        return problem_response(503, "STORAGE_UNAVAILABLE", "the database is busy or "
                                "unavailable; nothing was written, retry shortly",
                                headers={"Retry-After": "1"})
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        return _http_exception_problem(exc, request)
    error_log.error("unhandled error in %s %s (request %s)", request.method, request.path,
                    request.get(request_id_key), exc_info=exc)
    return problem_response(500, "INTERNAL_ERROR",
                            "an unexpected error occurred; it has been logged")


@web.middleware
async def rate_limit_middleware(request: web.Request, handler):
    limiter = request.app[rate_limiter_key]
    who = request.get(principal_key)
    if limiter.enabled and who is not None:
        wait = limiter.take(who.key_id)
        if wait > 0:
            raise TooManyRequests(
                f"more than {limiter.rate:g} requests per second for this API key",
                headers={"Retry-After": str(max(1, math.ceil(wait)))})
    return await handler(request)
