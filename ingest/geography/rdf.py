"""The register as RDF (graph/geography): regions, authorities and dated memberships."""

from __future__ import annotations

from datetime import date

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS, TIME, XSD

from core.uris import LACAT, PREFIXES, STATGEO, Uris, concept, instant_uri, wikidata_uri
from ingest.geography.model import Register

AUTHORITY_TYPE_SCHEME = "authority-type"


def authority_type_concept(type_code: str) -> URIRef:
    return concept(AUTHORITY_TYPE_SCHEME, type_code)


def _day(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _instant(g: Graph, value: date) -> URIRef:
    # reference.data.gov.uk names every instant; reusing it means two memberships that begin on
    # the same day share one resource, and no local URI has to be minted for a point in time.
    node = instant_uri(value)
    g.add((node, RDF.type, TIME.Instant))
    g.add((node, TIME.inXSDDate, _day(value)))
    g.add((node, RDFS.label, Literal(value.isoformat())))
    return node


def register_graph(register: Register, uris: Uris, areas: list[dict[str, str]] | None = None) -> Graph:
    """The register as RDF (graph/geography)."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)

    nation_uri: URIRef | None = None
    for area in areas or []:
        nation_uri = URIRef(uris.area(area["gss"]))
        g.add((nation_uri, RDF.type, LACAT.Nation))
        g.add((nation_uri, RDFS.label, Literal(area["name"], lang="en")))
        g.add((nation_uri, SKOS.prefLabel, Literal(area["name"], lang="en")))
        g.add((nation_uri, LACAT.gssCode, Literal(area["gss"])))
        g.add((nation_uri, DCTERMS.identifier, Literal(area["gss"])))
        g.add((nation_uri, SKOS.exactMatch, STATGEO[area["gss"]]))
        g.add((nation_uri, DCTERMS.source, URIRef(area["source"])))
    for code, name in sorted(register.regions.items()):
        region = URIRef(uris.area(code))
        g.add((region, RDF.type, LACAT.Region))
        g.add((region, RDFS.label, Literal(name, lang="en")))
        g.add((region, SKOS.prefLabel, Literal(name, lang="en")))
        g.add((region, LACAT.gssCode, Literal(code)))
        g.add((region, DCTERMS.identifier, Literal(code)))
        g.add((region, SKOS.exactMatch, STATGEO[code]))
        if nation_uri is not None:
            g.add((region, DCTERMS.isPartOf, nation_uri))

    for a in register.authorities.values():
        node = URIRef(uris.authority(a.code))
        g.add((node, RDF.type, ORG.FormalOrganization))
        g.add((node, RDF.type, LACAT.LocalAuthority))
        g.add((node, RDFS.label, Literal(a.name, lang="en")))
        g.add((node, SKOS.prefLabel, Literal(a.name, lang="en")))
        if a.nice_name and a.nice_name != a.name:
            g.add((node, SKOS.altLabel, Literal(a.nice_name, lang="en")))
        g.add((node, DCTERMS.identifier, Literal(a.code)))
        g.add((node, LACAT.authorityType, authority_type_concept(a.type)))
        if a.mayoral:
            g.add((node, LACAT.mayoral, Literal(True)))
        if a.gss:
            g.add((node, LACAT.gssCode, Literal(a.gss)))
            g.add((node, LACAT.governs, STATGEO[a.gss]))
        for old in a.former_gss:
            g.add((node, LACAT.formerGssCode, Literal(old)))
            g.add((node, LACAT.governs, STATGEO[old]))
        if a.region:
            g.add((node, LACAT.region, URIRef(uris.area(a.region))))
        if a.county:
            g.add((node, LACAT.withinCounty, URIRef(uris.authority(a.county))))
        if a.start:
            g.add((node, LACAT.operationalFrom, _day(a.start)))
        if a.end:
            g.add((node, LACAT.operationalUntil, _day(a.end)))
        for succ in a.replaced_by:
            g.add((node, DCTERMS.isReplacedBy, URIRef(uris.authority(succ))))
        for pred in a.replaces:
            g.add((node, DCTERMS.replaces, URIRef(uris.authority(pred))))
        if a.opendatacommunities:
            g.add((node, OWL.sameAs, URIRef(a.opendatacommunities)))
        if a.wikidata:
            g.add((node, OWL.sameAs, wikidata_uri(a.wikidata)))

    for m in register.memberships:
        start = m.start.isoformat() if m.start else "unknown"
        node = URIRef(uris.membership(m.organization, m.member, start))
        g.add((node, RDF.type, ORG.Membership))
        g.add((node, ORG.member, URIRef(uris.authority(m.member))))
        g.add((node, ORG.organization, URIRef(uris.authority(m.organization))))
        g.add((node, ORG.role, LACAT.ConstituentMember))
        member, ca = register.authorities[m.member], register.authorities[m.organization]
        g.add((node, RDFS.label, Literal(f"{member.name} in {ca.name}", lang="en")))
        interval = BNode()
        g.add((node, ORG.memberDuring, interval))
        g.add((interval, RDF.type, TIME.Interval))
        if m.start:
            g.add((interval, TIME.hasBeginning, _instant(g, m.start)))
        if m.end:
            g.add((interval, TIME.hasEnd, _instant(g, m.end)))
    return g
