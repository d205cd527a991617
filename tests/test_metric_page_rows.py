"""The metric page's values table is assembled from rows rendered once per build
(web/metric_page.value_rows). It must read exactly as the table rendered cell by cell on each
request did: the reference below is that template loop, rendered here from the same rows."""

from __future__ import annotations

import pytest

from web.metric_lookup import cat
from web.metric_page import latest_values, sort_rows

# The values table's body as metric.html rendered it before the rows were kept per build.
REFERENCE = """\
    {% for r in rows %}
    <tr class="govuk-table__row{% if chosen and r.code == chosen.code %} lacat-row-focus{% endif %}">
      <td class="govuk-table__cell" data-sort-value="{{ r.label }}"><a class="govuk-link" href="/doc/authority/{{ r.code }}">{{ r.label }}</a>{% if not r.current %} <span class="govuk-body-s">(abolished)</span>{% endif %}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric" data-sort-value="{{ r.value if r.value is not none else '' }}">{% if r.missing %}<span title="{{ r.reason }}">missing</span>{% else %}<a class="govuk-link" href="{{ r.obs|local }}">{{ m.format(r.value) }}</a>{% if r.lower is not none and r.upper is not none %} <span class="govuk-body-s lacat-interval">(95% confidence interval {{ m.format(r.lower) }} to {{ m.format(r.upper) }})</span>{% endif %}{% endif %}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric" data-sort-value="{{ r.mads if r.mads is not none else '' }}">{{ r.band or "–" }}</td>
    </tr>
    {% endfor %}
"""

CASES = [
    ("defra-household-recycling-rate", "", "value", "desc", None),  # one council missing
    ("defra-household-recycling-rate", "2019-20", "name", "asc", "MAN"),  # an earlier period, highlighted
    ("defra-household-recycling-rate", "", "band", "desc", "TRF"),
    ("healthy-life-expectancy-female", "", "value", "asc", "BIR"),  # confidence intervals
]


def _tbody(html: str) -> str:
    table = html[html.index('id="values-table"'):]
    start = table.index('<tbody class="govuk-table__body">\n') + len('<tbody class="govuk-table__body">\n')
    return table[start:table.index("  </tbody>")]


@pytest.mark.parametrize(("slug", "period", "sort", "order", "council"), CASES)
def test_values_table_reads_as_the_per_request_rendering(app, client, slug, period, sort, order, council) -> None:
    query = f"sort={sort}&order={order}" + (f"&period={period}" if period else "") + (f"&council={council}" if council else "")
    client.get(f"/doc/metric/{slug}?{query}")  # the rows are rendered here, once
    html = client.get(f"/doc/metric/{slug}?{query}").get_data(as_text=True)
    with app.test_request_context():
        m = cat().metrics[slug]
        rows, _ = latest_values(m, period or m.latest_period)
        expected = app.jinja_env.from_string(REFERENCE).render(
            rows=sort_rows(rows, sort, order), m=m, chosen=cat().authorities.get(council) if council else None)
    assert len(rows) > 100
    assert _tbody(html) == expected
    if council:
        assert expected.count("lacat-row-focus") == 1 and f'href="/doc/authority/{council}"' in expected
    if slug == "healthy-life-expectancy-female":
        assert "95% confidence interval" in expected


def test_sorting_keeps_every_row_once(app) -> None:
    with app.test_request_context():
        m = cat().metrics["defra-household-recycling-rate"]
        rows, _ = latest_values(m, m.latest_period)
        assert any(r["value"] is None for r in rows)
        for sort in ("name", "value", "band"):
            for order in ("asc", "desc"):
                ordered = sort_rows(rows, sort, order)
                assert [r["code"] for r in ordered].count(ordered[0]["code"]) == 1
                assert sorted(str(r["code"]) for r in ordered) == sorted(str(r["code"]) for r in rows)
                if sort == "value":  # councils without a value come last, whichever the order
                    assert ordered[-1]["value"] is None and ordered[0]["value"] is not None
