"""The in-process Prefect API of one-off commands: where flows report, and no heartbeat."""

from __future__ import annotations


def test_flows_on_the_in_process_api_report_there_and_send_no_heartbeat():
    """Prefect 3.9 heartbeats every 180 s by default and its heartbeat thread sleeps in
    one-second steps, so each flow run waited up to a second at exit. The in-process API ends
    with the process, so local_api turns heartbeats off, and only while it serves."""
    import prescreen.flows.settings  # noqa: F401  (offline environment before prefect)
    from prefect import flow
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )
    from prescreen.flows.server import local_api

    @flow(persist_result=False)
    def answer() -> int:
        return 42

    # no server of the user's; Prefect's default heartbeat (other tests may have changed it)
    with temporary_settings({PREFECT_API_URL: None, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 180}):
        with local_api() as url:
            assert url.startswith("http://127.0.0.1:") and url.endswith("/api")
            assert PREFECT_API_URL.value() == url
            assert get_current_settings().flows.heartbeat_frequency is None
            assert answer() == 42
        assert get_current_settings().flows.heartbeat_frequency == 180
