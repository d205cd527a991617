"""Comparisons: one council against its similar authorities (/compare/{metric}/{code}), the
metrics section of a council's page, and combined authorities compared through their members.

A combined authority is never given a value the sources do not publish: where its members' values
are shown together, the page gives their median and range and says so, and only when every
constituent member has a value for the period (otherwise the area is not covered and the figures
would describe part of it).
"""

from __future__ import annotations

import statistics
from datetime import date

from flask import Blueprint, abort, render_template, request

from web import charts
from web.compare_groups import GROUP_NAMES, BadPick, resolve
from web.current import get_store
from web.explorer_data import Authority, Metric, Obs, medians, neighbours, observations, operating, rank_text
from web.metric_lookup import CODE, GROUP_LABELS, cat, metric_or_404, metric_texts
from web.outputs import BOOLEAN, INTEGER, MAYBE_TEXT, NUMBER, TEXT, Rows, table
from web.per_build import grouped_per_build, memo_per_build

bp = Blueprint("compare", __name__)


def _periods_for(m: Metric, a: Authority) -> list[str]:
    return [p for p in m.periods if operating(a, p)]


# ---------------------------------------------------------------------------------------------
# /compare/{metric}/{code}


def compare_data(slug: str, code: str) -> dict[str, object]:
    """The figures of a compare page; raises BadPick for a group or council that cannot be used."""
    c = cat()
    m = metric_or_404(slug)
    a = c.authorities.get(code) if CODE.match(code) else None
    if a is None or not m.applies_to(a.type_code):
        abort(404)
    lists = {method: [x for x, _ in items] for method, items in neighbours(get_store(), a.uri).items()}
    pick = resolve(request.args.get("group"), request.args.getlist("with"), m, a, c.authorities, lists,
                   c.uris.similarity_method)
    chosen_with = pick.codes if pick.group == "custom" else []
    similar = pick.own
    members = [a] + [c.authorities[o] for o in pick.codes if o in c.authorities]
    store = get_store()
    uris = {(x.code, p): c.obs_uri(m, x.code, p) for x in members for p in m.periods}
    group = m.group_of(a.type_code)

    def figures() -> tuple[dict, dict]:
        return (observations(store, uris.values()),
                medians(store, [c.median_uri(m, group, p) for p in m.periods]) if group else {})

    # The standard groups' figures are read once per build; a custom pick (any 20 councils) is
    # fetched each time, so nobody can fill the cache with combinations.
    found, med = figures() if pick.group == "custom" else memo_per_build(
        "compare-figures", store, (m.slug, a.code, pick.group), figures)
    med_by_period = {v.period: v.value for v in med.values()}
    periods = [p for p in m.periods if any(uris[(x.code, p)] in found for x in members) or p in med_by_period]
    table = []
    for x in members:
        cells = []
        for p in periods:
            o = found.get(uris[(x.code, p)])
            cells.append(o)
        table.append({"a": x, "cells": cells, "focus": x.code == a.code})
    latest = next((p for p in reversed(periods) if found.get(uris[(a.code, p)]) is not None
                   and found[uris[(a.code, p)]].value is not None), None)
    points = []
    for x in members:
        for p in periods:
            o = found.get(uris[(x.code, p)])
            if o is not None and o.value is not None:
                points.append({"series": x.label, "period": p, "value": o.value})
    median_name = f"England median ({GROUP_LABELS[group]})" if group else "England median"
    for p in periods:
        if p in med_by_period:
            points.append({"series": median_name, "period": p, "value": med_by_period[p]})
    summary = _compare_summary(m, a, members, found, uris, latest, med_by_period, pick.group)
    return {"m": m, "a": a, "members": members, "periods": periods, "table": table, "latest": latest, "pick": pick,
            "med_by_period": med_by_period, "median_name": median_name, "summary": summary,
            "chosen_with": chosen_with, "similar": similar, "points": points, "found": found, "uris": uris}


