"""Logging to stderr only: in stdio mode stdout carries nothing but the protocol."""

from __future__ import annotations

import logging
import os
import sys

ENV_LOG_LEVEL = "PERSONALIZE_MCP_LOG_LEVEL"


def configure_logging(default_level: str = "WARNING") -> None:
    """One stderr handler on the root logger (the SDK's own set-up then leaves it alone)."""
    level_name = os.environ.get(ENV_LOG_LEVEL, default_level).upper()
    level = logging.getLevelName(level_name)
    if not isinstance(level, int):
        level = logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx2 logs every request at INFO; ours already says what matters (never headers or tokens).
    for noisy in ("httpx2", "httpcore2", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
