"""Build step: ship the top-level templates/, static/ and migrations/ inside the `app` package.

The design keeps those three folders at the top of the repository, next to `app/`; an installed
Agora (`pip install .`, the Docker image) has no repository around it, so the wheel carries them
as `app/templates`, `app/static` and `app/migrations` (a `package_dir` mapping), and the app looks
there first (`app/config.py`). The zh-TW and English catalogues are compiled into the wheel here
too, so that a build from a clean checkout serves both languages without `make translations`.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

#: Top-level folders shipped inside the `app` package, by the package name they get there.
SHIPPED = {"app.templates": "templates", "app.static": "static", "app.migrations": "migrations"}


class BuildWithCatalogues(build_py):
    """build_py, then compile every messages.po of the built package into messages.mo."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in sorted((Path(self.build_lib) / "app" / "translations").glob("*/LC_MESSAGES/messages.po")):
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file, locale=po_path.parent.parent.name)
            with po_path.with_suffix(".mo").open("wb") as mo_file:
                write_mo(mo_file, catalogue, use_fuzzy=True)  # as `make translations` does


setup(
    packages=find_packages(include=["app", "app.*", "clustering", "clustering.*"]) + list(SHIPPED),
    package_dir={"": ".", **SHIPPED},
    package_data={
        "app": ["translations/*/LC_MESSAGES/*.po", "demo/*/*"],
        **{name: ["**/*"] for name in SHIPPED},
    },
    exclude_package_data={name: ["**/__pycache__/*", "**/*.pyc"] for name in SHIPPED},
    cmdclass={"build_py": BuildWithCatalogues},
)
