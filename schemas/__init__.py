"""Pandera schemas for the OMOP CDM tables prescreen loads."""
