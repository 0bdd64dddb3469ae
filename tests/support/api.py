"""Call the real ApiFunction handler the way API Gateway does: authorizer first, then the proxy event.

For integration tests (handlers against moto). The e2e suite goes through the local stack over HTTP.
"""

from __future__ import annotations

import importlib.util
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
API_ID = "herald0001"
STAGE = "dev"


def load_handler(function: str) -> ModuleType:
    """functions/<function>/app.py as its own module (every function's file is named app.py)."""
    path = ROOT / "functions" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"herald_fn_{function}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LambdaContext:
    function_name = "herald-test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:herald-test"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class ApiClient:
    def __init__(self) -> None:
        self.api = load_handler("api")
        self.authorizer = load_handler("authorizer")
        self.replies: list[Reply] = []  # every answer given, for tests that search all of them

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        body: Any = None,
        raw_body: str | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        bearer: bool = False,
    ) -> Reply:
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization" if bearer else "x-api-key"] = f"Bearer {key}" if bearer else key
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
        public = method == "GET" and (
            path in ("/v1/health", "/v1/openapi.json", "/v1/docs") or path == "/console" or path.startswith("/console/")
        )
        authorizer_context: dict[str, Any] | None = None
        if not public:
            decision = self._authorize(method, path, sent, query)
            if decision is None:
                unauthorized = {"error": "Missing or unknown API key.", "code": "unauthorized"}
                self.replies.append(Reply(401, {}, json.dumps(unauthorized)))
                return self.replies[-1]
            authorizer_context = decision
        event = {
            "resource": path if public else "/v1/{proxy+}",
            "path": path,
            "httpMethod": method,
            "headers": sent,
            "multiValueHeaders": {name: [value] for name, value in sent.items()},
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
            "pathParameters": None if public else {"proxy": path.removeprefix("/v1/")},
            "stageVariables": None,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": API_ID,
                "stage": STAGE,
                "httpMethod": method,
                "path": f"/{STAGE}{path}",
                "resourcePath": path if public else "/v1/{proxy+}",
                "requestId": str(uuid.uuid4()),
                "identity": {"sourceIp": "127.0.0.1", "userAgent": "pytest"},
                "authorizer": authorizer_context,
            },
            "body": text,
            "isBase64Encoded": False,
        }
        result = self.api.handler(event, LambdaContext())
        # A REST proxy answer may carry its headers in either field (Powertools uses multiValueHeaders).
        headers = {name: values[-1] for name, values in (result.get("multiValueHeaders") or {}).items() if values}
        headers.update(result.get("headers") or {})
        self.replies.append(Reply(result["statusCode"], headers, result.get("body") or ""))
        return self.replies[-1]

    def _authorize(self, method: str, path: str, headers: dict[str, str], query: dict[str, str] | None) -> Any:
        event = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:us-east-1:123456789012:{API_ID}/{STAGE}/{method}{path}",
            "resource": "/v1/{proxy+}",
            "path": path,
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": query or {},
            "pathParameters": {"proxy": path.removeprefix("/v1/")},
            "stageVariables": {},
            "requestContext": {"accountId": "123456789012", "apiId": API_ID, "stage": STAGE, "httpMethod": method},
        }
        try:
            policy = self.authorizer.handler(event, LambdaContext())
        except Exception as exc:
            if str(exc) == "Unauthorized":
                return None
            raise
        statement = policy["policyDocument"]["Statement"][0]
        if statement["Effect"] != "Allow":
            return None
        return {**policy.get("context", {}), "principalId": policy["principalId"]}

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)
