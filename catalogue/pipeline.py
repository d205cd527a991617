"""The ordered build steps and the validations that must pass before a catalogue goes live.

Register a new source or record type by adding its step here; a step is a function
`(BuildContext) -> list[GraphOutput]` and a check is `(BuildContext) -> list[str]` (problems).
"""

from __future__ import annotations

from catalogue.comparison import comparison_step
from catalogue.cube_check import cube_check
from catalogue.dcat import dcat_step
from catalogue.flags import flags_step
from catalogue.framework_graph import frameworks_step
from catalogue.geography_step import geography_step
from catalogue.history_step import history_step
from catalogue.learn_from import learn_from_step
from catalogue.map_shapes import map_shapes_step
from catalogue.metrics import metrics_step
from catalogue.ofsted_step import ofsted_step
from catalogue.ons_neighbours import ons_neighbours_step
from catalogue.ontology_step import ontology_step
from catalogue.reports import reports_check
from catalogue.sdl import sdl_step
from catalogue.shacl_check import shacl_check
from catalogue.similar import similar_step
from catalogue.step import Check, Step
from catalogue.waste_check import waste_cross_check

STEPS: list[Step] = [
    ontology_step,
    geography_step,
    sdl_step,
    # Metrics after geography: observations attach to the authorities it loaded.
    metrics_step,
    # The published versions of the metric definitions and the version each cube is published under.
    history_step,
    # Outcome frameworks link their metrics to the metrics loaded above.
    frameworks_step,
    comparison_step,
    # Inspection judgements: context beside a council's figures, never a score (after geography).
    ofsted_step,
    similar_step,
    # ONS's official nearest neighbours beside the catalogue's own, and how far the two agree.
    ons_neighbours_step,
    # Council shapes for the metric pages' maps, simplified once per build.
    map_shapes_step,
    # Early-warning flags read the observations, comparisons and similar authorities above; they go
    # to the restricted store (and to the public catalogue only if LACAT_FLAGS_PUBLIC allows).
    flags_step,
    # Whom to learn from (public): councils doing markedly better than their similar authorities.
    learn_from_step,
    # Keep the DCAT catalogue last: it reads the metric graphs loaded by the steps before it.
    dcat_step,
]

CHECKS: list[Check] = [
    shacl_check,
    cube_check,
    reports_check,
    # The older copies of the waste statistics must agree with DEFRA's workbook, the metrics' source.
    waste_cross_check,
]
