"""Property-based tests of the SPARQL endpoint's parameters: whatever the query text, Accept
header or dataset IRIs, the answer is never a 5xx and never takes longer than the query time
limit allows."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

# Fragments of SPARQL, so that many generated queries parse far enough to reach the guard and the
# engine rather than failing on the first character.
TOKENS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o", "*", ".", ";",
    ",", "a", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "LOAD", "INSERT", "DELETE", "DATA",
    "LIMIT", "10", "OFFSET", "-1", "ORDER BY", "GROUP BY", "COUNT(*)", "AS", "?n", "BIND", "VALUES", "<x>",
    "<http://example.org/>", "\"text\"", "'x'@en", "^^", "PREFIX", "p:", "p:x", "BASE", "#", "\n", "REGEX",
    "(?s", "?o)", "||", "&&", "!", "NOT", "EXISTS", "IRI(", "STR(", "*+", "/", "|", "^", "?", "{{", "}}",
    "\\u0000", "\u00e9", "SELECT * WHERE { ?s ?p ?o }",
]
ACCEPTS = [
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values",
    "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", "text/html",
    "application/json", "*/*", "image/png", "text/*", "application/*;q=0", "",
]
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=120)
queries = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join),
)
accepts = st.one_of(
    st.sampled_from(ACCEPTS),
    st.lists(st.tuples(st.sampled_from(ACCEPTS), st.floats(0, 1)), max_size=4).map(
        lambda xs: ", ".join(f"{m};q={q:.2f}" for m, q in xs)),
    header_text,
)
graph_uris = st.lists(st.one_of(st.sampled_from(["http://localhost:5000/graph/geography", "urn:x", "",
                                                 "not an iri", "<>", "http://[::1"]), st.text(max_size=40)),
                      max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(query=st.one_of(st.none(), queries), accept=accepts, default=graph_uris, named=graph_uris,
       method=st.sampled_from(["GET", "POST-form", "POST-direct"]), extra=st.dictionaries(
           st.sampled_from(["timeout", "format", "output", "callback", "query"]), st.text(max_size=20), max_size=2))
def test_endpoint_never_fails_with_5xx_or_hangs(client, query, accept, default, named, method, extra) -> None:
    settings_ = client.application.config["LACAT_SETTINGS"]
    params: list[tuple[str, str]] = [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]
    params += list(extra.items())
    headers = {"Accept": accept}
    t0 = time.monotonic()
    if method == "GET":
        r = client.get("/sparql", query_string=params + ([("query", query)] if query is not None else []),
                       headers=headers)
    elif method == "POST-form":
        r = client.post("/sparql", data=MultiDict(params + ([("query", query)] if query is not None else [])),
                        headers=headers)
    else:
        r = client.post("/sparql", query_string=params, data=(query or "").encode("utf-8", "surrogatepass"),
                        headers={**headers, "Content-Type": "application/sparql-query"})
    body = r.get_data()
    elapsed = time.monotonic() - t0
    assert r.status_code < 500, (r.status_code, body[:500])
    assert elapsed < settings_.query_timeout_s + 30, f"took {elapsed:.1f}s"
