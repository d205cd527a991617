"""The explorer's per-build catalogue for this request, and looking up the metric a path names:
shared by the metric pages (web/metrics_pages.py) and the pages nested under them (compare pages,
linked-data sitemap and VoID)."""

from __future__ import annotations

import re

from flask import abort

from core import periods
from core.queries import iri, select
from core.uris import Uris
from web.current import get_store, settings
from web.explorer_data import Catalogue, Metric, catalogue
from web.per_build import memo_per_build

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}$")
CODE = re.compile(r"^[A-Z]{2,5}$")
PERIOD = re.compile(periods.PATTERN)

GROUP_LABELS = {"lower-tier": "lower-tier councils", "upper-tier": "upper-tier councils",
                "combined": "combined authorities"}


def cat() -> Catalogue:
    return catalogue(get_store(), Uris(settings().base_uri))


def metric_or_404(slug: str) -> Metric:
    m = cat().metrics.get(slug) if SLUG.match(slug) else None
    if m is None:
        abort(404)
    return m


def metric_texts(m: Metric) -> dict[str, list[str]]:
    """The metric's definition, methodology and caveats, by kind (read once per build)."""
    return memo_per_build("metric-texts", get_store(), m.slug, lambda: _read_metric_texts(m))


def _read_metric_texts(m: Metric) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for r in select(get_store(), "explorer-metric-detail", metric=iri(m.uri)):
        texts.setdefault(str(r["kind"]), []).append(str(r["text"]))
    return texts
