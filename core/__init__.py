"""The ground floor: settings, identifiers and URIs, periods, problems, YAML records and the store.

Nothing here imports any other package of the project.
"""
