"""The partnership's RAG summary of the action plans: counting (`counting`, pure), reads (`selectors`) and the
page (`views`), and the dashboard panel.

May import the rest of `actionplans`, `dataset` and `agencies`.
"""
