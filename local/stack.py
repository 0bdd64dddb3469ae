"""`make dev`: the whole of Herald on this machine, in the foreground, driven by template.yaml.

Start order: the AWS emulator, the template's resources in it, a warm container per function, the
`dev` tenant's admin key, the event-source pollers and the API. Ctrl-C (or SIGTERM) stops it all.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType

from botocore.exceptions import BotoCoreError, ClientError

from local import api_key, pollers
from local import template as template_module
from local.apigw import ApiServer, Gateway
from local.aws import Aws
from local.constants import ACCOUNT_ID, DEV_TENANT, DUMMY_CREDENTIALS, REGION, LocalConfig, state_file
from local.containers import FunctionPool
from local.deployment import Deployment
from local.emulator import Emulator, EmulatorError, port_in_use
from local.eventlog import EventLog
from local.provision import deploy, resolve_outputs
from local.runtime import function_environment
from local.template import TemplateError
from local.throttle import UsagePlans

log = logging.getLogger("local")
_JOIN_SECONDS = 3.0


class StartupError(Exception):
    """The stack could not start; the message says why."""


class StopRequested(BaseException):
    """Ctrl-C or SIGTERM arrived (a BaseException so no `except Exception` swallows it)."""


class LocalStack:
    def __init__(self, config: LocalConfig, environ: Mapping[str, str]) -> None:
        self.config = config
        self.environ = dict(environ)
        self.emulator = Emulator(config.aws_port, config.aws_log)
        self.pools: dict[str, FunctionPool] = {}
        self.servers: list[ApiServer] = []
        self.threads: list[threading.Thread] = []
        self.stop_event = threading.Event()
        self.deployment: Deployment | None = None
        self.admin_key = ""
        self._state_path: Path | None = None

    def start(self) -> None:
        """Raises StartupError (or TemplateError, EmulatorError) when something cannot start."""
        if port_in_use(self.config.api_port):
            raise StartupError(f"port {self.config.api_port} is in use: stop what listens there or set HERALD_API_PORT")
        template = template_module.load(parameter_overrides=self.config.parameters)
        self.emulator.start()
        self.emulator.wait_ready()
        aws = Aws(self.emulator.endpoint)
        sender = self.environ.get("HERALD_SENDER_EMAIL", "")
        self.deployment = deployment = deploy(template, aws, sender_identities=(sender,) if sender else ())
        if len(deployment.apis) > 1:
            raise StartupError("the template declares several APIs; the local stack serves one")
        event_log = EventLog(self.config.event_log)
        for logical_id, spec in deployment.functions.items():
            environment = function_environment(spec, endpoint_url=self.emulator.endpoint, overrides=self.environ)
            self.pools[logical_id] = FunctionPool(spec, environment, self.config.containers, event_log)
        with ThreadPoolExecutor(max_workers=len(self.pools) + 1) as starting:
            # Cold starts run while this process mints the admin key.
            warmed = {name: starting.submit(pool.warm) for name, pool in self.pools.items()}
            self.admin_key = self._mint_admin_key(deployment)
            for name, future in warmed.items():
                if (error := future.result()) is not None:
                    log.warning(
                        "%s could not start (%s: %s); its invocations report this until it can",
                        name,
                        error.get("errorType"),
                        error.get("errorMessage"),
                    )
        self._write_state(deployment)
        self._start_pollers(deployment, aws)
        for api in deployment.apis.values():
            plans = UsagePlans(aws.client("apigateway"), api.api_id, api.stage)
            server = ApiServer(self.config.api_port, Gateway(api, self.pools, plans))
            self.servers.append(server)
            self._thread(f"api:{api.logical_id}", server.serve_forever)

    def _write_state(self, deployment: Deployment) -> None:
        """Leave the stack's outputs where `make api-key` finds them (removed again by stop)."""
        path = state_file(self.config.aws_port)
        path.parent.mkdir(exist_ok=True)
        state = {"awsEndpoint": self.emulator.endpoint, "pid": os.getpid(), "outputs": resolve_outputs(deployment)}
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2), encoding="utf-8")
        temporary.replace(path)
        self._state_path = path

    def _mint_admin_key(self, deployment: Deployment) -> str:
        environment = {
            **deployment.environment(),
            **api_key.environment_from_outputs(resolve_outputs(deployment), "the local stack"),
            **{key: value for key, value in self.environ.items() if key.startswith("HERALD_")},
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.emulator.endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
        os.environ.pop("AWS_PROFILE", None)
        api_key.use_environment(environment)
        try:
            created = api_key.mint(DEV_TENANT, "admin", "make dev", key=self.config.dev_api_key)
        except ValueError as exc:
            raise StartupError(f"HERALD_DEV_API_KEY: {exc}") from None
        return str(created.key)

    def _start_pollers(self, deployment: Deployment, aws: Aws) -> None:
        sqs = aws.client("sqs")  # created here, once: boto3 clients are thread-safe, their creation is not
        started: list[threading.Thread] = [
            *(
                pollers.SqsPoller(s, sqs, self.pools[s.function], self.stop_event, number=number)
                for s in deployment.sqs_sources
                for number in range(min(pollers.SQS_POLLERS, self.config.containers))
            ),
            *(pollers.sns_poller(s, sqs, self.pools[s.function], self.stop_event) for s in deployment.sns_sources),
            *(pollers.rule_poller(s, sqs, self.pools[s.function], self.stop_event) for s in deployment.rule_sources),
        ]
        for thread in started:
            thread.start()
            self.threads.append(thread)

    def _thread(self, name: str, target: Callable[[], object]) -> None:
        thread = threading.Thread(name=name, target=target, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self) -> None:
        """Stop everything that started, in reverse order; each step is bounded in time."""
        self.stop_event.set()
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for pool in self.pools.values():
            pool.close()
        for thread in self.threads:
            thread.join(timeout=_JOIN_SECONDS)
        self.emulator.stop()
        if self._state_path is not None:
            self._state_path.unlink(missing_ok=True)

    def banner(self, seconds: float) -> str:
        assert self.deployment is not None
        api = self.config.api_url
        topic = next((s.topic_arn for s in self.deployment.sns_sources), "")
        queue = next((s.queue_url for s in self.deployment.sqs_sources), "")
        lines = [
            "",
            f"  API        {api}/v1   (Swagger UI: {api}/v1/docs)",
            f"  Console    {api}/console   (sign in with the admin key below)",
            f"  AWS        {self.emulator.endpoint}   region {REGION}, account {ACCOUNT_ID}, any credentials",
            f"  SNS topic  {topic}",
            f"  Queue      {queue}",
            f"  Admin API key (tenant {DEV_TENANT}): {self.admin_key}",
            "",
            "  Try it:",
            f'    curl -s {api}/v1/channels -H "x-api-key: {self.admin_key}"',
            "",
            f"Herald local stack ready in {seconds:.1f} s. Press Ctrl-C to stop.",
        ]
        return "\n".join(lines)


def _request_stop(signum: int, frame: FrameType | None) -> None:
    raise StopRequested


def main(started: float | None = None) -> int:
    """Run the stack until Ctrl-C or SIGTERM; `started` is when the process began (time.monotonic)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    started = time.monotonic() if started is None else started
    try:
        config = LocalConfig.from_env()
    except ValueError as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        return 2
    stack = LocalStack(config, os.environ)
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    code = 0
    try:
        stack.start()
        print(stack.banner(time.monotonic() - started), flush=True)
        while stack.emulator.running:
            time.sleep(0.5)
        print("make dev: the AWS emulator exited; stopping.", file=sys.stderr)
        code = 1
    except StopRequested:
        print("\nStopping the local stack...", flush=True)
    except (StartupError, TemplateError, EmulatorError, BotoCoreError, ClientError, OSError) as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        code = 1
    finally:
        # A second Ctrl-C must not cut the clean-up short; every step of it is bounded.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
    if code == 0:
        print("Stopped.", flush=True)
    return code
