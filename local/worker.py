"""One emulated Lambda execution environment ("container"): a process that runs one function's handler.

Started by local.containers. It imports the handler once (the cold start), then handles one event
at a time: a JSON request line on stdin, a JSON reply line on the result pipe. The handler's own
output (logs, metrics) goes to stdout/stderr as in Lambda.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from local import faults
from local.deployment import FunctionSpec
from local.runtime import LambdaContext, error_payload, load_handler


def _spec(args: argparse.Namespace) -> FunctionSpec:
    return FunctionSpec(
        logical_id=args.logical_id,
        name=args.name,
        arn=args.arn,
        code_dir=Path(args.code_dir),
        handler=args.handler,
        runtime=args.runtime,
        timeout=args.timeout,
        memory=args.memory,
        environment={},
        layer_dirs=tuple(Path(layer) for layer in args.layer),
        log_group=args.log_group,
    )


def _reply(stream: Any, message: dict[str, Any]) -> None:
    try:
        line = json.dumps(message)
    except (TypeError, ValueError) as exc:
        line = json.dumps({"error": error_payload(exc, "Runtime.MarshalError")})
    stream.write(line + "\n")
    stream.flush()


def _install_hosts(mapping: str) -> None:
    """HERALD_LOCAL_HOSTS="name=ip,...": the emulated environment's /etc/hosts.

    Lets a test make a public-looking name resolve to a private address at send time (DNS
    rebinding) without touching the machine's resolver. Other names resolve as usual.
    """
    import socket

    hosts = {}
    for pair in mapping.split(","):
        name, _, address = pair.partition("=")
        if name.strip() and address.strip():
            hosts[name.strip().lower().rstrip(".")] = address.strip()
    if not hosts:
        return
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.lower().rstrip(".") in hosts:
            host = hosts[host.lower().rstrip(".")]
        return real(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    for option in ("logical-id", "name", "arn", "code-dir", "handler", "runtime", "log-group"):
        parser.add_argument(f"--{option}", required=True)
    parser.add_argument("--timeout", type=int, required=True)
    parser.add_argument("--memory", type=int, required=True)
    parser.add_argument("--layer", action="append", default=[])
    parser.add_argument("--result-fd", type=int, required=True)
    args = parser.parse_args(argv)
    # Ctrl-C reaches the whole terminal process group; the stack decides when containers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    spec = _spec(args)
    _install_hosts(os.environ.get("HERALD_LOCAL_HOSTS", ""))
    if spec.logical_id in os.environ.get("HERALD_LOCAL_FAULTS_IN", "SenderFunction").split(","):
        faults.install(os.environ.get("HERALD_LOCAL_FAULTS", ""), os.environ.get("HERALD_LOCAL_FAULTS_LOG", ""))
    results = os.fdopen(args.result_fd, "w", encoding="utf-8")
    # The handler sees what Lambda shows it: its code and layers first, and no trace of the local stack.
    stack_root = str(Path(__file__).resolve().parents[1])
    sys.path[:] = [entry for entry in sys.path if entry not in ("", stack_root)]
    os.chdir(spec.code_dir)
    try:
        handler = load_handler(spec, module_name=f"local_fn_{spec.logical_id}")
    except Exception as exc:  # reported to the stack as Lambda reports an init failure
        _reply(results, {"initError": error_payload(exc, "Runtime.ImportModuleError")})
        return 1
    _reply(results, {"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        context = LambdaContext(spec, request_id=request["requestId"], deadline=request["deadline"])
        try:
            result = handler(request["event"], context)
        except Exception as exc:  # an invocation error is data for the caller, as in Lambda
            _reply(results, {"error": error_payload(exc)})
        else:
            _reply(results, {"result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
