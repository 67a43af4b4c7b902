"""Short names of criteria for charts and tables, and percentages as shown."""

from __future__ import annotations

from typing import Any

_FALLBACK_CHARS = 40


def criterion_label(criterion: Any) -> str:
    """The criterion's short label (`age 20–80`), else its text cut at a word boundary."""
    label = (getattr(criterion, "label", "") or "").strip()
    if label:
        return label
    return cut_at_word(" ".join(str(criterion.text).split()), _FALLBACK_CHARS)


def cut_at_word(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` in at most `limit` characters, cut after a whole word (ellipsis included)."""
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    head = text[:room]
    space = head.rfind(" ")
    if space > room // 2:  # a word boundary not too far back
        head = head[:space]
    return head.rstrip(" ,;:–-") + ellipsis


def computable_ids(trial: Any) -> list[str]:
    """Top-level criteria that the data decides (not manual), in protocol order."""
    return [c.id for c in trial.criteria if not c.manual]


def share(numerator: str, denominator: str) -> str:
    """n / d with three decimals from two counts as published: '' when d is 0, `*` when
    either is hidden (a share of hidden counts would give them away)."""
    if not (numerator.isdigit() and denominator.isdigit()):
        return "*"
    if int(denominator) == 0:
        return ""
    return f"{int(numerator) / int(denominator):.3f}"


def percent(share_text: str) -> str:
    """A share as printed in reports: `0.853` → `85.3 %`; hidden or empty stay as they are."""
    try:
        return f"{100 * float(share_text):.1f} %"
    except ValueError:
        return share_text
