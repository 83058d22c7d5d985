"""The indicator catalogue and the reporting quarters: the CSV loader (`loader`, with the shipped
`indicators.csv` beside it), UK financial-year quarters (`periods`, pure), how figures of each unit are read and
written (`numbers`, pure), and the catalogue and quarter pages.

The lowest feature package: it imports `dataset.models`, `dataset.history`, `agencies` and `neglect_portal`, and no
other dataset package.
"""
