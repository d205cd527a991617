"""Source datasets in the DCAT catalogue: each bundled dataset record with its distributions and
provenance, and the Single Data List's yearly editions as a dataset series."""

from __future__ import annotations

from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from catalogue.datasets import DatasetRecord
from catalogue.dcat_nodes import add_dataset, add_document, add_licence
from catalogue.dcat_terms import (
    MEDIA_TYPES,
    contact,
    frequency,
    location,
    media_type,
    organisation,
    period_dates,
    period_of_time,
    sha256_algorithm,
    source_role,
    theme,
)
from catalogue.step import sha256_file
from core.uris import DCAT, LACAT, SPDX, Uris, github_repository_uri


def source_dataset(g: Graph, uris: Uris, rec: DatasetRecord, catalogue: URIRef, sources_dir: Path) -> URIRef:
    ds = add_dataset(g, catalogue, URIRef(uris.dataset(rec.slug)), rec.title, rec.description,
                     (DCAT.Dataset, LACAT.SourceDataset), identifier=rec.slug)
    g.add((ds, DCTERMS.publisher, organisation(g, uris, rec.publisher)))
    if rec.creator:
        g.add((ds, DCTERMS.creator, organisation(g, uris, rec.creator)))
    licence = add_licence(g, rec.licence_uri, rec.licence_label) if rec.licence_uri else None
    rights = None
    if licence is not None:
        g.add((ds, DCTERMS.license, licence))
    if rec.licence_note or licence is None:
        rights = BNode()
        g.add((rights, RDF.type, DCTERMS.RightsStatement))
        g.add((rights, RDFS.label, Literal(rec.licence_note or rec.licence_label, lang="en")))
        g.add((ds, DCTERMS.rights, rights))
    g.add((ds, DCTERMS.accrualPeriodicity, frequency(g, rec.frequency)))
    if rec.frequency_note:
        g.add((ds, LACAT.frequencyNote, Literal(rec.frequency_note, lang="en")))
    if rec.temporal:
        g.add((ds, DCTERMS.temporal, period_of_time(g, *rec.temporal)))
    if rec.temporal_note:
        g.add((ds, LACAT.temporalNote, Literal(rec.temporal_note, lang="en")))
    for code in rec.spatial:
        g.add((ds, DCTERMS.spatial, location(g, code)))
    for code in rec.themes:
        g.add((ds, DCAT.theme, theme(g, code)))
    for kw in rec.keywords:
        g.add((ds, DCAT.keyword, Literal(kw, lang="en")))
    g.add((ds, DCAT.contactPoint, contact(g, rec.contact_name, rec.contact_url)))
    g.add((ds, DCAT.landingPage, add_document(g, rec.landing_page)))
    origin = rec.origin
    prov_text = f"Copied unchanged from the public repository {origin['repository']} at commit {origin['commit']}"
    if origin.get("path"):
        prov_text += f", {origin['path']}"
    prov_text += "."
    if origin.get("note"):
        prov_text += " " + origin["note"]
    statement = BNode()
    g.add((statement, RDF.type, DCTERMS.ProvenanceStatement))
    g.add((statement, RDFS.label, Literal(prov_text, lang="en")))
    g.add((ds, DCTERMS.provenance, statement))
    g.add((ds, LACAT.originRepository, github_repository_uri(origin["repository"])))
    g.add((ds, LACAT.originCommit, Literal(origin["commit"])))
    for link in rec.sdl:
        coll = URIRef(uris.sdl_collection(link.ref))
        g.add((ds, DCTERMS.source, coll))
        rel = BNode()
        g.add((rel, RDF.type, DCAT.Relationship))
        g.add((rel, DCTERMS.relation, coll))
        g.add((rel, DCAT.hadRole, source_role(g)))
        g.add((rel, RDFS.comment, Literal(link.basis, lang="en")))
        for part in link.applies_to:
            g.add((rel, LACAT.appliesTo, Literal(part)))
        g.add((ds, DCAT.qualifiedRelation, rel))
    if rec.sdl_note:
        g.add((ds, LACAT.sdlNote, Literal(rec.sdl_note, lang="en")))
    for f in rec.files:
        path = sources_dir / f
        dist = URIRef(uris.distribution(rec.slug, path.name))
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(path.name)))
        g.add((dist, RDFS.label, Literal(path.name)))
        g.add((dist, DCTERMS.description, Literal(f"Bundled copy: ingest/sources/{f}", lang="en")))
        g.add((dist, LACAT.bundledPath, Literal(f"ingest/sources/{f}")))
        # The bundled copy is not served by the site: the landing page is where it can be had.
        g.add((dist, DCAT.accessURL, URIRef(rec.landing_page)))
        if path.suffix in MEDIA_TYPES:
            g.add((dist, DCAT.mediaType, media_type(g, MEDIA_TYPES[path.suffix])))
        g.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, sha256_algorithm(g)))
        g.add((checksum, SPDX.checksumValue, Literal(sha256_file(path), datatype=XSD.hexBinary)))
        g.add((dist, SPDX.checksum, checksum))
        if licence is not None:
            g.add((dist, DCTERMS.license, licence))
        if rights is not None:
            g.add((dist, DCTERMS.rights, rights))
    return ds



def sdl_series(g: Graph, uris: Uris, rec: DatasetRecord, catalogue: URIRef, publisher: URIRef) -> None:
    if not rec.editions:
        return
    series = add_dataset(g, catalogue, URIRef(uris.dataset_series(rec.slug)), f"{rec.title}: annual editions",
                         "The list is reviewed and republished every year; one dataset per list year with its "
                         "publication date, and how much of it this catalogue holds.", (DCAT.DatasetSeries,))
    g.add((series, DCTERMS.publisher, publisher))
    g.add((series, DCTERMS.accrualPeriodicity, frequency(g, "ANNUAL")))
    ds = URIRef(uris.dataset(rec.slug))
    for ed in rec.editions:
        node = add_dataset(g, catalogue, URIRef(uris.dataset_edition(rec.slug, ed.year)), f"{rec.title}, {ed.year}",
                           f"The {ed.year} list. Held here: {ed.held}.")
        g.add((node, DCTERMS.issued, Literal(ed.issued.isoformat(), datatype=XSD.date)))
        g.add((node, DCAT.version, Literal(ed.year)))
        g.add((node, DCAT.inSeries, series))
        g.add((node, DCTERMS.publisher, publisher))
        g.add((node, DCTERMS.isPartOf, ds))
        span = period_dates(ed.year)
        if span:
            g.add((node, DCTERMS.temporal, period_of_time(g, *span)))
