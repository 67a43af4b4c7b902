"""care_site and location rows: K registry sites, one location each."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from prescreen.synth.population import _table

_CITIES = [
    ("Amsterdam", "NH", "1105", 52.29, 4.96),
    ("Rotterdam", "ZH", "3015", 51.91, 4.47),
    ("Utrecht", "UT", "3584", 52.09, 5.18),
    ("Groningen", "GR", "9713", 53.22, 6.58),
    ("Leiden", "ZH", "2333", 52.17, 4.48),
    ("Nijmegen", "GE", "6525", 51.83, 5.86),
    ("Maastricht", "LI", "6229", 50.83, 5.69),
    ("Eindhoven", "NB", "5623", 51.46, 5.47),
    ("Antwerp", "VAN", "2650", 51.16, 4.45),
    ("Ghent", "VOV", "9000", 51.02, 3.73),
    ("Leuven", "VBR", "3000", 50.88, 4.67),
    ("Aachen", "NW", "52074", 50.78, 6.05),
]


def _site(k: int) -> tuple[str, str, str, str, float, float]:
    """Name, city, state, zip, latitude, longitude of site k (1-based)."""
    city, state, zip_code, lat, lon = _CITIES[(k - 1) % len(_CITIES)]
    kind = "University Hospital" if k <= len(_CITIES) else f"Regional Hospital {k // len(_CITIES)}"
    return f"Site {k:02d} – {city} {kind}", city, state, zip_code, lat, lon


def cdm_source_table(extract_date: date) -> pa.Table:
    """The extract's own description: its release date is the extract date a load checks
    dates against, so a screen of the sample gives the same answer on any day."""
    return _table(
        "cdm_source",
        {
            "cdm_source_name": pa.array(["Synthetic PAD/CLI registry (prescreen generate)"]),
            "cdm_source_abbreviation": pa.array(["SYNTH-PAD"]),
            "cdm_holder": pa.array(["prescreen"]),
            "source_release_date": pa.array([extract_date], pa.date32()),
            "cdm_release_date": pa.array([extract_date], pa.date32()),
            "cdm_version": pa.array(["v5.4"]),
        },
    )


def care_site_table(sites: int) -> pa.Table:
    """One care_site per registry site; care_site_id = location_id = k."""
    rows = [_site(k) for k in range(1, sites + 1)]
    ids = np.arange(1, sites + 1, dtype=np.int64)
    return _table(
        "care_site",
        {
            "care_site_id": pa.array(ids),
            "care_site_name": pa.array([r[0] for r in rows]),
            "place_of_service_concept_id": pa.array(np.full(sites, 8717, np.int64)),
            "location_id": pa.array(ids),
            "care_site_source_value": pa.array([f"SITE{k:02d}" for k in ids]),
            "place_of_service_source_value": pa.array(["hospital"] * sites),
        },
    )


def location_table(sites: int) -> pa.Table:
    """One location per site (city level; no street address)."""
    rows = [_site(k) for k in range(1, sites + 1)]
    return _table(
        "location",
        {
            "location_id": pa.array(np.arange(1, sites + 1, dtype=np.int64)),
            "city": pa.array([r[1] for r in rows]),
            "state": pa.array([r[2] for r in rows]),
            "zip": pa.array([r[3] for r in rows]),
            "location_source_value": pa.array([f"SITE{k:02d}" for k in range(1, sites + 1)]),
            "country_concept_id": pa.array(np.zeros(sites, np.int64)),
            "latitude": pa.array([r[4] for r in rows]),
            "longitude": pa.array([r[5] for r in rows]),
        },
    )
