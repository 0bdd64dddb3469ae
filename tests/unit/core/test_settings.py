from herald.settings import DEFAULT_RETRY_SCHEDULE, Settings


def test_given_empty_environment_when_read_then_defaults_apply():
    settings = Settings.from_env({})
    assert settings.retry_schedule == DEFAULT_RETRY_SCHEDULE
    assert settings.max_attempts == 6
    assert settings.egress_allow == ()
    assert settings.endpoints == {}


def test_given_knobs_when_read_then_lists_and_endpoints_are_parsed():
    settings = Settings.from_env(
        {
            "HERALD_RETRY_SCHEDULE": "1, 2,3",
            "HERALD_EGRESS_ALLOW": "127.0.0.1, 10.0.0.0/8,,ntfy.internal.example",
            "HERALD_ENDPOINT_TELEGRAM": "http://127.0.0.1:9000/tg/",
            "HERALD_ENDPOINTS": "pagerduty=http://127.0.0.1:9001, opsgenie=http://127.0.0.1:9002/og",
            "HERALD_TABLE_NAME": "t1",
        }
    )
    assert settings.retry_schedule == (1, 2, 3)
    assert settings.max_attempts == 4
    assert settings.egress_allow == ("127.0.0.1", "10.0.0.0/8", "ntfy.internal.example")
    assert settings.endpoints == {
        "telegram": "http://127.0.0.1:9000/tg",
        "pagerduty": "http://127.0.0.1:9001",
        "opsgenie": "http://127.0.0.1:9002/og",
    }
    assert settings.table_name == "t1"


def test_given_both_endpoint_forms_when_read_then_the_specific_variable_wins():
    settings = Settings.from_env(
        {"HERALD_ENDPOINTS": "telegram=http://a.example", "HERALD_ENDPOINT_TELEGRAM": "http://b.example"}
    )
    assert settings.endpoints["telegram"] == "http://b.example"
