"""Scrutiny events and their evidence packs: asking for one (`requests`), building it (`services`, `tasks`), its
files (`files`: PDF, workbook, CSVs, manifest, zip), what the PDF says section by section, its two-page summary
first (`sections`), PDF charts (`charts`, matplotlib), and the built files kept in storage, written whole or not at
all (`stored`).

May import the rest of `scrutiny`, `actionplans`, `dataset` and `agencies`.
"""
