"""Small PNG charts for members' own eyes (/mycheckins), drawn with matplotlib's Agg canvas.

matplotlib is imported on first use only (it is slow to import), and only its object API is used, so no
global pyplot state is shared between concurrent requests.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from magbot.domain.checkins import CHART_WEEKS, MOODS, CheckIn


def checkins_png(checkins: list[CheckIn], now: datetime, zone: ZoneInfo, weeks: int = CHART_WEEKS) -> bytes:
    """A few-KB line chart of moods over the last `weeks` weeks, one dot per check-in."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.0, 2.2), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    start = now - timedelta(weeks=weeks)
    days = [(c.at - start).total_seconds() / 86400 for c in checkins]
    moods = [c.mood for c in checkins]
    axes.plot(days, moods, marker="o", linewidth=1.5, markersize=4, color="#2a7f62")
    axes.set_ylim(0.5, len(MOODS) + 0.5)
    axes.set_yticks(range(1, len(MOODS) + 1), list(MOODS), fontsize=7)
    axes.set_xlim(0, weeks * 7)
    ticks = list(range(0, weeks * 7 + 1, 14))
    labels = [(start + timedelta(days=d)).astimezone(zone).strftime("%d %b") for d in ticks]
    axes.set_xticks(ticks, labels, fontsize=7)
    axes.grid(axis="y", linewidth=0.3)
    axes.set_title("Your check-ins", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
