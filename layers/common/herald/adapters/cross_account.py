"""Sending into a customer's AWS account (sns, eventbridge): ARNs, the role to assume, and the refusals.

Herald never uses its own credentials on a customer's topic or bus: a channel names an IAM role in the
customer's account and the external id its trust policy requires (STS AssumeRole, the "confused deputy"
guard: docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html, read
2026-12-03), and Herald assumes it for every send (herald.aws.assumed_client). ARNs of this stack's own
account are refused: its topics, buses and roles are Herald's, not a tenant's.

ARN format: docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (read 2026-12-03):
`arn:partition:service:region:account-id:resource`. ExternalId: 2-1224 characters of `[\\w+=,.@:/-]`
(docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html, read 2026-12-03).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, ValidationInfo, field_validator

from herald.adapters import render, webhook
from herald.adapters.base import RenderContext
from herald.aws import Role
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}")
_ACCOUNT = re.compile(r"[0-9]{12}")
_ROLE = re.compile(r"role/(?:[\x21-\x7e]+/)?[\w+=,.@-]{1,64}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
ARN_LIMIT = 2048


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(value: str, service: str, what: str, *, regional: bool = True) -> Arn:
    """`value` as the ARN of a `service` resource; ValueError names the part that is wrong."""
    parts = value.split(":", 5)
    if len(value) > ARN_LIMIT or len(parts) != 6 or parts[0] != "arn":
        raise ValueError(f"{what} must be an ARN: arn:<partition>:{service}:<region>:<account>:<name>")
    _, partition, named_service, region, account, resource = parts
    if partition not in PARTITIONS:
        raise ValueError(f"{what} has an unknown partition '{partition}' (one of {', '.join(PARTITIONS)})")
    if named_service != service:
        raise ValueError(f"{what} must be an ARN of service '{service}', not '{named_service}'")
    if regional and not _REGION.fullmatch(region):
        raise ValueError(f"{what} must name a region such as us-east-1, not '{region}'")
    if not regional and region:
        raise ValueError(f"{what} must not name a region ({service} ARNs have none)")
    if not _ACCOUNT.fullmatch(account):
        raise ValueError(f"{what} must name a 12-digit AWS account id")
    if not resource:
        raise ValueError(f"{what} must end with the resource's name")
    return Arn(partition, named_service, region, account, resource)


def _refuse_own_account(arn: Arn, what: str, info: ValidationInfo) -> None:
    # The account comes from the validation context (the API passes Settings.account_id; a config read
    # back from the table was judged when it was written).
    context = info.context or {}
    own = context.get("account")
    if not context.get("stored") and own and arn.account == own:
        raise ValueError(f"{what} is in Herald's own AWS account {own}: name a resource in your own account")


class CrossAccountConfig(ChannelConfig):
    """What every kind that sends into a customer's account needs: the role to assume and its external id."""

    role_arn: str = Field(
        validation_alias=AliasChoices("roleArn", "role_arn", "RoleArn"),
        description="IAM role ARN",
    )
    external_id: Secret = Field(
        validation_alias=AliasChoices("externalId", "external_id", "ExternalId"),
        description="External ID",
    )

    # The role decides whose account Herald acts in: a new role needs the external id sent again.
    host_fields: ClassVar[tuple[str, ...]] = ("role_arn",)

    @field_validator("role_arn")
    @classmethod
    def _role(cls, value: str, info: ValidationInfo) -> str:
        arn = parse_arn(value, "iam", "IAM role ARN", regional=False)
        if not _ROLE.fullmatch(arn.resource):
            raise ValueError("IAM role ARN must end with role/<name> (the role Herald assumes)")
        _refuse_own_account(arn, "IAM role ARN", info)
        return value

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: Any) -> Any:
        if not _EXTERNAL_ID.fullmatch(value.get_secret_value()):
            raise ValueError("External ID must be 2-1224 letters, digits or +=,.@:/-_ (as STS AssumeRole accepts)")
        return value

    def role(self, tenant_id: str) -> Role:
        return Role(self.role_arn, self.external_id.get_secret_value(), tenant_id)


def document(n: Notification, ctx: RenderContext, limit_bytes: int) -> str:
    """The webhook's notification JSON (API.md §6) in at most `limit_bytes`: when it is larger, `details`
    is left out first (`detailsOmitted: true`), then the body is shortened. Pure."""
    payload = webhook.payload(n, ctx)
    if render.json_size(payload) > limit_bytes:
        payload = {**payload, "details": {}, "detailsOmitted": True}
        fields = payload["notification"]

        def shortened(budget: int) -> dict[str, Any]:
            return {**payload, "notification": {**fields, "body": render.truncate(n.body, budget)}}

        payload = render.fit_json(shortened, limit_bytes, max(len(n.body), 64))
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def target_arn(value: str, service: str, what: str, info: ValidationInfo) -> Arn:
    """The ARN of the customer's resource; ValueError when malformed or one of Herald's own."""
    arn = parse_arn(value, service, what)
    _refuse_own_account(arn, what, info)
    return arn
