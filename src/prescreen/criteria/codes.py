"""Code patterns: globs on source values, translated for SQL LIKE and for pandas regex.

`*` is any run of characters and `?` exactly one; every other character is literal.
The allowed alphabet is small on purpose: a pattern can never carry SQL or regex syntax.
"""

from __future__ import annotations

import re

PATTERN_RE = re.compile(r"^[A-Za-z0-9.|*?_\-]{1,64}$")
MAX_PATTERNS = 5000


def pattern_problem(pattern: object) -> str | None:
    """Why `pattern` is not a valid code pattern, or None when it is."""
    if not isinstance(pattern, str):
        return f"code pattern {pattern!r} must be a string (quote it)"
    if not PATTERN_RE.fullmatch(pattern):
        return (
            f"code pattern {pattern[:70]!r} is invalid: use at most 64 characters of "
            "letters, digits and . | - _ with * and ? as wildcards"
        )
    return None


def to_like(pattern: str) -> str:
    """Glob → SQL LIKE pattern with `\\` as the escape character."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def to_regex(patterns: tuple[str, ...] | list[str]) -> str:
    """Globs → one anchored regex (for pandas `str.fullmatch`)."""
    parts = []
    for pattern in patterns:
        parts.append(
            "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        )
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"
