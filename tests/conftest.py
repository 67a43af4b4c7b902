"""Shared fixtures; the order and placement of tests (pytest-xdist)."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

# OpenBLAS's worker threads spin while they wait: on a busy 2-core machine one SVD of the
# suppression check (numpy.linalg.svd) took 30 times longer with them than without. Set before
# numpy is first imported; subprocesses (the CLI tests) inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API (offline) for every flow test of the session."""
    import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # generous: on a loaded 2-core machine Prefect's server takes more than its default 30 s;
    # no heartbeats, as prescreen's own in-process API (each flow run would wait up to 1 s)
    with prefect_test_harness(server_startup_timeout=180):
        with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


SCHEDULE_TEST = "test_schedule.py"
SCHEDULE_FOLDER = pytest.StashKey[Path]()


def pytest_collection_modifyitems(session, config, items):
    """Files holding a `slow` test first, the schedule test last.

    `make test` hands whole files to two pytest-xdist workers in this order (`--dist
    loadfile`): the longest work first keeps one worker from finishing a slow file alone
    at the end. The schedule test last: its `prescreen schedule` starts when collection
    ends, and waits for the next minute while the rest of the suite runs.
    """
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (item.path.name == SCHEDULE_TEST, item.path not in slow))


def pytest_collection_finish(session):
    """Start `prescreen schedule` now when its test was selected, so the wait for its first
    cron run (the next minute boundary) overlaps the rest of the suite."""
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: the controller starts it
        return
    if not any(item.path.name == SCHEDULE_TEST for item in session.items):
        return
    from test_schedule import SCHEDULE_KEY, start_schedule

    session.config.stash[SCHEDULE_KEY] = start_schedule(_schedule_folder(session.config))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist's controller: tell each worker where the schedule test's child runs."""
    node.workerinput["schedule_folder"] = str(_schedule_folder(node.config))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """pytest-xdist's controller: start `prescreen schedule` once, when a worker has
    collected its test (before any test is handed out). Only a parent can wait for a
    child, so the child records its exit code for the worker that stops it."""
    from test_schedule import SCHEDULE_KEY, start_schedule

    config = node.config
    if SCHEDULE_KEY in config.stash:
        return
    if any(nodeid.split("::")[0].endswith(SCHEDULE_TEST) for nodeid in ids):
        config.stash[SCHEDULE_KEY] = start_schedule(_schedule_folder(config), record_exit=True)


def _schedule_folder(config) -> Path:
    if SCHEDULE_FOLDER not in config.stash:
        config.stash[SCHEDULE_FOLDER] = Path(tempfile.mkdtemp(prefix="prescreen-schedule-test-"))
    return config.stash[SCHEDULE_FOLDER]


def pytest_sessionfinish(session, exitstatus):
    """Never leave the schedule (and its Prefect server) running after the session."""
    if hasattr(session.config, "workerinput"):  # the controller (or a serial run) owns it
        return
    if "test_schedule" in sys.modules:  # else never started
        from test_schedule import SCHEDULE_KEY, stop_schedule

        child = session.config.stash.get(SCHEDULE_KEY, None)
        if child is not None:
            stop_schedule(child)
    folder = session.config.stash.get(SCHEDULE_FOLDER, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
