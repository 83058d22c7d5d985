"""Return spreadsheets: XLSX and CSV templates out, uploaded files in (`spreadsheets`, pure), a dry run showing
every change and problem by row and column, and Confirm applying it through the returns services.

May import `returns` and `catalogue`; nothing imports `uploads`.
"""
