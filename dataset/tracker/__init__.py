"""Completeness and timeliness of the returns (`completeness`, pure), the tracker and chase list pages, and the
reminders sent by hand and on schedule (`services`, `tasks`).

May import `returns` and `catalogue`; nothing imports `tracker`.
"""
