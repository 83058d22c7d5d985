"""Notifications: what happened to a person's work, in the portal and by email, each kind switchable per person.

Sits above agencies (it knows people and roles) and below dataset: the apps' services call `services.notify` or
one of its helpers with plain words and a link, so this app imports no model of theirs.
"""
