"""The actionplans app: agencies' neglect action plans, their actions and quarterly RAG progress reports on the
returns' lifecycle; `summary/` is the partnership's RAG summary and the dashboard panel.

May import `dataset` and `agencies`, never `scrutiny`.
"""
