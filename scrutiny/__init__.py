"""The scrutiny app: the Impact Framework, multi-agency audits (grades summed in `grading`, pure), evidence and
its attachments, training, scrutiny events; `packs/` builds evidence packs and `feeds/` puts scrutiny figures
into the Partnership's return.

The top of the stack: may import `actionplans`, `dataset` and `agencies`; no app imports `scrutiny`.
"""
