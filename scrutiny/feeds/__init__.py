"""Feeding scrutiny evidence into the dataset: an audit's share good or better into N32 and training confidence
into N33, through the Partnership's return (`services`, `views`).

May import the rest of `scrutiny`, `dataset` and `agencies`.
"""
