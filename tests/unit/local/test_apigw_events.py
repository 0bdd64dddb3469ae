"""local.apigw_events: route selection, the REST proxy and REQUEST-authorizer events, policies and responses."""

from __future__ import annotations

import base64
import json

import pytest

from local.apigw_events import (
    AuthorizerDecision,
    HttpRequest,
    RouteMatch,
    authorizer_context,
    authorizer_event,
    gateway_response,
    match_route,
    method_arn,
    policy_allows,
    proxy_event,
    read_decision,
    read_proxy_response,
)
from local.constants import ACCOUNT_ID, REGION
from local.deployment import ApiSpec, GatewayResponse, Route

ROUTES = (
    Route("/", "GET", "Root", None),
    Route("/v1/channels", "GET", "List", "KeyAuth"),
    Route("/v1/channels", "POST", "Create", "KeyAuth"),
    Route("/v1/channels/{id}", "ANY", "Channel", "KeyAuth"),
    Route("/v1/channels/{id}", "DELETE", "Delete", "KeyAuth"),
    Route("/v1/channels/test", "POST", "Test", "KeyAuth"),
    Route("/v1/{proxy+}", "ANY", "Fallback", None),
)


def _api(**overrides) -> ApiSpec:
    fields = {
        "logical_id": "Api",
        "api_id": "abc123defg",
        "stage": "dev",
        "authorizers": {},
        "gateway_responses": {},
        "stage_variables": {},
        "routes": ROUTES,
    }
    return ApiSpec(**(fields | overrides))


def _request(method: str = "GET", path: str = "/v1/channels/c1", **overrides) -> HttpRequest:
    fields = {
        "method": method,
        "path": path,
        "query": [("a", "1"), ("a", "2"), ("b", "x")],
        "headers": [("Host", "localhost:3000"), ("User-Agent", "pytest"), ("X-Multi", "1"), ("X-Multi", "2")],
        "body": b'{"k": "v"}',
        "source_ip": "127.0.0.9",
    }
    return HttpRequest(**(fields | overrides))


# ---- routes


@pytest.mark.parametrize(
    ("method", "path", "function", "parameters"),
    [
        ("GET", "/", "Root", {}),
        ("GET", "/v1/channels", "List", {}),
        ("get", "/v1/channels/", "List", {}),
        ("POST", "/v1/channels", "Create", {}),
        ("GET", "/v1/channels/c1", "Channel", {"id": "c1"}),
        ("DELETE", "/v1/channels/c1", "Delete", {}),
        ("PATCH", "/v1/channels/c%201", "Channel", {"id": "c 1"}),
        ("POST", "/v1/channels/test", "Test", {}),
        ("GET", "/v1/other/deep/path", "Fallback", {"proxy": "other/deep/path"}),
        ("GET", "/v1/channels/c1/extra", "Fallback", {"proxy": "channels/c1/extra"}),
    ],
)
def test_match_route(method: str, path: str, function: str, parameters: dict) -> None:
    match = match_route(ROUTES, method, path)
    assert match is not None
    assert match.route.function == function
    if function != "Delete":
        assert dict(match.path_parameters) == parameters


def test_literal_resource_without_the_method_does_not_fall_back() -> None:
    # /v1/channels/test exists with POST only: GET does not fall back to /v1/channels/{id} (ANY).
    assert match_route(ROUTES, "GET", "/v1/channels/test") is None
    # /v1/channels has GET and POST but no ANY.
    assert match_route(ROUTES, "PUT", "/v1/channels") is None


@pytest.mark.parametrize("path", ["/nope", "/v1", "/v2/channels"])
def test_unknown_path_matches_nothing(path: str) -> None:
    assert match_route(ROUTES, "GET", path) is None


def test_greedy_needs_at_least_one_segment() -> None:
    routes = (Route("/{proxy+}", "ANY", "F", None),)
    assert match_route(routes, "GET", "/") is None
    found = match_route(routes, "GET", "/a/b")
    assert found is not None
    assert found.path_parameters == {"proxy": "a/b"}


def test_parameter_beats_greedy_at_the_same_depth() -> None:
    routes = (Route("/{proxy+}", "ANY", "Greedy", None), Route("/{id}", "GET", "One", None))
    found = match_route(routes, "GET", "/x")
    assert found is not None
    assert found.route.function == "One"


