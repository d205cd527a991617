"""Parts of pages rendered once per build and assembled per request (the metric page's values
table, web/metric_page.value_rows; the datasets finder's results, web/catalogue_pages; the
councils list's rows; the council page's explorer section) must read exactly as rendering each
part afresh for the request would: the references below call the same partials, row by row, on
the rows the request shows, so a fragment kept under the wrong key, in the wrong order or from
another build fails."""

from __future__ import annotations

from datetime import date

import pytest
from flask import get_template_attribute

from core.queries import iri, select
from web.catalogue_pages import KIND_LABELS, _dataset_items
from web.current import get_store
from web.explorer_compare import explorer_authority
from web.learn_from import for_authority
from web.metric_lookup import cat
from web.metric_page import latest_values, sort_rows
from web.per_build import rows_per_build

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
        row = get_template_attribute("partials/metric-value-row.html", "value_row")
        expected = "".join(row(r, m, r["code"] == council) for r in sort_rows(rows, sort, order))
    assert len(rows) > 100
    assert _tbody(html).strip() == expected.strip()
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


@pytest.mark.parametrize("query", ["", "kind=metric&sdl_status=not-from-an-sdl-return", "q=waste"])
def test_dataset_results_read_as_the_per_request_rendering(app, client, query) -> None:
    client.get(f"/datasets?{query}")
    html = client.get(f"/datasets?{query}").get_data(as_text=True)
    shown = html[html.index('<ul class="govuk-list" id="results">\n') + len('<ul class="govuk-list" id="results">\n'):]
    shown = shown[:shown.index("      </ul>")]
    with app.test_request_context(f"/datasets?{query}"):
        items = [i for i in _dataset_items() if f'href="{app.jinja_env.filters["local"](i.uri)}"' in shown]
        result = get_template_attribute("partials/dataset-result.html", "result")
        expected = "".join(result(i, KIND_LABELS) for i in items)
    assert len(items) > 10
    assert shown.strip() == expected.strip()


@pytest.mark.parametrize("code", ["BIR", "GMCA", "KEN"])
def test_council_page_explorer_section_reads_as_the_included_partial(app, client, code) -> None:
    """The metrics and learn-from sections are rendered once per build, council and day; the page
    holds them exactly where authority.html included the partial, with the same text around."""
    client.get(f"/doc/authority/{code}")
    html = client.get(f"/doc/authority/{code}").get_data(as_text=True)
    with app.test_request_context(f"/doc/authority/{code}"):
        uri = cat().authorities[code].uri
        a = select(get_store(), "authority", authority=iri(uri))[0]
        section = app.jinja_env.from_string('{% include "partials/authority-explorer.html" %}').render(
            a=a, ex=explorer_authority(code), learn_from=for_authority(get_store(), uri))
    assert "Councils like yours" in section or code == "GMCA"
    assert html.count(section) == 1
    after = html[html.index(section) + len(section):]
    # authority.html had a blank line between the include and the next section
    assert after.startswith(('\n<h2 class="govuk-heading-m">Elsewhere</h2>', '\n<h2 class="govuk-heading-s">This data'))


@pytest.mark.parametrize("query", ["", "status=past", "status=all&type=CTY", "type=MD&q=bir"])
def test_councils_list_rows_read_as_the_per_request_rendering(app, client, query) -> None:
    client.get(f"/authorities?{query}")
    html = client.get(f"/authorities?{query}").get_data(as_text=True)
    body = html[html.index('<tbody class="govuk-table__body">\n') + len('<tbody class="govuk-table__body">\n'):]
    body = body[:body.index("  </tbody>")]
    with app.test_request_context():
        today = date.today().isoformat()
        rows = [{**r, "current": not r.get("until") or str(r["until"]) >= today}
                for r in rows_per_build(get_store(), "authority-list") if f'href="/doc/authority/{r["code"]}"' in body]
        row = get_template_attribute("partials/authority-list-row.html", "council_row")
        expected = "".join(row(r) for r in rows)
    assert rows
    assert body.strip() == expected.strip()
