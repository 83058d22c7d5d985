"""What readers see of a snapshot: the dataset page, the dashboard panels, indicator pages and an agency's own
figures (`selectors`, `views`), charts (`charts`), exports (`exports`, pure) and disclosure control (`disclosure`,
pure); a large workbook prepared by a job (`export_requests` -> `tasks` -> `export_jobs`).

May import `build` and `catalogue`; never `returns`, `uploads` or `tracker`.
"""
