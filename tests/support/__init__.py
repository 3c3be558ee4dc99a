"""Helpers shared by the test suites, importable as ``tests.support`` (pytest's ``pythonpath``).

Fixtures live in the conftest files; the plain functions and classes they and the tests use live
here, in one package, so that no test edits ``sys.path`` and no two helper modules share a name.
"""
