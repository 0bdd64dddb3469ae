"""Hypothesis profiles for the property suite.

`ci` (the default, what `make test` runs): a bounded, reproducible run — derandomized, no example
database, no deadline (the shared 2-core machine makes timings meaningless).
`soak` (`HYPOTHESIS_PROFILE=soak`, part of `make soak`): many more examples, freshly random each run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The moto account with template.yaml deployed, for the properties that go through the channel store.
from tests.integration.conftest import aws  # noqa: F401

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "soak",
    max_examples=5_000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
