"""Cohort reports: funnel, sites, evaluability, suppression, worklist, HTML."""
