"""Prefect orchestration of the prescreen library: thin flows, one task per stage.

Importing the package sets Prefect's offline environment (see `settings`) before any
flow module imports prefect.
"""

from prescreen.flows import settings as _settings  # noqa: F401  (must precede prefect)
