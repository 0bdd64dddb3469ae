"""`make tenant-plan TENANT=t [RATE=r BURST=b [QUOTA=q]] [STACK=s]`: a tenant's own throttle, or the default again.

With RATE (requests per second) and BURST the tenant's usage key moves to a usage plan of its own
(`herald-<stage>-tenant-<tenant>`, created the first time, updated after; QUOTA: requests per day).
Without them it goes back to the stack's default plan (TenantUsagePlan); a tenant created before
per-tenant throttling gets its usage key there, so this is also how old tenants are let in again.
Like `make api-key`: with STACK, a deployed stack and your AWS credentials; without, the local stack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from local.api_key import ApiKeyError, local_environment, stack_environment, use_environment
from local.constants import LocalConfig


def _positive[N: (int, float)](kind: Callable[[str], N]) -> Callable[[str], N]:
    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make tenant-plan", description="Set a tenant's own API throttle.")
    parser.add_argument("--tenant", required=True, help="an existing tenant (make api-key creates tenants)")
    parser.add_argument("--rate", type=_positive(float), help="RATE: requests per second, on average")
    parser.add_argument("--burst", type=_positive(int), help="BURST: requests at once (the token bucket's size)")
    parser.add_argument("--quota", type=_positive(int), help="QUOTA: requests per day (UTC); none when absent")
    parser.add_argument("--stack", help="a deployed CloudFormation stack; without it, the running local stack")
    args = parser.parse_args(argv)
    if (args.rate is None) != (args.burst is None) or (args.quota is not None and args.rate is None):
        parser.error("RATE and BURST go together (QUOTA only with them); give neither for the default plan")
    try:
        use_environment(stack_environment(args.stack) if args.stack else local_environment(LocalConfig.from_env()))
        from herald.auth import usage
        from herald.auth.models import Limits
        from herald.errors import HeraldError

        limits = None if args.rate is None else Limits(rate=args.rate, burst=args.burst, daily_quota=args.quota)
        try:
            plan = usage.set_tenant_limits(args.tenant, limits)
        except HeraldError as exc:
            raise ApiKeyError(exc.message) from None
    except (ApiKeyError, ValueError) as exc:
        print(f"make tenant-plan: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"make tenant-plan: AWS refused the request: {exc}", file=sys.stderr)
        return 1
    if limits is None:
        print(f"Tenant '{args.tenant}' is on the default usage plan {plan}.")
    else:
        quota = f", {limits.daily_quota} a day" if limits.daily_quota else ""
        print(
            f"Tenant '{args.tenant}' is on its own usage plan {plan}: {limits.rate:g}/s, burst {limits.burst}{quota}."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
