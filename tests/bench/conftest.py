"""The returns fixtures of tests/dataset, for the load client's tests."""

from tests.dataset.conftest import catalogue, csc_return, n18, n28, open_period, police_return  # noqa: F401
