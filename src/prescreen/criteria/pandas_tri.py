"""Three-valued logic on numpy arrays: one small integer per person.

FALSE < UNKNOWN < TRUE, so Kleene `and` is the minimum, `or` the maximum and `not` the
reflection: the rule tree combines whole columns at once, never person by person.
"""

from __future__ import annotations

import numpy as np

FALSE, UNKNOWN, TRUE = 0, 1, 2


def tri(value: bool | None) -> int:
    """The code of a Python three-valued result (None = unknown)."""
    return UNKNOWN if value is None else TRUE if value else FALSE


def tri_and(values: list[np.ndarray]) -> np.ndarray:
    return np.minimum.reduce(values).astype(np.int8)


def tri_or(values: list[np.ndarray]) -> np.ndarray:
    return np.maximum.reduce(values).astype(np.int8)


def tri_not(value: np.ndarray) -> np.ndarray:
    return (TRUE - value).astype(np.int8)
