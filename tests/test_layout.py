"""The package layout shows the data flow, and the package declares what it imports.

Layers, each importing only from those before it:
engine (``lossdocs/<module>.py``) -> widget builders (``lossdocs/widgets/``) ->
site (``lossdocs/site/``: hook, embedding, maths, tables, figures, notebook, vendored files).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "lossdocs"
LAYERS = ("engine", "widgets", "site")
# Engine modules in dependency order: each may import only those before it.
ENGINE_ORDER = ("losses", "curves", "landscape", "classification", "descent", "training", "robust", "metric", "boxes")
TEST_ONLY = {"playwright", "torch", "pytest", "axe_playwright_python", "bs4", "PIL"}


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0] if len(rel) > 1 else "engine"


def imports(path: Path) -> list[str]:
    """Every module ``path`` imports, fully named (``from lossdocs import x`` gives ``lossdocs.x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append(node.module)
            out += [f"{node.module}.{a.name}" for a in node.names]
    return out


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_module_imports_only_from_layers_before_it(path):
    layer = LAYERS.index(layer_of(path))
    for name in imports(path):
        parts = name.split(".")
        if parts[0] in ("bokeh", "contourpy"):
            assert layer >= LAYERS.index("widgets"), f"{path.name}: the engine imports {name}"
        if parts[0] in ("mkdocs", "material", "py_mini_racer", "mkdocs_jupyter"):
            assert layer == LAYERS.index("site"), f"{path.name}: only lossdocs.site meets MkDocs ({name})"
        if parts[0] != "lossdocs" or len(parts) < 2:
            continue
        target = parts[1] if parts[1] in ("widgets", "site") else "engine"
        assert LAYERS.index(target) <= layer, f"{path.name} imports {name}, a later layer"
        if layer_of(path) == "engine" and target == "engine" and path.stem in ENGINE_ORDER:
            if parts[1] in ENGINE_ORDER:
                assert ENGINE_ORDER.index(parts[1]) < ENGINE_ORDER.index(path.stem), (
                    f"engine module {path.stem} imports {parts[1]}, which comes after it")


def test_engine_modules_are_the_public_api():
    engine = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert set(ENGINE_ORDER) <= engine
    assert not (PACKAGE / "browser.py").exists(), "the browser harness belongs with the tests"
    for name in ("hooks", "embed", "mathrender", "tables", "svg", "notebook", "figures"):
        assert (PACKAGE / "site" / f"{name}.py").is_file()


def declared() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = meta["dependencies"]
    return {re.split(r"[<>=!~\[; ]", n, maxsplit=1)[0].lower().replace("_", "-") for n in names}


def test_every_third_party_import_is_a_declared_dependency():
    dists = packages_distributions()
    stdlib = set(sys.stdlib_module_names)
    missing = {}
    for path in SOURCES:
        for name in imports(path):
            top = name.split(".")[0]
            if top in stdlib or top == "lossdocs" or top == "__future__":
                continue
            assert top not in TEST_ONLY, f"{path.name} imports {top}, a test-only dependency"
            owners = {d.lower().replace("_", "-") for d in dists.get(top, [top])}
            if not owners & declared():
                missing[top] = path.name
    # The notebook's build-time kernel needs jupytext/ipykernel: mkdocs-jupyter brings them.
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


VENDOR = PACKAGE / "site" / "vendor"
RECORD = json.loads((VENDOR / "VENDORED.json").read_text())


@pytest.mark.parametrize("name", sorted(RECORD))
def test_vendored_files_match_their_record(name):
    entry = RECORD[name]
    assert entry["version"] and entry["license"] and (VENDOR / name / "LICENSE").is_file()
    on_disk = {p.relative_to(VENDOR / name).as_posix() for p in (VENDOR / name).rglob("*") if p.is_file()}
    assert on_disk == set(entry["sha256"]), "files differ from the record"
    for rel, digest in entry["sha256"].items():
        assert hashlib.sha256((VENDOR / name / rel).read_bytes()).hexdigest() == digest, f"{name}/{rel} changed"


def test_vendored_katex_is_the_recorded_version():
    from py_mini_racer import MiniRacer

    ctx = MiniRacer()
    try:
        ctx.eval((VENDOR / "katex" / "katex.min.js").read_text())
        assert ctx.eval("katex.version") == RECORD["katex"]["version"]
    finally:
        ctx.close()


def test_no_node_tooling_left():
    assert not (ROOT / "package.json").exists() and not (ROOT / "package-lock.json").exists()
