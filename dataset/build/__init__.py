"""Building the Partnership Neglect Dataset: gather accepted figures, aggregate (`aggregate`), SPC (`spc`), themes
(`themes`), all pure over the plain data in `figures`; then write an immutable snapshot (`services`) from the
build task (`tasks`). `requests` is how anyone asks for a build.

May import `catalogue`; never `returns`, `uploads`, `tracker` or `reading`.
"""
