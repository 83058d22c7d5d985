"""Included by dataset/urls.py inside the dataset namespace."""

urlpatterns: list = []
