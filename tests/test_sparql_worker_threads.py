"""A query worker runs several queries at once on threads over one store; a query past its time
limit still gets its worker killed, and the other queries that were running in that worker are
run once more on another worker and answered (deterministic: counts and statuses, no timings)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from core.settings import Settings
from core.store import read_pointer
from sparql.jobs import Job, QueryFailed, Worker
from sparql.pool import QueryPool

# Every triple of the catalogue joined with itself three times: never finishes.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# Every triple times 40: long enough to be running when ENDLESS is stopped, short enough to finish.
LONG = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . VALUES ?k { "
        + " ".join(str(i) for i in range(40)) + " } }")
TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c }"


def _job(path: str, query: str) -> Job:
    return Job(query=query, form="SELECT", fmt="tsv", max_rows=10, count_rows=False, store_path=path)


def _count(body: bytes) -> int:
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
    return int(next(iter(solutions))["n"].value)  # type: ignore[index, union-attr]


@pytest.fixture()
def path(built_var: Path) -> str:
    return read_pointer(Settings.from_env(var_dir=built_var)).path


def test_one_worker_answers_concurrent_queries_with_the_in_process_bytes(path: str) -> None:
    pool = QueryPool(1, threads=4)
    try:
        queries = [f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} GROUP BY ?p ORDER BY ?p OFFSET {i} LIMIT 5"
                   for i in range(8)]
        answers: dict[int, bytes] = {}

        def ask(i: int) -> None:
            answers[i] = b"".join(pool.run(_job(path, queries[i]), 60).chunks)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        here = Worker.over(ox.Store.read_only(path), path)
        assert answers == {i: here.answer(_job(path, q)) for i, q in enumerate(queries)}
        assert pool.started == 1  # eight queries, four at a time, one process and one store
    finally:
        pool.close()


def test_time_out_kills_the_worker_and_its_other_query_runs_again(path: str) -> None:
    pool = QueryPool(1, threads=2)
    try:
        pool.run(_job(path, TRIPLES), 60)  # the worker is up
        outcome: dict[str, object] = {}

        def long_query() -> None:
            outcome["long"] = _count(b"".join(pool.run(_job(path, LONG), 120).chunks))

        def endless_query() -> None:
            try:
                pool.run(_job(path, ENDLESS), 1)
            except QueryFailed as exc:
                outcome["endless"] = (exc.status, exc.message)

        first = threading.Thread(target=long_query)
        first.start()
        time.sleep(0.1)  # the long query is on the worker's first thread
        second = threading.Thread(target=endless_query)
        second.start()
        second.join(60)
        first.join(180)
        assert outcome["endless"] == (503, "The query was stopped after the time limit of 1 seconds. "
                                      "Make it more specific (fewer results, a LIMIT, fewer joins) and try again.")
        assert pool.killed == 1
        # The long query was running in the killed worker: it was run again on the replacement
        # and answered in full.
        assert pool.rerun == 1
        assert outcome["long"] == 40 * _count(b"".join(pool.run(_job(path, TRIPLES), 60).chunks))
        assert pool.started == 2
    finally:
        pool.close()
