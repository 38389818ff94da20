"""Production insight (#19): shifts, saw-state time line, the production report and its exports.

core.production.values    the report's value types (frozen dataclasses; the HMI page and the
                          band-life helper build on them)
core.production.settings  the ``production`` config section: shifts, chart speeds
core.production.shifts    shift windows on the UTC time line (time zone, over midnight, DST)
core.production.states    the saw_states table (total.db): recorder and reader, samples fallback
core.production.report    the computation of a ProductionReport from the cut and state tables
"""
