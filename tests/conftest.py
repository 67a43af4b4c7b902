"""Shared fixtures."""

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API (offline) for every flow test of the session."""
    import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield
