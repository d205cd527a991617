"""Pages cost what they show: the store round trips (SPARQL queries) one request makes, counted on
the built catalogue once the per-build values exist. The count is deterministic, unlike a timing;
joins and aggregates over many resources are read once per build (web/per_build.py), so no page
asks the store for more than the few figures it shows."""

from __future__ import annotations

from collections import Counter

import pytest

from core.store import EmbeddedStore

RECYCLING = "defra-household-recycling-rate"

# path -> the most round trips one request may make (docs/scaling.md lists what each one reads)
BUDGET = {
    "/doc/authority/BIR": 1,  # its own facts; its metrics section and learn-from list are per build
    "/doc/authority/KEN": 1,
    "/doc/authority/GMCA": 1,
    f"/doc/metric/{RECYCLING}": 0,  # every council's value, the charts' data: per build
    f"/doc/metric/{RECYCLING}?council=TRF": 0,
    f"/compare/{RECYCLING}/TRF": 0,  # the similar councils' figures: per build
    f"/compare/{RECYCLING}/TRF?group=custom&with=MAN&with=SLF": 2,  # a custom pick is fetched each time
    f"/combined-authorities?metric={RECYCLING}": 0,  # members' figures for each metric: per build
    f"/combined-authorities.csv?metric={RECYCLING}": 0,
    "/authorities": 0,
    "/authorities?type=MD&q=bir": 0,
    "/changes": 0,
    "/metrics": 0,
    "/datasets": 0,
}


@pytest.fixture()
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts every select/ask/construct the embedded store answers, by the query's first comment."""
    calls: Counter[str] = Counter()
    for name in ("select", "ask", "construct"):
        original = getattr(EmbeddedStore, name)

        def counted(store, query, bindings=None, _original=original):
            calls[next((line for line in query.splitlines() if line.startswith("#")), query[:60])] += 1
            return _original(store, query, bindings)

        monkeypatch.setattr(EmbeddedStore, name, counted)
    return calls


@pytest.mark.parametrize("path", list(BUDGET))
def test_a_page_makes_at_most_a_few_round_trips(client, round_trips, path: str) -> None:
    assert client.get(path).status_code == 200  # per-build values are read here, once
    round_trips.clear()
    response = client.get(path)
    assert response.status_code == 200
    assert sum(round_trips.values()) <= BUDGET[path], dict(round_trips)


def test_council_page_shows_learn_from_findings_without_a_join_per_request(client, round_trips) -> None:
    client.get("/doc/authority/BIR")
    round_trips.clear()
    html = client.get("/doc/authority/BIR").get_data(as_text=True)
    assert not [q for q in round_trips if "learn-from" in q.lower() or "do better" in q.lower()]
    # Coventry, one of Birmingham's similar councils, improved ASC5 from 66.8 (2019-20) to 75 (2022-23).
    assert "Councils like yours that do better on this" in html
    section = html[html.index("Councils like yours that do better on this"):]
    assert "Coventry City Council" in section and "2019-20 to 2022-23" in section


def test_council_page_keeps_its_facts_from_the_per_build_lists(client) -> None:
    """Memberships, predecessors and districts now come from lists read once per build."""
    html = client.get("/doc/authority/BIR").get_data(as_text=True)
    assert "West Midlands Combined Authority" in html
    gmca = client.get("/doc/authority/GMCA").get_data(as_text=True)
    assert "/doc/authority/TRF" in gmca  # Trafford, a constituent member
    ken = client.get("/doc/authority/KEN").get_data(as_text=True)
    assert "/doc/authority/" in ken and "Maidstone" in ken  # a district within Kent
