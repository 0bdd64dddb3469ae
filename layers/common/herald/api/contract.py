"""What the OpenAPI document says each route answers: the error shape, the views, and the statuses.

The routes declare their request bodies and query parameters as typed parameters (Powertools validates
and documents them); this module describes the answers, which the handlers build as plain JSON. The
schemathesis run in tests/e2e/test_openapi_fuzz.py holds every answer to what is written here.
"""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from pydantic import BaseModel, ConfigDict, Field

from herald.api import examples
from herald.models.delivery import STATUSES

DeliveryStatus = Literal[STATUSES]  # type: ignore[valid-type]


class FieldProblem(BaseModel):
    field: str = Field(description="The field's path in the request, e.g. `config.chatId`")
    message: str = Field(description="The rule it breaks, in words")


def _example(*values: Any) -> ConfigDict:
    # Built when the document is asked for, not on every cold start: no request validates against these.
    return ConfigDict(json_schema_extra={"examples": list(values)}, defer_build=True)


class Error(BaseModel):
    """Every error Herald answers, including API Gateway's own (401, 413, 429)."""

    model_config = _example(examples.ERRORS[422])

    error: str = Field(description="What went wrong, for people")
    code: str = Field(description="What went wrong, for programs: `validation_failed`, `not_found`, ...")
    details: list[FieldProblem] | None = Field(None, description="One entry per invalid field (422)")


class _Open(BaseModel):
    """A view whose documented fields are always present; later releases may add more."""

    model_config = ConfigDict(extra="allow", defer_build=True)


class Health(_Open):
    model_config = _example({"status": "ok"})
    status: Literal["ok"]


class WhoAmI(_Open):
    """The caller's own key: what a console needs to offer only what the key may do."""

    model_config = _example(
        {"tenantId": "acme", "role": "editor", "keyId": "key_00mx7t1m70iw60b8003wxu", "keyName": "ops"}
    )
    tenantId: str = Field(description="The key's tenant")  # noqa: N815 - the wire name
    role: Literal["viewer", "editor", "admin"] = Field(description="The key's role, which decides what it may do")
    keyId: str = Field(description="The key's id, as `GET /v1/api-keys` lists it")  # noqa: N815
    keyName: str = Field(description="The key's name")  # noqa: N815


class OpenApiDocument(_Open):
    model_config = _example(examples.OPENAPI)
    openapi: str
    info: dict[str, Any]
    servers: list[dict[str, str]] = Field(description="`/<stage>` when served under a stage, else `/`")
    paths: dict[str, Any]


class ChannelView(_Open):
    model_config = _example(examples.CHANNEL)
    id: str
    name: str
    kind: str
    enabled: bool
    events: list[str] | None = Field(description="Event types this channel takes; null for every type")
    config: dict[str, Any] | None = Field(description="The config with every secret as ••••••••; null if unreadable")
    configSummary: str  # noqa: N815 - the wire name
    configError: str | None = Field(None, description="Why the stored config cannot be read, when it cannot")  # noqa: N815
    template: dict[str, Any] | None = Field(None, description="The channel's message template; null for Herald's own")
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815


class KindView(_Open):
    model_config = _example(examples.KIND)
    kind: str
    displayName: str  # noqa: N815
    aliases: list[str]
    configSchema: dict[str, Any]  # noqa: N815
    secretFields: list[str]  # noqa: N815
    template: dict[str, Any] = Field(description="Whether the kind takes a template, its markup and variables")


class RuleView(_Open):
    model_config = _example(examples.RULE)
    id: str
    name: str
    enabled: bool
    channelIds: list[str]  # noqa: N815
    muteTimeIntervals: list[str] = Field(description="Time interval ids: inside any, the rule routes nothing")  # noqa: N815
    activeTimeIntervals: list[str] = Field(description="Time interval ids: outside all, the rule routes nothing")  # noqa: N815


