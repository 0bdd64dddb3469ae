"""`make migrate [STACK=s]`: move what an older release stored into the current layout; safe to stop and rerun.

Today that is the delivery log: a delivery of the old layout (every one of a tenant under `T#<tenant>`,
sort key `DLV#<id>`) moves to its own partition with its listing index keys (herald/delivery/repository.py).
Each move writes the new item only if it is absent, then deletes the old one: a run that stops anywhere
is simply run again (what moved is no longer of the old layout; a move cut in half is finished). Until
the migration has run, an old delivery is moved when it is first read or claimed, but listings miss it.

Like `make api-key`: with STACK, a deployed stack and your AWS credentials; without, the local stack.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local.api_key import ApiKeyError, local_environment, stack_environment, use_environment
from local.constants import LocalConfig

PROGRESS_EVERY = 500


def legacy_items(page_size: int = 100) -> Iterator[dict[str, Any]]:
    """Every delivery still stored the old way: a Scan of the whole table, with the operator's credentials.

    It lives here, not in the layer, because no function may scan the table (tests/unit/test_template_policy.py).
    """
    from boto3.dynamodb.conditions import Attr

    from herald import db

    kwargs: dict[str, Any] = {
        "FilterExpression": Attr("sk").begins_with("DLV#") & ~Attr("pk").contains("#DLV#"),
        "Limit": page_size,
    }
    while True:
        response = db.table().scan(**kwargs)
        yield from response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def migrate(progress: Callable[[int], None] = lambda _moved: None) -> int:
    """Move every delivery of the old layout; returns how many moved (0 when there was nothing left)."""
    from herald.delivery import repository

    moved = 0
    for item in legacy_items():
        repository.move_legacy(item)
        moved += 1
        if moved % PROGRESS_EVERY == 0:
            progress(moved)
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make migrate", description="Move stored items to the current layout.")
    parser.add_argument("--stack", help="a deployed CloudFormation stack; without it, the running local stack")
    args = parser.parse_args(argv)
    try:
        use_environment(stack_environment(args.stack) if args.stack else local_environment(LocalConfig.from_env()))
        moved = migrate(lambda count: print(f"... {count} deliveries moved", flush=True))
    except ApiKeyError as exc:
        print(f"make migrate: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(
            f"make migrate: AWS refused a request ({exc}); run it again to carry on where it stopped.", file=sys.stderr
        )
        return 1
    where = f"stack {args.stack}" if args.stack else f"the local stack ({os.environ['AWS_ENDPOINT_URL']})"
    print(f"Moved {moved} deliveries of the old layout on {where}; none is left.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
