"""What of the metric records reaches the public catalogue."""

from __future__ import annotations

from catalogue.lifecycle.records import PUBLIC_STATUSES
from catalogue.metric_records import LoadedMetrics


def public_metrics(loaded: LoadedMetrics) -> LoadedMetrics:
    """The loaded metrics reduced to those in the public catalogue, with only their rows in the
    tidy frames."""
    records = [r for r in loaded.records if r.data["status"] in PUBLIC_STATUSES]
    slugs = {r.slug for r in records}
    frames = {rel: frame[frame["metric"].isin(slugs)] for rel, frame in loaded.frames.items()}
    return LoadedMetrics(records, frames)
