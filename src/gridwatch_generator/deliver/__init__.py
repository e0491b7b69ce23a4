"""Delivery: the simulated rows written into each day's landing files.

One module per feed (``push_lists``, ``verifications``, ``checkpoint_logs``,
``enterprise_filings``) plus ``extras``, the files a dirty run adds. Each chooses a
file's look (name, encoding, columns, styles) and its defects, writes it through
``writers.py`` and lists it in the manifest.
"""
