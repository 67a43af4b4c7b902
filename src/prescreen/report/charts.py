"""Inline SVG charts for report.html, drawn only from suppressed (shared) figures.

A hidden count is never drawn to scale: its bar is a hatched stub of fixed nominal
width labelled with its mark (`<5`, `*`), so bar lengths cannot leak it.
"""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from prescreen.report.labels import cut_at_word  # noqa: E402
from prescreen.report.published import Published  # noqa: E402

STATUS_COLOURS = {"likely_eligible": "#2E7D32", "needs_review": "#F9A825", "ineligible": "#C62828"}
_INK, _GRID, _ACCENT, _LIGHT = "#1F2933", "#E4E7EB", "#1F4E79", "#9FB3C8"
_FONT = ["Inter", "Segoe UI", "Helvetica Neue", "Arial", "DejaVu Sans"]


def _number(text: str) -> float | None:
    return float(text) if text.isdigit() else None


def plain(text: str) -> str:
    """Text matplotlib draws as it is: a `$` would start mathtext (and a stray one crash)."""
    return str(text).replace("$", r"\$")


def criterion_tick(criterion_id: str, label: str, limit: int = 44) -> str:
    """`E14 · hemoglobin < 80 g/L`: the id and the short label, cut to fit the axis."""
    return plain(cut_at_word(f"{criterion_id} · {label}" if label else criterion_id, limit))


def _svg(fig, salt: str) -> str:
    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # date, creator: noise
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE


def _axes(height: float, width: float = 9.0):
    plt.rcParams.update({"font.family": "sans-serif", "font.sans-serif": _FONT, "font.size": 9})
    fig, ax = plt.subplots(figsize=(width, height))
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(_GRID)
    ax.tick_params(colors=_INK, length=0)
    ax.xaxis.grid(True, color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    return fig, ax


def _bars(ax, y, texts, colour, nominal: float, height=0.62, label=None):
    """Horizontal bars; hidden values as hatched stubs with their mark."""
    labelled = False
    for pos, text in zip(y, texts, strict=True):
        value = _number(text)
        if value is None:
            ax.barh(
                pos,
                nominal,
                height=height,
                color="white",
                edgecolor=colour,
                hatch="///",
                linewidth=0.8,
                label=None,
            )
            ax.text(nominal, pos, f"  {plain(text)}", va="center", color=_INK, fontsize=8)
        else:
            ax.barh(pos, value, height=height, color=colour, label=None if labelled else label)
            labelled = True
            ax.text(value, pos, f"  {int(value):,}", va="center", color=_INK, fontsize=8)


def _nominal(texts) -> float:
    numbers = [n for n in map(_number, texts) if n is not None]
    return max(max(numbers, default=1.0) * 0.03, 1.0)


def funnel_chart(published: Published) -> str:
    """Patients still passing every criterion so far, screened first, in protocol order."""
    f = published.funnel
    labels = [
        "screened",
        *[criterion_tick(c, lab) for c, lab in zip(f["criterion_id"], f["label"], strict=True)],
    ]
    texts = [published.headline["screened"], *f["remaining_after"]]
    fig, ax = _axes(0.28 * len(labels) + 0.8)
    y = list(range(len(labels)))[::-1]
    _bars(ax, y, texts, _ACCENT, _nominal(texts))
    ax.set_yticks(y, labels)
    ax.set_xlabel("patients passing all criteria so far (unknown counts as not passing)")
    return _svg(fig, "funnel")


def impact_chart(published: Published) -> str:
    """Patients failing each criterion (light) and failing only it (dark), most first."""
    f = published.funnel.copy()
    f["_sort"] = [_number(t) if _number(t) is not None else -1 for t in f["fail_any"]]
    f = f.sort_values(["_sort", "step"], ascending=[False, True])
    f = f[f["_sort"] != 0]
    if f.empty:
        f = published.funnel.head(1)
    fig, ax = _axes(max(0.36 * len(f) + 0.9, 2.0))
    y = list(range(len(f)))[::-1]
    nominal = _nominal(f["fail_any"])
    _bars(ax, [p + 0.17 for p in y], list(f["fail_any"]), _LIGHT, nominal, 0.34, "fail (any)")
    _bars(
        ax,
        [p - 0.17 for p in y],
        list(f["fail_only"]),
        _ACCENT,
        nominal,
        0.34,
        "fail only this criterion",
    )
    ax.set_yticks(
        y, [criterion_tick(c, lab) for c, lab in zip(f["criterion_id"], f["label"], strict=True)]
    )
    ax.set_xlabel("patients")
    if ax.get_legend_handles_labels()[0]:  # every bar hidden: nothing to name
        ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    return _svg(fig, "impact")


def site_chart(published: Published) -> str:
    """Stacked status counts per site; hidden segments are hatched stubs, not to scale."""
    s = published.sites.iloc[:-1]  # without the 'All sites' row
    statuses = list(STATUS_COLOURS)
    texts = [t for col in statuses for t in s[col]]
    nominal = _nominal(texts)
    fig, ax = _axes(0.42 * len(s) + 1.0)
    y = list(range(len(s)))[::-1]
    left = [0.0] * len(s)
    for status in statuses:
        for i, (pos, text) in enumerate(zip(y, s[status], strict=True)):
            value = _number(text)
            width = nominal if value is None else value
            if value is None:
                ax.barh(
                    pos,
                    width,
                    left=left[i],
                    color="white",
                    edgecolor=STATUS_COLOURS[status],
                    hatch="///",
                    linewidth=0.8,
                )
            else:
                ax.barh(pos, width, left=left[i], color=STATUS_COLOURS[status])
            left[i] += width
    for i, pos in enumerate(y):
        hidden = [s[c].iloc[i] for c in statuses if _number(s[c].iloc[i]) is None]
        note = plain(
            f"  screened {s['screened'].iloc[i]}"
            + (f" (hidden: {', '.join(hidden)})" if hidden else "")
        )
        ax.text(left[i], pos, note, va="center", fontsize=8, color=_INK)
    ax.set_yticks(y, [plain(cut_at_word(name, 44)) for name in s["site"]])
    for status in statuses:  # legend from proxies: every status, even if all hidden
        ax.barh(0, 0, color=STATUS_COLOURS[status], label=status.replace("_", " "))
    ax.set_xlabel(
        "patients (rounded up)"
        if published.round_to
        else "patients (hatched = suppressed small count, not to scale)"
    )
    ax.legend(
        frameon=False,
        ncols=3,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 - 0.6 / max(len(s), 1)),
    )
    return _svg(fig, "sites")
