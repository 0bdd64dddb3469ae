"""boto3 clients for the emulator (or, in tests, moto's in-process mock)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from local.constants import DUMMY_CREDENTIALS, REGION


class Aws:
    """boto3 clients for one endpoint; `endpoint_url=None` means the default (moto's mock inside tests)."""

    def __init__(self, endpoint_url: str | None) -> None:
        self.endpoint_url = endpoint_url
        self._session = _session()
        self._config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=30)
        self.client = cache(self._client)

    def _client(self, service: str) -> Any:
        return self._session.client(service, endpoint_url=self.endpoint_url, config=self._config)


@cache
def _session() -> boto3.session.Session:
    # One session for every Aws: its loader caches the service models, which makes new clients cheap.
    return boto3.session.Session(
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
