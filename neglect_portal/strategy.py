"""The Neglect Strategy's four objectives and the RAG scale: plain values every app shares.

A leaf module: it imports no app.
"""

from django.db import models


class Objective(models.TextChoices):
    RECOGNISE = "recognise", "Recognise"
    RESPOND = "respond", "Respond"
    QUANTIFY = "quantify", "Quantify"
    EVALUATE = "evaluate", "Evaluate"


OBJECTIVE_AIMS: dict[str, str] = {
    Objective.RECOGNISE: "Practitioners recognise neglect early and understand its impact on the child.",
    Objective.RESPOND: "Agencies respond to neglect promptly and effectively, and plans do not drift.",
    Objective.QUANTIFY: "The partnership knows the scale and nature of neglect across the area.",
    Objective.EVALUATE: "The partnership knows whether its work makes a difference for children.",
}


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    BLUE = "blue", "Blue (complete)"


RAG_MEANINGS: dict[str, str] = {
    Rag.RED: "Off track: significant risk to delivery; needs a recovery step.",
    Rag.AMBER: "Some slippage: at risk but recoverable; needs a recovery step.",
    Rag.GREEN: "On track.",
    Rag.BLUE: "Complete, with evidence of impact.",
}
