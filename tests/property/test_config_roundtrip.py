"""Every valid config of every kind survives its trips: wire dump, the sealed form, and the channel service.

A config that validates must read back equal from what Herald writes of it: `model_dump(by_alias=True)`,
`reveal()` (the plaintext that is encrypted at rest) as JSON text, and — through the real service and
its envelope encryption against moto — `create_channel` then `load_channel`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from herald.adapters import registry
from herald.channels import service as channels
from herald.models.config import ChannelConfig
from herald.providers import service as providers
from tests.integration.conftest import LocalAws
from tests.property.configs import CONFIGS, any_config

TENANT = "acme"


def wire_names(model: type[ChannelConfig]) -> set[str]:
    """Every field name a client can send, as the API spells it (the JSON Schema's properties)."""
    return set(model.model_json_schema(by_alias=True)["properties"])


def test_every_kind_has_a_config_strategy() -> None:
    assert set(CONFIGS) == set(registry.ADAPTERS)


# Twenty-two kinds: a quarter of the profile's examples each keeps the suite inside its time budget.
@pytest.mark.parametrize("kind", sorted(registry.ADAPTERS))
def test_a_valid_config_round_trips_through_its_dumps(kind: str) -> None:
    model = registry.get(kind).config_model
    sent: set[str] = set()

    @settings(max_examples=settings().max_examples // 4)
    @given(CONFIGS[kind])
    def round_trip(data: dict[str, Any]) -> None:
        config = model.model_validate(data)
        sent.update(data)
        assert model.model_validate(config.model_dump(by_alias=True)) == config
        stored_text = json.dumps(config.reveal())
        assert model.model_validate(json.loads(stored_text)) == config
        assert model.model_validate(json.loads(stored_text), context={"stored": True}) == config
        assert config.redacted().keys() == config.reveal().keys()

    round_trip()
    # The strategy is only as good as the fields it reaches: every one the schema names was sent.
    assert sent == wire_names(model)


@pytest.fixture
def stored_credentials(aws: LocalAws) -> None:
    """Tenant provider settings, so configs that leave their credentials to them are accepted too."""
    for provider, body in {
        "telegram": {"botToken": "123456:stored-token"},
        "pushover": {"appToken": "a" * 30},
        "twilio": {"accountSid": "AC" + "0" * 32, "authToken": "stored", "fromNumber": "+14155550000"},
        "vonage": {"apiKey": "abcd1234", "apiSecret": "stored", "from": "Herald"},
    }.items():
        providers.put_settings(TENANT, provider, body)


# Each example is a KMS data key, two DynamoDB calls and a decrypt in moto: a quarter of the profile's count.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=settings().max_examples // 4)
@given(kind_and_data=any_config)
def test_a_valid_config_reads_back_equal_from_the_channel_store(
    aws: LocalAws, stored_credentials: None, kind_and_data: tuple[str, dict[str, Any]]
) -> None:
    # One moto account for every example is fine: each example creates a channel of its own.
    kind, data = kind_and_data
    model = registry.get(kind).config_model
    created = channels.create_channel(TENANT, {"name": "prop", "kind": kind, "config": data})
    loaded = channels.load_channel(TENANT, created["id"])
    assert loaded.kind == kind
    assert loaded.config == model.model_validate(data)