class TimeIntervalView(_Open):
    model_config = _example(examples.TIME_INTERVAL)
    id: str
    name: str
    timeIntervals: list[dict[str, Any]] = Field(description="The entries, as written")  # noqa: N815
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815


class SilenceMatcher(BaseModel):
    name: str
    value: str
    isEqual: bool  # noqa: N815
    isRegex: bool  # noqa: N815


class SilenceView(_Open):
    model_config = _example(examples.SILENCE)
    id: str
    matchers: list[SilenceMatcher]
    startsAt: str  # noqa: N815
    endsAt: str  # noqa: N815
    comment: str
    createdBy: str = Field(description="The name of the API key that created it")  # noqa: N815
    state: Literal["pending", "active", "expired"]

    steps: list[dict[str, Any]] | None = Field(None, description="Escalation steps, on a rule that has them")
    repeatEvery: str | None = Field(None, description="The reminder interval, on a rule that has one")  # noqa: N815


class AlertView(_Open):
    model_config = _example(examples.ALERT)
    dedupKey: str  # noqa: N815
    state: Literal["firing", "resolved"]
    startedAt: str | None = Field(description="When Herald saw the alert start firing")  # noqa: N815
    ruleId: str | None = Field(description="The rule whose steps and reminders it follows, if any")  # noqa: N815
    step: int | None = Field(description="The last escalation step that fired (0 = the first)")
    reminders: int = Field(description="Reminders sent so far")
    acknowledged: bool
    ackedAt: str | None  # noqa: N815
    ackedBy: dict[str, str] | None = Field(description="The key that acknowledged: keyId and keyName")  # noqa: N815


class DeliveryView(_Open):
    model_config = _example(examples.DELIVERY)
    id: str
    channelId: str | None = Field(description="null for a test e-mail, which has no channel")  # noqa: N815
    status: DeliveryStatus
    suppressedBy: str | None = Field(  # noqa: N815
        None, description="Only on a suppressed delivery with code `muted`: the id of the time interval"
    )
    step: int | None = Field(None, description="The escalation step this delivery belongs to, if any")
    reminder: int | None = Field(None, description="The reminder's number, when this delivery is one")


class KeyView(_Open):
    model_config = _example(examples.KEY)
    id: str
    name: str
    role: Literal["viewer", "editor", "admin"]
    prefix: str
    createdAt: str  # noqa: N815
    lastUsedAt: str | None  # noqa: N815


class NewKeyView(KeyView):
    model_config = _example(examples.NEW_KEY)
    key: str = Field(description="The full key: shown in this answer only")


class ProviderView(_Open):
    model_config = _example(examples.PROVIDER)
    provider: str


class _Page(BaseModel):
    nextToken: str | None = Field(description="Pass as ?nextToken= for the next page; null on the last")  # noqa: N815


class ChannelPage(_Page):
    model_config = _example({"data": [examples.CHANNEL], "nextToken": None})
    data: list[ChannelView]


class RulePage(_Page):
    model_config = _example({"data": [examples.RULE], "nextToken": None})
    data: list[RuleView]


class TimeIntervalPage(_Page):
    model_config = _example({"data": [examples.TIME_INTERVAL], "nextToken": None})
    data: list[TimeIntervalView]


class SilencePage(_Page):
    model_config = _example({"data": [examples.SILENCE], "nextToken": None})
    data: list[SilenceView]


class AlertPage(_Page):
    model_config = _example({"data": [examples.ALERT], "nextToken": None})
    data: list[AlertView]


class DeliveryPage(_Page):
    model_config = _example({"data": [examples.DELIVERY], "nextToken": None})
    data: list[DeliveryView]


class KeyPage(_Page):
    model_config = _example({"data": [examples.KEY], "nextToken": None})
    data: list[KeyView]


class KindList(BaseModel):
    model_config = _example({"data": [examples.KIND]})
    data: list[KindView]


