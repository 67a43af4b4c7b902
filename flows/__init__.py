"""Prefect orchestration of the prescreen library: thin flows, one task per stage."""
