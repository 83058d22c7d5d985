"""Scrutiny events and their evidence packs: asking for one (`requests`), building it (`services`, `tasks`), its
files (`files`: PDF, workbook, CSVs, manifest, zip), what the PDF says section by section, its two-page summary
first (`sections`), and PDF charts (`charts`, matplotlib).

May import the rest of `scrutiny`, `actionplans`, `dataset` and `agencies`.
"""
