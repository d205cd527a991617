# Normalisation, phase 1 (§10.2): type and property closure.
INSERT { ?o rdf:type qb:Observation . }
WHERE { [] qb:observation ?o . } ;

INSERT { ?o rdf:type qb:Observation . ?ds rdf:type qb:DataSet . }
WHERE { ?o qb:dataSet ?ds . } ;

INSERT { ?s rdf:type qb:Slice . }
WHERE { [] qb:slice ?s . } ;

INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:DimensionProperty . }
WHERE { ?cs qb:dimension ?p . } ;

INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:MeasureProperty . }
WHERE { ?cs qb:measure ?p . } ;

INSERT { ?cs qb:componentProperty ?p . ?p rdf:type qb:AttributeProperty . }
WHERE { ?cs qb:attribute ?p . }
