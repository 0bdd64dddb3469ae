"""What a Lambda execution environment gives a handler: its module, a context, and its environment."""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from local.constants import DUMMY_CREDENTIALS, REGION
from local.deployment import FunctionSpec

Handler = Callable[[Any, Any], Any]
_module_numbers = itertools.count(1)
# Kept from the stack's own environment so Python runs at all; everything else is set explicitly.
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")


class LambdaContext:
    """The context object a Python handler receives, with a real deadline (the function's Timeout)."""

    def __init__(self, spec: FunctionSpec, request_id: str | None = None, deadline: float | None = None) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = spec.log_group
        self.log_stream_name = f"{time.strftime('%Y/%m/%d')}/[$LATEST]local"
        self.identity = None
        self.client_context = None
        self._deadline = deadline if deadline is not None else time.time() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def load_handler(spec: FunctionSpec, module_name: str | None = None) -> Handler:
    """Import the function's handler module from its CodeUri under a unique module name.

    Every function's file is called app.py, so each load gets its own name in sys.modules.
    Raises ImportError (or whatever the module raises at import), or TypeError when there is no such handler.
    """
    module_path, _, attribute = spec.handler.rpartition(".")
    path = spec.code_dir.joinpath(*module_path.split(".")).with_suffix(".py")
    name = module_name or f"local_fn_{spec.logical_id}_{next(_module_numbers)}"
    for directory in (*spec.layer_dirs, spec.code_dir):
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise ImportError(f"Unable to import module '{module_path}': no file {path}")
    module: ModuleType = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module
    loader_spec.loader.exec_module(module)
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise TypeError(f"Handler '{attribute}' missing on module '{module_path}'")
    return handler


def error_payload(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """The shape Lambda reports a failed invocation in."""
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_exception(exc)[-8:],
        "requestId": "",
    }


def function_environment(
    spec: FunctionSpec, *, endpoint_url: str | None, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment a function runs with locally.

    Lambda's own variables, then the template's resolved variables, the emulator endpoint, region and
    dummy credentials, and last every HERALD_* variable of `overrides` (the stack's own environment).
    """
    environment = {key: os.environ[key] for key in _PASSED_THROUGH if key in os.environ}
    environment.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
            "TZ": "UTC",
            "PYTHONUNBUFFERED": "1",
            # Real profiles and config files never leak into the emulated account.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            **DUMMY_CREDENTIALS,
        }
    )
    environment.update(spec.environment)
    if endpoint_url:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
    environment.update({key: value for key, value in (overrides or {}).items() if key.startswith("HERALD_")})
    return environment
