"""``gongbao.http`` composes the JSON API (``gongbao.api``) and the pages (``gongbao.web``):
the two are siblings, neither imports the other, and nothing below them imports ``http``."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "gongbao"


def imported_modules(path: Path) -> set[str]:
    """Every gongbao module ``path`` imports, relative imports resolved, at any depth of the file."""
    module = "gongbao." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    package = package.removesuffix(".__init__")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "gongbao" or name.startswith("gongbao.")}


def within(name: str, package: str) -> bool:
    return name == f"gongbao.{package}" or name.startswith(f"gongbao.{package}.")


@pytest.mark.parametrize("package, sibling", [("api", "web"), ("web", "api")])
def test_http_siblings_never_import_each_other(package: str, sibling: str) -> None:
    offenders = {path.name: sorted(name for name in imported_modules(path) if within(name, sibling))
                 for path in (PACKAGE / package).rglob("*.py")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_only_the_cli_imports_http() -> None:
    importers = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                       if not path.is_relative_to(PACKAGE / "http")
                       and any(within(name, "http") for name in imported_modules(path)))
    assert importers == ["cli.py"]


def test_the_checker_sees_relative_imports() -> None:
    """The check can fail: a relative import of the sibling is found."""
    probe = PACKAGE / "web" / "routes.py"
    assert "gongbao.serving.params" in imported_modules(probe)
    assert within("gongbao.api.feeds", "api") and not within("gongbao.apix", "api")
