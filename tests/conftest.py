"""Shared fixtures."""

import os

# OpenBLAS's worker threads spin while they wait: on a busy 2-core machine one SVD of the
# suppression check (numpy.linalg.svd) took 30 times longer with them than without. Set before
# numpy is first imported; subprocesses (the CLI tests) inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API (offline) for every flow test of the session."""
    import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
    from prefect.testing.utilities import prefect_test_harness

    # generous: on a loaded 2-core machine Prefect's server takes more than its default 30 s
    with prefect_test_harness(server_startup_timeout=180):
        yield


SCHEDULE_TEST = "test_schedule.py"


def pytest_collection_modifyitems(session, config, items):
    """The schedule test runs last: its `prescreen schedule` starts when collection ends."""
    items.sort(key=lambda item: item.path.name == SCHEDULE_TEST)


def pytest_collection_finish(session):
    """Start `prescreen schedule` now when its test was selected, so the wait for its first
    cron run (the next minute boundary) overlaps the rest of the suite."""
    if not any(item.path.name == SCHEDULE_TEST for item in session.items):
        return
    import tempfile
    from pathlib import Path

    from test_schedule import SCHEDULE_KEY, start_schedule

    folder = Path(tempfile.mkdtemp(prefix="prescreen-schedule-test-"))
    session.config.stash[SCHEDULE_KEY] = start_schedule(folder)


def pytest_sessionfinish(session, exitstatus):
    """Never leave the schedule (and its Prefect server) running after the session."""
    import shutil
    import sys

    if "test_schedule" not in sys.modules:  # never started
        return
    from test_schedule import SCHEDULE_KEY, stop_schedule

    child = session.config.stash.get(SCHEDULE_KEY, None)
    if child is not None:
        stop_schedule(child)
        shutil.rmtree(child.folder, ignore_errors=True)