def test_earlier_literal_segment_wins() -> None:
    routes = (Route("/a/{x}/c", "GET", "First", None), Route("/a/b/{y}", "GET", "Second", None))
    found = match_route(routes, "GET", "/a/b/c")
    assert found is not None
    assert (found.route.function, dict(found.path_parameters)) == ("Second", {"y": "c"})


# ---- events


def _match(path: str = "/v1/channels/c1", method: str = "GET") -> RouteMatch:
    found = match_route(ROUTES, method, path)
    assert found is not None
    return found


def test_method_arn() -> None:
    assert method_arn(_api(), "get", "/v1/channels/c1") == (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/dev/GET/v1/channels/c1"
    )
    assert method_arn(_api(), "GET", "/").endswith("/dev/GET/")


def test_proxy_event_shape() -> None:
    api = _api(stage_variables={"v": "1"})
    event = proxy_event(api, _request(base_path="/dev"), _match(), "req-0123456789abcdef-xyz", None)
    assert set(event) == {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    }
    assert event["resource"] == "/v1/channels/{id}"
    assert event["path"] == "/v1/channels/c1"
    assert event["httpMethod"] == "GET"
    assert event["headers"] == {"Host": "localhost:3000", "User-Agent": "pytest", "X-Multi": "2"}
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["pathParameters"] == {"id": "c1"}
    assert event["stageVariables"] == {"v": "1"}
    assert event["body"] == '{"k": "v"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert "authorizer" not in context
    assert context["resourcePath"] == "/v1/channels/{id}"
    assert context["path"] == "/dev/v1/channels/c1"
    assert context["stage"] == "dev"
    assert context["apiId"] == "abc123defg"
    assert context["accountId"] == ACCOUNT_ID
    assert context["requestId"] == "req-0123456789abcdef-xyz"
    assert context["extendedRequestId"] == "req-0123456789ab"
    assert context["domainName"] == "localhost:3000"
    assert context["identity"]["sourceIp"] == "127.0.0.9"
    assert context["identity"]["userAgent"] == "pytest"
    assert context["protocol"] == "HTTP/1.1"


def test_a_request_at_the_root_has_no_stage_in_its_context_path() -> None:
    """As through a custom domain: Powertools (and the OpenAPI `servers`) then see no stage prefix."""
    event = proxy_event(_api(), _request(), _match(), "req-0123456789abcdef-xyz", None)
    assert (event["path"], event["requestContext"]["path"]) == ("/v1/channels/c1", "/v1/channels/c1")
    assert event["requestContext"]["stage"] == "dev"


def test_proxy_event_empty_parts_are_null() -> None:
    request = _request(query=[], headers=[], body=b"")
    event = proxy_event(_api(), request, _match("/v1/channels"), "r", None)
    for key in (
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
    ):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False


def test_proxy_event_binary_body_is_base64() -> None:
    raw = b"\xff\xfe\x00binary"
    event = proxy_event(_api(), _request(body=raw), _match(), "r", None)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_proxy_event_carries_the_authorizer_context() -> None:
    authorizer = {"principalId": "tenant-1", "role": "admin", "integrationLatency": 3}
    event = proxy_event(_api(), _request(), _match(), "r", authorizer)
    assert event["requestContext"]["authorizer"] == authorizer


def test_authorizer_event_shape() -> None:
    event = authorizer_event(_api(stage_variables={"v": "1"}), _request(method="DELETE"), _match(method="DELETE"), "r")
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/dev/DELETE/v1/channels/c1"
    assert event["resource"] == "/v1/channels/{id}"
    assert event["httpMethod"] == "DELETE"
    assert event["headers"]["X-Multi"] == "2"
    assert event["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["pathParameters"] == {"id": "c1"}
    assert event["stageVariables"] == {"v": "1"}
    assert "body" not in event
    assert event["requestContext"]["requestId"] == "r"


def test_authorizer_event_empty_parts_are_empty_maps() -> None:
    event = authorizer_event(_api(), _request(query=[], headers=[]), _match("/v1/channels"), "r")
    assert event["headers"] == event["multiValueHeaders"] == {}
    assert event["queryStringParameters"] == event["multiValueQueryStringParameters"] == {}
    assert event["pathParameters"] == {}


# ---- authorizer policies

ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/dev/GET/v1/channels/c1"


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _statement(effect: str, resource, action="execute-api:Invoke") -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource}


def test_allow_of_the_exact_arn() -> None:
    assert policy_allows(_policy(_statement("Allow", ARN)), ARN)


def test_no_statement_means_deny() -> None:
    assert not policy_allows(_policy(), ARN)
    assert not policy_allows({}, ARN)


def test_allow_of_another_resource_does_not_apply() -> None:
    assert not policy_allows(_policy(_statement("Allow", ARN.replace("GET", "POST"))), ARN)


def test_explicit_deny_wins_over_allow() -> None:
    policy = _policy(_statement("Allow", "*"), _statement("Deny", ARN))
    assert not policy_allows(policy, ARN)
    assert policy_allows(policy, ARN.replace("c1", "c2"))


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/*",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/dev/*/v1/*",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/dev/GET/v1/channels/c?",
        ["arn:aws:execute-api:other", ARN],
    ],
)
def test_wildcards_in_resource(resource) -> None:
    assert policy_allows(_policy(_statement("Allow", resource)), ARN)


@pytest.mark.parametrize(
    "resource",
    [
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:otherapi/*",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/dev/POST/*",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/dev/GET/v1/channels",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/dev/GET/v1/channels/c",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg.dev/GET/v1/channels/c1",
    ],
)
def test_resource_must_match_the_whole_arn(resource: str) -> None:
    assert not policy_allows(_policy(_statement("Allow", resource)), ARN)


@pytest.mark.parametrize(("action", "applies"), [("execute-api:*", True), ("*", True), ("s3:GetObject", False)])
def test_action_must_cover_invoke(action: str, applies: bool) -> None:
    assert policy_allows(_policy(_statement("Allow", "*", action)), ARN) is applies


def test_a_single_statement_object_is_accepted() -> None:
    assert policy_allows({"Statement": _statement("Allow", ARN)}, ARN)


def test_deny_of_another_action_does_not_block() -> None:
    policy = _policy(_statement("Allow", "*"), _statement("Deny", "*", "s3:*"))
    assert policy_allows(policy, ARN)


# ---- authorizer results


def test_read_decision_accepts_a_well_formed_result() -> None:
    result = {"principalId": "t1", "policyDocument": _policy(), "context": {"tenant": "t1", "n": 2, "ok": True}}
    decision = read_decision(result)
    assert decision == AuthorizerDecision("t1", _policy(), {"tenant": "t1", "n": 2, "ok": True})


def test_read_decision_keeps_the_usage_identifier_key_out_of_the_context() -> None:
    result = {"principalId": "t1", "policyDocument": _policy(), "context": {}, "usageIdentifierKey": "k" * 40}
    decision = read_decision(result)
    assert decision is not None and decision.usage_key == "k" * 40
    assert "k" * 40 not in repr(decision)
    assert "usageIdentifierKey" not in authorizer_context(decision, 1)


@pytest.mark.parametrize("usage_key", [None, "", 42])
def test_read_decision_without_a_usable_usage_key(usage_key) -> None:
    decision = read_decision({"principalId": "t1", "policyDocument": _policy(), "usageIdentifierKey": usage_key})
    assert decision is not None and decision.usage_key is None


@pytest.mark.parametrize(
    "result",
    [
        None,
        "Allow",
        {"principalId": "t1"},
        {"principalId": "t1", "policyDocument": "not a dict"},
        {"policyDocument": {}},
        {"principalId": ["t1"], "policyDocument": {}},
        {"principalId": "t1", "policyDocument": {}, "context": "x"},
        {"principalId": "t1", "policyDocument": {}, "context": {"nested": {"a": 1}}},
        {"principalId": "t1", "policyDocument": {}, "context": {"list": [1]}},
    ],
)
def test_read_decision_refuses_malformed_results(result) -> None:
    assert read_decision(result) is None


def test_authorizer_context_stringifies_values() -> None:
    decision = AuthorizerDecision("t1", {}, {"n": 2, "yes": True, "no": False, "s": "v"})
    assert authorizer_context(decision, 7) == {
        "n": "2",
        "yes": "true",
        "no": "false",
        "s": "v",
        "principalId": "t1",
        "integrationLatency": 7,
    }


# ---- gateway responses


def _headers(response) -> dict[str, str]:
    return dict(response.headers)


@pytest.mark.parametrize(
    ("kind", "status", "message", "error_type"),
    [
        ("UNAUTHORIZED", 401, "Unauthorized", "UnauthorizedException"),
        ("ACCESS_DENIED", 403, "User is not authorized to access this resource", "AccessDeniedException"),
        ("MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token", "MissingAuthenticationTokenException"),
        ("AUTHORIZER_CONFIGURATION_ERROR", 500, None, "AuthorizerConfigurationException"),
        ("DEFAULT_5XX", 502, "Internal server error", "InternalServerErrorException"),
        ("INVALID_API_KEY", 403, "Forbidden", "ForbiddenException"),
        ("THROTTLED", 429, "Too Many Requests", "TooManyRequestsException"),
        ("QUOTA_EXCEEDED", 429, "Limit Exceeded", "LimitExceededException"),
    ],
)
def test_default_gateway_responses(kind: str, status: int, message, error_type: str) -> None:
    response = gateway_response(_api(), kind, "r")
    assert response.status == status
    assert json.loads(response.body) == {"message": message}
    assert _headers(response)["x-amzn-ErrorType"] == error_type
    assert _headers(response)["Content-Type"] == "application/json"


def test_configured_gateway_response_wins_and_renders_its_template() -> None:
    configured = GatewayResponse(
        status=418,
        body='{"error": $context.error.messageString, "text": "$context.error.message", "id": "$context.requestId"}',
        headers={"Access-Control-Allow-Origin": "*"},
    )
    response = gateway_response(_api(gateway_responses={"UNAUTHORIZED": configured}), "UNAUTHORIZED", "req-1")
    assert response.status == 418
    assert json.loads(response.body) == {"error": "Unauthorized", "text": "Unauthorized", "id": "req-1"}
    assert _headers(response)["Access-Control-Allow-Origin"] == "*"


def test_family_response_applies_by_status() -> None:
    four = GatewayResponse(status=None, body='{"four": true}', headers={})
    five = GatewayResponse(status=None, body='{"five": true}', headers={})
    api = _api(gateway_responses={"DEFAULT_4XX": four, "DEFAULT_5XX": five})
    assert json.loads(gateway_response(api, "ACCESS_DENIED", "r").body) == {"four": True}
    assert gateway_response(api, "ACCESS_DENIED", "r").status == 403
    assert json.loads(gateway_response(api, "AUTHORIZER_CONFIGURATION_ERROR", "r").body) == {"five": True}


# ---- proxy responses


def test_read_proxy_response() -> None:
    response = read_proxy_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Both": "single"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "x-both": ["multi"]},
            "body": '{"ok": true}',
        }
    )
    assert response is not None
    assert response.status == 201
    assert response.body == b'{"ok": true}'
    assert sorted(response.headers) == sorted(
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("x-both", "multi"), ("Content-Type", "application/json")]
    )


def test_read_proxy_response_defaults_and_base64() -> None:
    empty = read_proxy_response({})
    assert empty is not None
    # Like API Gateway, a proxy answer without a Content-Type is sent as application/json.
    assert (empty.status, empty.body, list(empty.headers)) == (200, b"", [("Content-Type", "application/json")])
    typed = read_proxy_response({"headers": {"content-type": "text/html"}})
    assert typed is not None and list(typed.headers) == [("content-type", "text/html")]
    binary = read_proxy_response(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True}
    )
    assert binary is not None
    assert binary.body == b"\x00\xff"


@pytest.mark.parametrize(
    "result",
    [
        None,
        "text",
        [],
        {"statusCode": 200, "unexpected": 1},
        {"statusCode": "abc"},
        {"statusCode": None},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": ["a"]},
        {"statusCode": 200, "multiValueHeaders": "a"},
        {"statusCode": 200, "body": "abc", "isBase64Encoded": True},
    ],
)
def test_read_proxy_response_refuses_malformed_results(result) -> None:
    assert read_proxy_response(result) is None


# ---- divergences from API Gateway found by these tests, now fixed


def test_multi_value_header_that_is_not_a_list_is_refused() -> None:
    assert read_proxy_response({"statusCode": 200, "multiValueHeaders": {"X-Id": "abc"}}) is None


def test_action_matching_ignores_case() -> None:
    assert policy_allows(_policy(_statement("Allow", ARN, "execute-api:invoke")), ARN)
