"""The shape of the code: feature packages, one-way dependencies, no two files importing each other.

The layer and purity rules themselves are import-linter contracts in pyproject.toml (`lint-imports`, run by CI);
these tests hold what import-linter has no contract for.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("neglect_portal", "agencies", "notifications", "dataset", "actionplans", "scrutiny", "api")

# What may sit at the root of an app that is split into feature packages: Django's own file names and the modules
# every package of the app shares. Anything else belongs in a package.
APP_ROOTS = {
    "dataset": {"__init__", "apps", "models", "history", "cells", "demo", "urls", "admin"},
    "scrutiny": {
        "__init__",
        "apps",
        "models",
        "forms",
        "selectors",
        "services",
        "views",
        "urls",
        "admin",
        "demo",
        "attachments",
        "grading",
    },
    "actionplans": {
        "__init__",
        "apps",
        "models",
        "forms",
        "selectors",
        "services",
        "views",
        "urls",
        "admin",
        "demo",
        "validation",
        "tracking",
    },
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)


def test_no_two_modules_import_each_other(graph):
    """Not directly and not round a longer loop, counting imports inside functions too."""
    cycles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain:
                cycles.add(" -> ".join((module, *chain)))
    assert not cycles, "\n".join(sorted(cycles))


@pytest.mark.parametrize("app", sorted(APP_ROOTS))
def test_an_apps_root_holds_only_shared_modules(app):
    modules = {path.stem for path in (ROOT / app).glob("*.py")}
    assert modules <= APP_ROOTS[app], sorted(modules - APP_ROOTS[app])


@pytest.mark.parametrize("app", sorted(APP_ROOTS))
def test_every_package_says_what_lives_there_and_what_it_may_import(app):
    for init in (ROOT / app).glob("**/__init__.py"):
        if {"migrations", "management", "templatetags", "commands"} & set(init.parent.parts):
            continue
        text = init.read_text()
        assert text.startswith('"""') and "import" in text.split('"""')[1], init


def test_the_tests_mirror_the_feature_packages(pytestconfig):
    skipped = pytestconfig.getini("norecursedirs")
    for package in (ROOT / "dataset").iterdir():
        if (package / "__init__.py").exists() and package.name not in {"migrations", "management", "templatetags"}:
            assert list((ROOT / "tests" / "dataset" / package.name).glob("test_*.py")), package.name
            # and pytest goes into the folder (by default it skips any folder named "build")
            assert not any(fnmatch(package.name, pattern) for pattern in skipped), (package.name, skipped)
