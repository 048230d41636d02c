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


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _legend(
    entries: Sequence[tuple[str, str]], *, x0: int, width: int, y0: int = 4
) -> tuple[list[str], int]:
    """Legend swatches laid out left to right, wrapping to a new line; (svg parts, height)."""
    parts, x, y = [], x0, y0
    for text, color in entries:
        step = 30 + int(7.2 * len(text))
        if x > x0 and x + step > width:
            x, y = x0, y + 20
        parts.append(f'<rect x="{x}" y="{y + 2}" width="12" height="12" fill="{escape(color)}"/>')
        parts.append(f'<text x="{x + 16}" y="{y + 12}" fill="#344054">{escape(text)}</text>')
        x += step
    return parts, y - y0 + 18


def bar_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, label_width: int = 280
) -> SafeString:
    """Horizontal grouped bars, one group per label (district or school), with a legend.

    Every text is escaped; the result is safe to put in a template as is.
    """
    bar_h, gap, group_gap = 12, 2, 12
    width, right_pad = 1000, 64
    legend, legend_h = _legend([(s.label, s.color) for s in series], x0=label_width, width=width)
    top = legend_h + 14
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
    parts.extend(legend)
    for i, label in enumerate(labels):
        y0 = top + i * (group_h + group_gap)
        parts.append(
            f'<text x="{label_width - 8}" y="{y0 + group_h / 2 + 4}" text-anchor="end" '
            f'fill="#101828">{escape(_short(label))}</text>'
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
    width = 1000
    legend, legend_h = _legend(
        [(f"{label}: {_fmt(n)}", color) for label, n, color in parts], x0=0, width=width, y0=34
    )
    height = 34 + legend_h + 4
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
    out.extend(legend)
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated text is escaped above
