"""Which councils a compare page sets beside a council: `group=similar|ons|custom` and `with=CODE`.

- `similar`: the catalogue's own 15 similar councils (catalogue/similar.py), the default;
- `ons`: ONS's 15 statistical nearest neighbours of the same tier (catalogue/ons_neighbours.py);
- `custom`: the councils named by `with` (repeatable, up to MAX_WITH), as LG Inform and the Oflog
  explorer let a council pick its own comparators. `with` without `group` means `custom`; with
  `group=similar` or `group=ons` it is ignored (the page's form sends the list whichever is chosen).

A pick that cannot be honoured is refused with a message naming the parameter and the value, never
silently dropped: a reader would otherwise take a comparison with fewer councils for the one asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from catalogue.ons_neighbours import BY_OWN
from web.explorer_data import Authority, Metric

GROUPS = ("similar", "ons", "custom")
GROUP_NAMES = {"similar": "similar councils", "ons": "ONS nearest neighbours", "custom": "chosen councils"}
MAX_WITH = 20
MAX_CODE_SHOWN = 12  # longest bad value echoed back in a message


class BadPick(ValueError):
    """A compare request whose group or councils cannot be used; the message names the bad pick."""


@dataclass
class Pick:
    group: str
    codes: list[str]  # the councils set beside the focus council, in the order shown
    method: str | None = None  # similarity method URI, for similar and ons
    own: list[str] = field(default_factory=list)  # the catalogue's own similar councils
    ons: list[str] = field(default_factory=list)  # ONS's nearest neighbours

    @property
    def shared(self) -> int:
        """How many councils both methods name."""
        return len(set(self.own) & set(self.ons))


def _shown(value: str) -> str:
    text = value if len(value) <= MAX_CODE_SHOWN else value[:MAX_CODE_SHOWN] + "…"
    return repr(text)


def own_method(m: Metric, a: Authority, lists: Mapping[str, Sequence[str]],
               method_uri: Callable[[str], str]) -> str | None:
    """The catalogue's own method to use for this council: the metric's, or, when the council is not
    of that tier (a district on a metric first compared among upper-tier councils), its own tier's."""
    if m.method and m.method in lists:
        return m.method
    tier = m.group_of(a.type_code)
    return method_uri(tier) if tier in BY_OWN else m.method


def resolve(group: str | None, picks: Sequence[str], m: Metric, a: Authority, authorities: Mapping[str, Authority],
            lists: Mapping[str, Sequence[str]], method_uri: Callable[[str], str]) -> Pick:
    """The comparison a request asks for. `lists` holds the council's neighbour codes per method URI;
    `method_uri` mints a similarity method's URI from its slug."""
    if group is None or group == "":
        group = "custom" if picks else "similar"
    if group not in GROUPS:
        raise BadPick(f"group={_shown(group)} is not a comparison group: use similar, ons or custom.")
    own_uri = own_method(m, a, lists, method_uri)
    own = list(lists.get(own_uri, [])) if own_uri else []
    slug = own_uri.rsplit("/", 1)[-1] if own_uri else ""
    ons_uri = method_uri(BY_OWN[slug]) if slug in BY_OWN else None
    ons = list(lists.get(ons_uri, [])) if ons_uri else []
    if group == "similar":
        return Pick(group, own, own_uri, own, ons)
    if group == "ons":
        return Pick(group, ons, ons_uri, own, ons)
    if not picks:
        raise BadPick("group=custom needs at least one council: add with=CODE for each (e.g. with=MAN).")
    codes: list[str] = []
    for code in picks:
        if code in codes:
            continue
        other = authorities.get(code)
        if other is None:
            raise BadPick(f"with={_shown(code)} is not a council code in this catalogue.")
        if code == a.code:
            raise BadPick(f"with={code} is {a.label}, the council being compared.")
        if not m.applies_to(other.type_code):
            raise BadPick(f"with={code}: {other.label} is a {other.type_label.lower()}, and this metric is not "
                          "published for councils of that type.")
        codes.append(code)
    if len(codes) > MAX_WITH:
        raise BadPick(f"with names {len(codes)} councils; a comparison takes at most {MAX_WITH}.")
    return Pick(group, codes, None, own, ons)
