"""The pages' per-build cache: computed once per live build, recomputed when the build or the
store's path changes (a copied store can carry the same build id with different contents)."""

from __future__ import annotations

from dataclasses import dataclass

from core.store import StoreInfo
from web.per_build import lru_per_build, per_build


@dataclass
class FakeStore:
    info: StoreInfo


def test_computed_once_per_build_and_again_when_the_build_or_path_changes() -> None:
    calls: list[str] = []

    def compute(label: str):
        return lambda: calls.append(label) or label

    a = FakeStore(StoreInfo("/stores/a", "build-1", 0.0))
    assert per_build("test-value", a, compute("first")) == "first"
    assert per_build("test-value", a, compute("second")) == "first"
    assert calls == ["first"]

    copied = FakeStore(StoreInfo("/stores/copy", "build-1", 0.0))
    assert per_build("test-value", copied, compute("copy")) == "copy"

    rebuilt = FakeStore(StoreInfo("/stores/copy", "build-2", 0.0))
    assert per_build("test-value", rebuilt, compute("rebuilt")) == "rebuilt"
    assert per_build("test-value", rebuilt, compute("rebuilt"), "other-base") == "rebuilt"
    assert calls == ["first", "copy", "rebuilt", "rebuilt"]


def test_names_keep_separate_values() -> None:
    store = FakeStore(StoreInfo("/stores/a", "build-1", 0.0))
    assert per_build("test-one", store, lambda: 1) == 1
    assert per_build("test-two", store, lambda: 2) == 2
    assert per_build("test-one", store, lambda: 3) == 1


def test_the_bounded_table_keeps_the_most_recently_used_and_drops_with_the_build() -> None:
    store = FakeStore(StoreInfo("/stores/a", "build-1", 0.0))
    calls: list[str] = []

    def get(key: str, on=store) -> str:
        return lru_per_build("test-lru", on, key, lambda: calls.append(key) or key.upper(), 2)

    assert [get("a"), get("b"), get("a")] == ["A", "B", "A"]
    assert calls == ["a", "b"]
    get("c")  # "b" is now the least recently used, so it goes
    assert get("a") == "A" and calls == ["a", "b", "c"]
    assert get("b") == "B" and calls == ["a", "b", "c", "b"]
    rebuilt = FakeStore(StoreInfo("/stores/a", "build-2", 0.0))
    assert get("a", rebuilt) == "A" and calls[-1] == "a"
