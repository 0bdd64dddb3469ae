"""API Gateway (REST API) behaviour without I/O: route selection, the proxy and REQUEST-authorizer events,
IAM policy checks, gateway responses and reading a Lambda proxy response.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from local.constants import ACCOUNT_ID, HOST, REGION
from local.deployment import ApiSpec, GatewayResponse, Route

# Gateway response types this emulation raises: default status, message and x-amzn-ErrorType.
DEFAULT_RESPONSES: dict[str, tuple[int, str | None, str]] = {
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource", "AccessDeniedException"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token", "MissingAuthenticationTokenException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, None, "AuthorizerConfigurationException"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "RequestTooLargeException"),
    "BAD_REQUEST_BODY": (400, "Invalid request body", "BadRequestException"),
    "INVALID_API_KEY": (403, "Forbidden", "ForbiddenException"),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded", "LimitExceededException"),
    # A function error or a malformed proxy response: 502 with the DEFAULT_5XX response.
    "DEFAULT_5XX": (502, "Internal server error", "InternalServerErrorException"),
}
# API Gateway's own limit on a REST API request payload.
MAX_REQUEST_BYTES = 10 * 1024 * 1024
_PROXY_RESPONSE_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: Sequence[tuple[str, str]]
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"
    # "/<stage>" when the client called the deployed URL shape, "" at the root (as through a custom domain).
    base_path: str = ""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes = b""


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: Mapping[str, str]


@dataclass(frozen=True)
class AuthorizerDecision:
    """What an authorizer said: who, and the policy and context API Gateway evaluates and forwards."""

    principal_id: str
    policy: Mapping[str, Any]
    context: Mapping[str, Any] = field(default_factory=dict)
    # usageIdentifierKey: the usage plan key when the API's ApiKeySourceType is AUTHORIZER.
    usage_key: str | None = field(default=None, repr=False)


# ---- routes


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _match_resource(pattern: list[str], segments: list[str]) -> dict[str, str] | None:
    """Path parameters when `segments` fit the resource path `pattern`, else None."""
    parameters: dict[str, str] = {}
    for index, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest:
                return None
            parameters[part[1:-2]] = "/".join(rest)
            return parameters
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = segments[index]
        elif part != segments[index]:
            return None
    return parameters if len(pattern) == len(segments) else None


def _specificity(pattern: list[str]) -> tuple[int, ...]:
    # API Gateway prefers, segment by segment, a literal over {param} over {greedy+}.
    return tuple(2 if not part.startswith("{") else 0 if part.endswith("+}") else 1 for part in pattern)


# What a method of ANY stands for; API Gateway answers any other method (TRACE, ...) by itself.
ANY_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def match_route(routes: Sequence[Route], method: str, path: str) -> RouteMatch | None:
    """The route API Gateway would pick, or None (MISSING_AUTHENTICATION_TOKEN).

    The most specific resource is chosen first, then its method (an exact method before ANY); a
    resource without that method does not fall back to a less specific one, as in API Gateway.
    """
    segments = [unquote(segment) for segment in _segments(path)]
    candidates: list[tuple[tuple[int, ...], str, dict[str, str]]] = []
    for route in routes:
        pattern = _segments(route.path)
        parameters = _match_resource(pattern, segments)
        if parameters is not None:
            candidates.append((_specificity(pattern), route.path, parameters))
    if not candidates:
        return None
    _, resource, parameters = max(candidates, key=lambda candidate: candidate[0])
    methods = {route.method: route for route in routes if route.path == resource}
    chosen = methods.get(method.upper()) or (methods.get("ANY") if method.upper() in ANY_METHODS else None)
    return RouteMatch(chosen, parameters) if chosen else None


# ---- events


def _headers(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None), (multi or None)


def method_arn(api: ApiSpec, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api.api_id}/{api.stage}/{method.upper()}/{path.lstrip('/')}"


def request_context(
    api: ApiSpec, request: HttpRequest, match: RouteMatch, request_id: str, now: float | None = None
) -> dict[str, Any]:
    moment = time.time() if now is None else now
    user_agent = next((value for name, value in request.headers if name.lower() == "user-agent"), None)
    domain = next((value for name, value in request.headers if name.lower() == "host"), HOST)
    return {
        "resourceId": hashlib.sha256(match.route.path.encode()).hexdigest()[:6],
        "resourcePath": match.route.path,
        "httpMethod": request.method.upper(),
        "extendedRequestId": request_id[:16],
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(moment)),
        "path": f"{request.base_path}{request.path}",
        "accountId": ACCOUNT_ID,
        "protocol": request.protocol,
        "stage": api.stage,
        "domainPrefix": domain.split(".")[0],
        "requestTimeEpoch": int(moment * 1000),
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": user_agent,
            "user": None,
        },
        "domainName": domain,
        "apiId": api.api_id,
    }


def _query(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    return _headers(pairs)


def authorizer_event(api: ApiSpec, request: HttpRequest, match: RouteMatch, request_id: str) -> dict[str, Any]:
    """The event API Gateway sends a REQUEST Lambda authorizer."""
    headers, multi_headers = _headers(request.headers)
    query, multi_query = _query(request.query)
    return {
        "type": "REQUEST",
        "methodArn": method_arn(api, request.method, request.path),
        "resource": match.route.path,
        "path": request.path,
        "httpMethod": request.method.upper(),
        "headers": headers or {},
        "multiValueHeaders": multi_headers or {},
        "queryStringParameters": query or {},
        "multiValueQueryStringParameters": multi_query or {},
        "pathParameters": dict(match.path_parameters),
        "stageVariables": dict(api.stage_variables),
        "requestContext": request_context(api, request, match, request_id),
    }


def _body(request: HttpRequest) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    try:
        return request.body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(request.body).decode(), True


def proxy_event(
    api: ApiSpec,
    request: HttpRequest,
    match: RouteMatch,
    request_id: str,
    authorizer: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The Lambda proxy integration event (payload format 1.0) of a REST API."""
    headers, multi_headers = _headers(request.headers)
    query, multi_query = _query(request.query)
    context = request_context(api, request, match, request_id)
    if authorizer is not None:
        context = {**context, "authorizer": dict(authorizer)}
    body, is_base64 = _body(request)
    return {
        "resource": match.route.path,
        "path": request.path,
        "httpMethod": request.method.upper(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(match.path_parameters) or None,
        "stageVariables": dict(api.stage_variables) or None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


# ---- authorizer results


@functools.lru_cache(maxsize=256)  # a policy's few patterns, matched on every request
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def _listed(value: Any) -> list[str]:
    return [str(item) for item in (value if isinstance(value, list) else [value])] if value is not None else []


def _statement_applies(statement: Mapping[str, Any], arn: str) -> bool:
    actions = _listed(statement.get("Action"))
    resources = _listed(statement.get("Resource"))
    # IAM action names are case-insensitive.
    action_fits = any(_wildcard(action.lower()).fullmatch("execute-api:invoke") for action in actions)
    return action_fits and any(_wildcard(resource).fullmatch(arn) for resource in resources)


def policy_allows(policy: Mapping[str, Any], arn: str) -> bool:
    """IAM evaluation as API Gateway does it for an authorizer's policy: an explicit Deny wins, then an Allow."""
    statements = policy.get("Statement")
    listed = statements if isinstance(statements, list) else [statements] if isinstance(statements, dict) else []
    applicable = [s for s in listed if isinstance(s, dict) and _statement_applies(s, arn)]
    if any(str(s.get("Effect")).lower() == "deny" for s in applicable):
        return False
    return any(str(s.get("Effect")).lower() == "allow" for s in applicable)


def read_decision(result: Any) -> AuthorizerDecision | None:
    """The authorizer's answer, or None when API Gateway would call it a configuration error."""
    if not isinstance(result, dict) or not isinstance(result.get("policyDocument"), dict):
        return None
    principal = result.get("principalId")
    context = result.get("context") or {}
    if not isinstance(principal, str | int) or not isinstance(context, dict):
        return None
    if not all(isinstance(value, str | int | float | bool) for value in context.values()):
        return None  # API Gateway refuses nested context values
    usage_key = result.get("usageIdentifierKey")
    return AuthorizerDecision(
        principal_id=str(principal),
        policy=result["policyDocument"],
        context=context,
        usage_key=usage_key if isinstance(usage_key, str) and usage_key else None,
    )


def authorizer_context(decision: AuthorizerDecision, latency_ms: int) -> dict[str, Any]:
    """requestContext.authorizer of the proxy event: REST APIs hand context values on as strings."""
    values = {
        key: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for key, value in decision.context.items()
    }
    return {**values, "principalId": decision.principal_id, "integrationLatency": latency_ms}


# ---- responses


def gateway_response(api: ApiSpec, kind: str, request_id: str, status: int | None = None) -> HttpResponse:
    """A gateway response: the template's GatewayResponses entry (or DEFAULT_4XX/5XX), else API Gateway's default."""
    default_status, message, error_type = DEFAULT_RESPONSES[kind]
    actual = status or default_status
    family = "DEFAULT_4XX" if actual < 500 else "DEFAULT_5XX"
    configured: GatewayResponse | None = api.gateway_responses.get(kind) or api.gateway_responses.get(family)
    body = json.dumps({"message": message})
    headers: dict[str, str] = {}
    if configured is not None:
        if configured.body is not None:
            body = _render_template(configured.body, message, request_id)
        headers.update(configured.headers)
        if configured.status is not None:
            actual = configured.status
    return HttpResponse(
        status=actual,
        headers=[
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", error_type),
            *headers.items(),
        ],
        body=body.encode(),
    )


def _render_template(template: str, message: str | None, request_id: str) -> str:
    # The few $context variables a static gateway response template can use.
    return (
        template.replace("$context.error.messageString", json.dumps(message))
        .replace("$context.error.message", message or "")
        .replace("$context.requestId", request_id)
    )


def read_proxy_response(result: Any) -> HttpResponse | None:
    """The HTTP response a Lambda proxy result stands for, or None when API Gateway would reject it (502)."""
    if not isinstance(result, dict) or not set(result) <= _PROXY_RESPONSE_KEYS:
        return None
    try:
        status = int(result.get("statusCode", 200))
    except (TypeError, ValueError):
        return None
    headers = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    body = result.get("body")
    if not isinstance(headers, dict) or not isinstance(multi, dict) or not isinstance(body, str | None):
        return None
    if not all(isinstance(values, list | None) for values in multi.values()):
        return None  # API Gateway refuses a multi-value header that is not a list
    pairs: list[tuple[str, str]] = [(str(name), str(value)) for name, values in multi.items() for value in values or []]
    named = {name.lower() for name, _ in pairs}
    pairs += [(str(name), str(value)) for name, value in headers.items() if name.lower() not in named]
    if "content-type" not in {name.lower() for name, _ in pairs}:
        pairs.append(("Content-Type", "application/json"))  # API Gateway's own default for a proxy answer
    try:
        payload = base64.b64decode(body or "") if result.get("isBase64Encoded") else (body or "").encode()
    except ValueError:
        return None
    return HttpResponse(status=status, headers=pairs, body=payload)
