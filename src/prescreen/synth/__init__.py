"""Synthetic OMOP CDM v5.4 registry extracts for a PAD/CLI registry (deterministic per seed)."""
