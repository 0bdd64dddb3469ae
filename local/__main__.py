"""`python -m local` (make dev): run the local stack in the foreground."""

import sys
import time

STARTED = time.monotonic()  # before the heavy imports, so "ready in" counts them too

from local.stack import main  # noqa: E402

sys.exit(main(STARTED))