class ProviderList(BaseModel):
    model_config = _example({"data": [examples.PROVIDER]})
    data: list[ProviderView]


class SendResult(_Open):
    """What a test, a test e-mail or a send did: per channel, the delivery and its outcome."""

    model_config = _example(examples.TESTED, examples.EMAILED, examples.SENT, examples.REFUSED)


class PreviewedRequest(_Open):
    """One HTTP request a send would make (`type: http`), or one AWS API call (`type: aws`)."""

    type: Literal["http", "aws"]
    method: str | None = Field(None, description="http: the method")
    url: str | None = Field(None, description="http: the URL, any secret in its path or query as ••••••••")
    headers: dict[str, str] | None = Field(None, description="http: the headers, secrets and signatures masked")
    body: Any = Field(None, description="http: the body, parsed when it is JSON, else text; null when none")
    service: str | None = Field(None, description="aws: the AWS service, e.g. Amazon SES")
    client: str | None = Field(None, description="aws: its boto3 client name, e.g. sesv2")
    action: str | None = Field(None, description="aws: the API action, e.g. SendEmail")
    parameters: dict[str, Any] | None = Field(None, description="aws: the action's parameters")


class PreviewView(_Open):
    """What a channel would send: nothing is sent."""

    model_config = _example(examples.PREVIEWED, examples.PREVIEWED_AWS)
    kind: str
    channelId: str | None = Field(None, description="The channel previewed (POST /v1/channels/{id}/preview)")  # noqa: N815
    notification: dict[str, Any] = Field(description="The notification rendered: the one given, or a sample")
    requests: list[PreviewedRequest] = Field(
        description="In the order a send makes them; empty when the kind sends nothing for it (a voice resolve)"
    )


class Accepted(_Open):
    """Queued: the ids to follow in /v1/deliveries."""

    model_config = _example(examples.QUEUED, examples.EVENT_QUEUED)


ERRORS: dict[int, str] = {
    400: "The request cannot be read: not JSON, nested too deep, an unknown or bad query value or header",
    401: "Missing or unknown API key (API Gateway's answer)",
    403: "The key's role is too low for this route",
    404: "No such object in this tenant (for an alert: none firing with that dedupKey)",
    409: "The object's state forbids it (the code says which)",
    413: "The body is larger than 64 KiB",
    422: "Fields that break their rules, each named in `details`",
    429: "Too many requests for this tenant (API Gateway's answer)",
    500: "Herald could not answer; try again",
    502: "The provider refused or could not be reached (the body says what it answered)",
}
ON_EVERY_KEYED_ROUTE = (400, 401, 403, 429, 500)
ON_EVERY_OPEN_ROUTE = (400, 500)


def answers(
    status: int, model: type[BaseModel] | None, description: str, *errors: int, keyed: bool = True
) -> dict[int, OpenAPIResponse]:
    """The responses of one route: its success, the errors every keyed route may give, and `errors`."""
    success: OpenAPIResponse = {"description": description}
    if model is not None:
        success["content"] = {"application/json": {"model": model}}
    documented: dict[int, OpenAPIResponse] = {status: success}
    for code in sorted({*errors, *(ON_EVERY_KEYED_ROUTE if keyed else ON_EVERY_OPEN_ROUTE)}):
        documented[code] = {"description": ERRORS[code], "content": error_content(code)}
    return documented


def error_content(status: int) -> dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel]:
    """An error answer's media type: the Error shape and an example of this status."""
    example = {"value": examples.ERRORS[status]}
    return {"application/json": {"model": Error, "examples": {examples.ERRORS[status]["code"]: example}}}


def with_failure(documented: dict[int, OpenAPIResponse], model: type[BaseModel]) -> dict[int, OpenAPIResponse]:
    """`documented` where 502 answers `model`: the routes that send now report what the provider said."""
    return {**documented, 502: {"description": ERRORS[502], "content": {"application/json": {"model": model}}}}
