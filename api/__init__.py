"""The REST API (issue 16): agency systems fill, check and submit returns; readers pull the published dataset.

The composition's top: it calls the apps' selectors and services, exactly as their pages do, and nothing imports it.
"""
