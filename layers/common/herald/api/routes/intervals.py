"""/v1/time-intervals: named sets of times when rules are muted or active (Alertmanager's time_intervals)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from herald.api.contract import TimeIntervalPage, TimeIntervalView, answers
from herald.api.errors import json_response
from herald.api.params import Limit, NextToken
from herald.api.request import as_sent, caller
from herald.auth.roles import Role
from herald.models.interval import TimeIntervalWrite
from herald.routing import time_intervals

router = Router()
IntervalBody = Annotated[TimeIntervalWrite, Body(description="The interval: a name and its entries")]


@router.get("/v1/time-intervals", summary="List time intervals", responses=answers(200, TimeIntervalPage, "A page"))
def list_time_intervals(limit: Limit = 50, next_token: NextToken = None):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, time_intervals.list_intervals(principal.tenant_id, limit, next_token))


@router.post(
    "/v1/time-intervals",
    summary="Create a time interval",
    responses=answers(201, TimeIntervalView, "Created", 413, 422),
)
def create_time_interval(body: IntervalBody):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(201, time_intervals.create_interval(principal.tenant_id, as_sent(router)))


@router.get(
    "/v1/time-intervals/<interval_id>",
    summary="Read one time interval",
    responses=answers(200, TimeIntervalView, "The interval", 404),
)
def get_time_interval(interval_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, time_intervals.get_interval(principal.tenant_id, interval_id))


@router.put(
    "/v1/time-intervals/<interval_id>",
    summary="Replace a time interval's name and entries",
    responses=answers(200, TimeIntervalView, "Replaced", 404, 413, 422),
)
def put_time_interval(interval_id: str, body: IntervalBody):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(200, time_intervals.replace_interval(principal.tenant_id, interval_id, as_sent(router)))


@router.delete(
    "/v1/time-intervals/<interval_id>",
    summary="Delete a time interval no rule names",
    responses=answers(204, None, "Deleted", 404, 409),
)
def delete_time_interval(interval_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    time_intervals.delete_interval(principal.tenant_id, interval_id)
    return Response(status_code=204, body="")
