"""Quarterly returns: their values, the validation rules (`validation`, pure), the lifecycle from draft to
accepted, the history tab, the review queue and the return pages.

May import `catalogue`, and `build.requests` to ask for a build after an accept or a reopen; nothing else of
`build`, and never `reading`, `uploads` or `tracker`.
"""
