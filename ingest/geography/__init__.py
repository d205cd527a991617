"""England's local authorities, current and past, and combined-authority membership over time.

Two registers are merged, joined on GSS code (their own reference codes differ):

- mySociety `uk_local_authorities_current.csv` (CC BY 4.0): the primary register. It supplies the
  authority codes used in our URIs, names, types, counties, successors and most dates.
- digital-land `local-authority.csv` (OGL v3.0): region GSS codes, OpenDataCommunities and
  Wikidata identifiers, combined-authority dates, and the North East CA (E47000014) that mySociety
  lacks.

The ONS April 2021 district-to-county lookup cross-checks mySociety's counties. Each place where
the sources disagree is resolved by a named function in `rules`, with the fact it relies on.

The register is read by `load.load_register` from the files named in `sources`, reconciled by
the rules in `rules`, held in the types of `model` and drawn as RDF by `rdf`.
"""
