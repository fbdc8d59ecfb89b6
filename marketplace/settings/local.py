"""Development settings: DEBUG on, console email, SQLite unless DATABASE_URL says otherwise."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403

# A well-known key pair for development only, so record_checkpoint and the checks work out of
# the box; production sets its own (README, Configuration).
if not CHECKPOINT_PUBLIC_KEYS:  # noqa: F405
    CHECKPOINT_SIGNING_KEY = "RnRZxRwmuYu4JvZE25QSKuHl1ZNAacMLBfuh6Mx08h4="
    CHECKPOINT_PUBLIC_KEYS = ["2mpx6SP30HGjS+Lg7gYz9TOLlmvktjJTGJs3+ARUhnM="]