def _compare_summary(m: Metric, a: Authority, members: list[Authority], found: dict[str, Obs],
                     uris: dict[tuple[str, str], str], latest: str | None, med_by_period: dict[str, float],
                     group: str) -> str:
    if latest is None:
        return f"{a.label} has no value for this metric."
    mine = found[uris[(a.code, latest)]].value
    others = [found[uris[(x.code, latest)]].value for x in members[1:]
              if found.get(uris[(x.code, latest)]) is not None and found[uris[(x.code, latest)]].value is not None]
    who = {"custom": "the chosen councils", "ons": "its ONS nearest neighbours"}.get(group, "its similar authorities")
    parts = [f"{a.label}: {m.format(mine)} in {latest}."]
    if others:
        parts.append(f"The median of {who} is {m.format(statistics.median(others))}; {a.label} is "
                     f"{rank_text(mine, others, m.polarity)} of them with a value.")
    if latest in med_by_period:
        parts.append(f"England median {m.format(med_by_period[latest])}.")
    return " ".join(parts)


def _bad_pick(exc: BadPick) -> tuple[str, int]:
    return render_template("error.html", title="This comparison cannot be made", message=str(exc)), 400


@bp.route("/compare/<slug>/<code>")
def compare(slug: str, code: str):
    try:
        d = compare_data(slug, code)
    except BadPick as exc:
        return _bad_pick(exc)
    m: Metric = d["m"]  # type: ignore[assignment]
    a: Authority = d["a"]  # type: ignore[assignment]
    spec = charts.series(d["points"], d["periods"], m.unit_text, a.label, d["summary"],  # type: ignore[arg-type]
                         m.decimal_places)
    texts = metric_texts(m)
    c = cat()
    pickable = sorted((x for x in c.authorities.values() if x.current and m.applies_to(x.type_code)
                       and x.code != a.code), key=lambda x: x.label)
    return render_template(
        "compare.html", title=f"{m.label}: {a.label} compared", spec=charts.to_attribute(spec), texts=texts,
        pickable=pickable, group_names=GROUP_NAMES, **d,
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": a.label, "href": f"/doc/authority/{a.code}"},
                     {"text": m.label, "href": f"/doc/metric/{m.slug}?council={a.code}"}, {"text": "Compare"}])


@table(bp, "/compare/<slug>/<code>", summary="One council against its similar authorities over time",
       description="The council and its similar authorities, its ONS nearest neighbours (`group=ons`) or the "
                   "councils named by `with`, every period.",
       columns={"code": TEXT, "council": TEXT, "focus": BOOLEAN, "period": TEXT, "value": NUMBER, "unit": TEXT,
                "band": MAYBE_TEXT, "observation": TEXT},
       params=("group", "with"), refuse=BadPick,
       bad_request="A group that is not similar, ons or custom, custom without councils, or a `with` that is not a "
                   "council the metric covers: `{\"error\": message naming the pick}`.")
def compare_table(slug: str, code: str) -> Rows:
    d = compare_data(slug, code)
    m: Metric = d["m"]  # type: ignore[assignment]
    rows = []
    for x in d["members"]:  # type: ignore[attr-defined]
        for p in d["periods"]:  # type: ignore[attr-defined]
            uri = d["uris"][(x.code, p)]  # type: ignore[index]
            o = d["found"].get(uri)  # type: ignore[attr-defined]
            if o is None:
                continue
            rows.append({"code": x.code, "council": x.label, "focus": x.code == code, "period": p,
                         "value": o.value, "unit": m.unit_text, "band": o.band_label or None, "observation": uri})
    return Rows(rows, f"compare-{m.slug}-{code}.csv")


# ---------------------------------------------------------------------------------------------
# The metrics section of a council's page (included by web/templates/authority.html)


def trend_words(m: Metric, first: tuple[str, float], last: tuple[str, float]) -> str:
    if first[0] == last[0]:
        return f"only {last[0]} published"
    diff = last[1] - first[1]
    if abs(diff) < 0.05:
        return f"unchanged since {first[0]} ({m.format(first[1])})"
    word = "up" if diff > 0 else "down"
    return f"{word} from {m.format(first[1])} in {first[0]}"


def explorer_authority(code: str) -> dict[str, object]:
    """Every metric of a council for its latest period: against the England median (with the band)
    and against its similar authorities, with the trend since the first period. Computed once per
    build and day (combined authorities' current members change with the date)."""
    return memo_per_build("explorer-authority", get_store(), (code, date.today().isoformat()),
                          lambda: _explorer_authority(code))


