"""Ingest: landed files to the typed, normalised raw layer of the warehouse."""
