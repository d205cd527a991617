"""HTML tables with .json and .csv twins, paginated with `Link: rel="next"`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from flask import Response, request

from datapackages.cells import neutralise

PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 1000


@dataclass
class Page:
    rows: list[dict[str, object]]
    number: int
    size: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total


def paginate(rows: Sequence[dict[str, object]]) -> Page:
    """Slice rows by ?page= and ?page_size= (bad values fall back to the defaults, never a 500)."""
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        number = 1
    try:
        size = min(PAGE_SIZE_MAX, max(1, int(request.args.get("page_size", str(PAGE_SIZE_DEFAULT)))))
    except ValueError:
        size = PAGE_SIZE_DEFAULT
    start = (number - 1) * size
    return Page(list(rows[start:start + size]), number, size, len(rows))


def _next_link(page: Page) -> str | None:
    if not page.has_next:
        return None
    args = request.args.to_dict()
    args["page"] = str(page.number + 1)
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in sorted(args.items()))
    return f"{request.path}?{query}"


def json_response(page: Page, columns: list[str]) -> Response:
    body = {
        "page": page.number,
        "page_size": page.size,
        "total": page.total,
        "items": [{c: row.get(c) for c in columns} for row in page.rows],
    }
    response = Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json")
    return _with_link(response, page)


def csv_response(page: Page, columns: list[str], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in page.rows:
        writer.writerow([neutralise("" if row.get(c) is None else row.get(c)) for c in columns])
    response = Response(out.getvalue(), mimetype="text/csv")
    # The file name is fixed by the route, never taken from the request.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _with_link(response, page)


def _with_link(response: Response, page: Page) -> Response:
    link = _next_link(page)
    if link:
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response
