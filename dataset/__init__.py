"""The dataset app: indicator returns in, the Partnership Neglect Dataset out. One Django app (label `dataset`,
its models in `models.py`), with a feature package for each part:

- `catalogue/`: indicators, quarters, and how figures are read and written (`numbers`); the base every part uses.
- `returns/`: returns and their values, validation rules, history, the return pages. Imports `catalogue`, and asks
  `build` for a build (through `build.requests`) and nothing more.
- `uploads/`: spreadsheet templates, upload, dry run and Confirm. Imports `returns` and `catalogue`.
- `tracker/`: completeness, the chase list, reminders. Imports `returns` and `catalogue`.
- `build/`: accepted figures gathered, aggregated, SPC, themes, snapshots, the build task. Imports `catalogue`.
- `reading/`: what readers see of a snapshot: pages, charts, exports, disclosure. Imports `build` and `catalogue`.

Shared by all: `models`, `history` (who, how and why on every change) and `cells` (formula-safe spreadsheet cells).
The app imports `agencies` and `neglect_portal.strategy`/`lifecycle`, never `actionplans` or `scrutiny`. The
import-linter contracts in pyproject.toml hold all of this (`lint-imports`).
"""
