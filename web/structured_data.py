"""schema.org JSON-LD for search engines: councils, Single Data List collections, the catalogue.

Each page's data block is built from the facts the page already shows, so it costs no query of its
own. Dataset search engines (Google Dataset Search) read schema.org `Dataset` and `DataCatalog`,
not DCAT, so the SDL collections (typed dcat:Dataset in the RDF) carry a schema.org Dataset here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from core.uris import Uris

OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
PROJECT = {"@type": "Organization", "name": "Local government performance catalogue"}


def schema_org_json(obj: Mapping[str, object]) -> str:
    """JSON for a <script type="application/ld+json"> data block: '<' and '>' are escaped so no value
    can close the element (the block is data, never executed, so the CSP allows it)."""
    return json.dumps(obj, ensure_ascii=False, indent=1).replace("<", "\\u003c").replace(">", "\\u003e")


def _doc_url(base: str, uri: str) -> str:
    return Uris(base).page_url(uri)


def _clean(obj: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in obj.items() if v not in (None, "", [], {})}


def council(a: Mapping[str, object], base: str, former_codes: Iterable[str], links: Iterable[str]) -> str:
    """A council as a schema.org GovernmentOrganization, identified by its codes."""
    uri = str(a["authority"])
    ids = [{"@type": "PropertyValue", "propertyID": "local-authority-code", "value": a["code"]}]
    if a.get("gss"):
        ids.append({"@type": "PropertyValue", "propertyID": "GSS", "value": a["gss"]})
    ids += [{"@type": "PropertyValue", "propertyID": "GSS (former)", "value": c} for c in former_codes]
    obj: dict[str, object] = {
        "@context": "https://schema.org/", "@type": "GovernmentOrganization", "@id": uri,
        "name": a["label"], "alternateName": a.get("altLabel"), "url": _doc_url(base, uri),
        "identifier": ids, "additionalType": a.get("typeLabel"),
        "foundingDate": a.get("from"), "dissolutionDate": a.get("until"),
        "areaServed": {"@type": "AdministrativeArea", "name": a["label"]},
        "sameAs": sorted(links),
    }
    if a.get("regionLabel"):
        obj["location"] = {"@type": "AdministrativeArea", "name": a["regionLabel"], "@id": a.get("region")}
    if a.get("countyLabel"):
        obj["parentOrganization"] = {"@type": "GovernmentOrganization", "name": a["countyLabel"],
                                     "@id": a.get("county")}
    return schema_org_json(_clean(obj))


def sdl_collection(c: Mapping[str, object], uri: str, base: str) -> str:
    """A Single Data List collection (a data return councils make) as a schema.org Dataset."""
    ref, title = str(c["ref"]), str(c["title"])
    description = str(c.get("description") or "")
    summary = (f"Single Data List collection {ref}: {title}. A data return English councils make to "
               f"{c.get('deptName') or 'central government'}.")
    obj: dict[str, object] = {
        "@context": "https://schema.org/", "@type": "Dataset", "@id": uri, "identifier": ref,
        "name": f"{ref} {title}", "description": f"{summary} {description}".strip(),
        "url": _doc_url(base, uri), "sameAs": c.get("page"),
        "publisher": {"@type": "GovernmentOrganization", "name": c["deptName"]} if c.get("deptName") else None,
        "spatialCoverage": {"@type": "Place", "name": "England"},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "The Single Data List", "url": base + "sdl"},
        "keywords": ["Single Data List", "local government", "data return"],
    }
    return schema_org_json(_clean(obj))


def catalogue(base: str, datasets: Iterable[tuple[str, str]]) -> str:
    """The whole catalogue as a schema.org DataCatalog listing every dataset (URI, title)."""
    obj = {
        "@context": "https://schema.org/", "@type": "DataCatalog", "@id": base + "id/catalogue",
        "name": PROJECT["name"], "url": base + "catalogue",
        "description": ("Open linked data on the performance of English local government: the source datasets "
                        "the catalogue draws on and the metric datasets it publishes."),
        "publisher": PROJECT, "license": OGL, "spatialCoverage": {"@type": "Place", "name": "England"},
        "dataset": [{"@type": "Dataset", "@id": uri, "name": title, "url": _doc_url(base, uri)}
                    for uri, title in datasets],
    }
    return schema_org_json(obj)
