"""Prefect's environment for prescreen: offline, no telemetry.

Import this module before anything imports prefect (the flows modules do it first):
Prefect reads its settings from the environment once, at import.

- `PREFECT_SERVER_ANALYTICS_ENABLED=false`, `DO_NOT_TRACK=1`: nothing is sent anywhere;
  without them an offline machine logs an error on every start.
- Heartbeats: Prefect 3.9 sends one every 180 s unless the setting is None, which no
  environment value can say; `server.local_api` turns them off for the in-process API.
- `PREFECT_HOME` defaults to the user's cache folder (`~/.cache/prescreen/prefect`, mode
  0700), so the in-process API's database never lands in the repository or the output
  folder and other users cannot read it.
- The CLI (unless --verbose) sets `PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL=CRITICAL` before
  Prefect is imported: Prefect prints nothing on the console — no INFO lines, no "View at
  http://127.0.0.1:…" link to a UI that is not running, no second copy of an error the CLI
  prints once. Logs still reach the Prefect API.
Values the user has set already win.
"""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_ENVIRONMENT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
}


def prefect_home() -> Path:
    """Where Prefect keeps its database: $PREFECT_HOME or the user cache folder."""
    if os.environ.get("PREFECT_HOME"):
        return Path(os.environ["PREFECT_HOME"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "prescreen" / "prefect"


def configure_offline() -> None:
    """Set the offline environment (idempotent); call before `import prefect`."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    home = prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("PREFECT_HOME"):
        home.chmod(0o700)  # our default folder: private (a folder the user chose stays as is)
    os.environ["PREFECT_HOME"] = str(home)


configure_offline()
