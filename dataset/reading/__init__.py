"""What readers see of a snapshot: the dataset page, the dashboard panels, indicator pages and an agency's own
figures (`selectors`, `views`), charts (`charts`), exports (`exports`) and disclosure control (`disclosure`, pure).

May import `build` and `catalogue`; never `returns`, `uploads` or `tracker`.
"""
