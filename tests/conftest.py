"""Shared fixtures."""

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API (offline) for every flow test of the session."""
    import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
    from prefect.testing.utilities import prefect_test_harness

    # generous: on a loaded 2-core machine Prefect's server takes more than its default 30 s
    with prefect_test_harness(server_startup_timeout=180):
        yield