def _explorer_authority(code: str) -> dict[str, object]:
    c = cat()
    a = c.authorities.get(code)
    if a is None:
        return {"areas": [], "members": None}
    store = get_store()
    applicable = [m for m in c.metrics.values() if m.applies_to(a.type_code)]
    near = neighbours(store, a.uri) if applicable else {}
    wanted: list[str] = []
    plan = []
    for m in applicable:
        periods = _periods_for(m, a)
        if not periods:
            continue
        own = {p: c.obs_uri(m, a.code, p) for p in periods}
        similar = [s for s, _ in near.get(m.method or "", [])]
        wanted += own.values()
        plan.append((m, periods, own, similar))
    found = observations(store, wanted)
    # The latest period with a value for each metric decides which neighbour figures to fetch.
    latest_of: dict[str, str] = {}
    for m, periods, own, _ in plan:
        have = [p for p in periods if found.get(own[p]) is not None and found[own[p]].value is not None]
        if have:
            latest_of[m.slug] = have[-1]
    extra = [c.obs_uri(m, s, latest_of[m.slug]) for m, _, _, similar in plan if m.slug in latest_of for s in similar]
    found.update(observations(store, extra))
    med = medians(store, {found[own[latest_of[m.slug]]].median for m, _, own, _ in plan
                          if m.slug in latest_of and found[own[latest_of[m.slug]]].median})
    areas: dict[str, tuple[str, list[dict[str, object]]]] = {}
    for m, periods, own, similar in plan:
        latest = latest_of.get(m.slug)
        row: dict[str, object] = {"m": m, "latest": latest, "missing_reason": None}
        if latest is None:
            last = found.get(own[periods[-1]])
            row["missing_reason"] = last.reason if last is not None else "No figure published"
            row["period"] = periods[-1]
        else:
            o = found[own[latest]]
            values = [(p, found[own[p]].value) for p in periods
                      if found.get(own[p]) is not None and found[own[p]].value is not None]
            sim_values = [found[u].value for u in (c.obs_uri(m, s, latest) for s in similar)
                          if found.get(u) is not None and found[u].value is not None]
            md = med.get(o.median)
            row.update({
                "o": o, "value": o.value, "median": md.value if md else None, "band": o.band_label,
                "band_code": o.band, "trend": trend_words(m, values[0], values[-1]), "series": values,
                "similar_median": statistics.median(sim_values) if sim_values else None,
                "similar_n": len(sim_values),
                "similar_rank": rank_text(o.value, sim_values, m.polarity) if sim_values else None,  # type: ignore[arg-type]
                "period": latest,
            })
        areas.setdefault(m.service_area, (m.service_area_label, []))[1].append(row)
    ordered = [(k, lab, sorted(rows, key=lambda r: r["m"].label.casefold()))  # type: ignore[attr-defined]
               for k, (lab, rows) in sorted(areas.items(), key=lambda kv: kv[1][0])]
    return {"areas": ordered, "members": ca_members_compared(a) if a.type_code in ("COMB", "SRA") else None}


# ---------------------------------------------------------------------------------------------
# Combined authorities compared through their constituent members


def current_members(ca: Authority) -> list[Authority]:
    c = cat()
    today = date.today().isoformat()
    out = []
    for r in grouped_per_build(get_store(), "ca-members", "authority").get(ca.uri, []):
        if str(r.get("from") or "") <= today and (not r.get("until") or str(r["until"]) >= today):
            member = c.authorities.get(str(r["code"]))
            if member is not None and member not in out:
                out.append(member)
    return sorted(out, key=lambda x: x.label)


def aggregate(m: Metric, members: list[Authority], period: str, found: dict) -> dict[str, object]:
    """Members' median and range for one metric and period, only when every member has a value."""
    c = cat()
    values = []
    for x in members:
        o = found.get(c.obs_uri(m, x.code, period))
        values.append((x, o.value if o is not None else None, o))
    have = [v for _, v, _ in values if v is not None]
    complete = bool(members) and len(have) == len(members)
    return {"values": values, "n": len(have), "of": len(members), "complete": complete,
            "median": statistics.median(have) if complete else None,
            "min": min(have) if complete else None, "max": max(have) if complete else None}


