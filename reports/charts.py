"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, readable when printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]
    color: str


PALETTE = ("#1f7a4d", "#e3a008", "#2e6fbf", "#b54708", "#7a5af8", "#667085")


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def bar_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, label_width: int = 190
) -> SafeString:
    """Horizontal grouped bars, one group per label (district or school), with a legend.

    Every text is escaped; the result is safe to put in a template as is.
    """
    bar_h, gap, group_gap = 12, 2, 12
    width, right_pad, top = 760, 56, 34
    group_h = len(series) * (bar_h + gap) - gap
    height = top + len(labels) * (group_h + group_gap) + 8
    peak = max([v for s in series for v in s.values] + [1])
    plot_w = width - label_width - right_pad
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    x = label_width
    for s in series:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{escape(s.color)}"/>')
        parts.append(f'<text x="{x + 16}" y="16" fill="#344054">{escape(s.label)}</text>')
        x += 24 + 7 * len(s.label)
    for i, label in enumerate(labels):
        y0 = top + i * (group_h + group_gap)
        parts.append(
            f'<text x="{label_width - 8}" y="{y0 + group_h / 2 + 4}" text-anchor="end" '
            f'fill="#101828">{escape(label[:34])}</text>'
        )
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            w = plot_w * value / peak
            y = y0 + j * (bar_h + gap)
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" '
                f'fill="{escape(s.color)}"><title>{escape(label)} – {escape(s.label)}: '
                f"{_fmt(value)}</title></rect>"
            )
            parts.append(
                f'<text x="{label_width + w + 4:.1f}" y="{y + bar_h - 2}" fill="#475467" '
                f'font-size="11">{_fmt(value)}</text>'
            )
    parts.append(
        f'<line x1="{label_width}" y1="{top - 4}" x2="{label_width}" y2="{height - 6}" '
        f'stroke="#d0d5dd"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def stacked_bar(parts: Sequence[tuple[str, int, str]], *, title: str) -> SafeString:
    """One horizontal bar split into shares (e.g. needy pupils by household category)."""
    total = sum(n for _label, n, _color in parts) or 1
    width, height = 760, 58
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="12"><title>{escape(title)}</title>'
    ]
    x = 0.0
    for label, n, color in parts:
        w = width * n / total
        out.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="22" fill="{escape(color)}">'
            f"<title>{escape(label)}: {_fmt(n)}</title></rect>"
        )
        x += w
    x = 0
    for label, n, color in parts:
        text = f"{label}: {_fmt(n)}"
        out.append(f'<rect x="{x}" y="34" width="12" height="12" fill="{escape(color)}"/>')
        out.append(f'<text x="{x + 16}" y="44" fill="#344054">{escape(text)}</text>')
        x += 28 + 7 * len(text)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated text is escaped above
