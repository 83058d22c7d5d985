"""Scrutiny events and their evidence packs: asking for one (`requests`), building it (`services`, `tasks`), its
files (`files`: PDF, workbook, CSVs, manifest, zip) and PDF charts (`charts`, matplotlib).

May import the rest of `scrutiny`, `actionplans`, `dataset` and `agencies`.
"""