def ca_members_compared(ca: Authority) -> list[dict[str, object]]:
    """For each metric that applies to at least one constituent member: the members' values in the
    metric's latest period and, where every member has one, their median and range."""
    c = cat()
    members = current_members(ca)
    if not members:
        return []
    plan = []
    wanted = []
    for m in c.metrics.values():
        if not any(m.applies_to(x.type_code) for x in members):
            continue
        period = m.latest_period
        wanted += [c.obs_uri(m, x.code, period) for x in members]
        own = c.obs_uri(m, ca.code, period) if m.applies_to(ca.type_code) else None
        if own:
            wanted.append(own)
        plan.append((m, period, own))
    found = observations(get_store(), wanted)
    out = []
    for m, period, own in sorted(plan, key=lambda t: (t[0].service_area_label, t[0].label.casefold())):
        agg = aggregate(m, members, period, found)
        ca_obs = found.get(own) if own else None
        out.append({"m": m, "period": period, "ca_value": ca_obs.value if ca_obs is not None else None, **agg})
    return out


COMBINED_TYPES = ("COMB", "SRA")


@bp.route("/combined-authorities")
def combined_authorities():
    c = cat()
    slug = request.args.get("metric", "")
    metrics = sorted(c.metrics.values(), key=lambda m: m.label.casefold())
    m = c.metrics.get(slug) or next((x for x in metrics if x.slug == "defra-household-recycling-rate"), metrics[0])
    rows = combined_rows(m)
    return render_template(
        "combined-authorities.html", title="Combined authorities compared", m=m, metrics=metrics, rows=rows,
        complete=[r for r in rows if r["complete"]],
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Councils", "href": "/authorities"},
                     {"text": "Combined authorities compared"}])


def combined_rows(m: Metric) -> list[dict[str, object]]:
    """Each operating combined authority's members' aggregate for `m` in its latest period: once
    per build, metric and day (membership and "operating" are judged against today). Callers must
    not change the rows."""
    return memo_per_build("combined-rows", get_store(), (m.slug, date.today().isoformat()),
                          lambda: _combined_rows(m))


def _combined_rows(m: Metric) -> list[dict[str, object]]:
    c = cat()
    cas = sorted((x for x in c.authorities.values() if x.type_code in COMBINED_TYPES and x.current),
                 key=lambda x: x.label)
    period = m.latest_period
    plan = [(ca, current_members(ca)) for ca in cas]
    wanted = [c.obs_uri(m, x.code, period) for _, ms in plan for x in ms]
    wanted += [c.obs_uri(m, ca.code, period) for ca, _ in plan if m.applies_to(ca.type_code)]
    found = observations(get_store(), wanted)
    rows = []
    for ca, members in plan:
        agg = aggregate(m, members, period, found)
        own = found.get(c.obs_uri(m, ca.code, period))
        rows.append({"ca": ca, "period": period, "ca_value": own.value if own is not None else None, **agg})
    return rows


@table(bp, "/combined-authorities", summary="Combined authorities compared through their members",
       description="Median and range of constituent members' values, only where every member has one.",
       columns={"code": TEXT, "combined_authority": TEXT, "metric": TEXT, "period": TEXT, "members": INTEGER,
                "members_with_value": INTEGER, "members_median": NUMBER, "members_min": NUMBER,
                "members_max": NUMBER, "published_ca_value": NUMBER},
       params=("metric",))
def combined_table() -> Rows:
    c = cat()
    m = c.metrics.get(request.args.get("metric", "")) or c.metrics.get("defra-household-recycling-rate") \
        or next(iter(c.metrics.values()))
    return Rows([{"code": r["ca"].code, "combined_authority": r["ca"].label, "metric": m.slug,  # type: ignore[attr-defined]
                  "period": r["period"], "members": r["of"], "members_with_value": r["n"],
                  "members_median": r["median"], "members_min": r["min"], "members_max": r["max"],
                  "published_ca_value": r["ca_value"]} for r in combined_rows(m)],
                f"combined-authorities-{m.slug}.csv")
