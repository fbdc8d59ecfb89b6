"""The code's layers (issue: dependencies that run one way). `lint-imports` checks the imports
themselves in CI; these tests check what it cannot: that every module is in exactly one layer,
and that no layer reaches up through a deferred import, `apps.get_model` or `import_module`."""

import ast
import configparser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ["marketplace", "contracts", "disputes", "reputation"]
MAX_DEFERRED_IMPORTS = 5


def _layers() -> list[list[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    lines = config["importlinter:contract:layers"]["layers"].strip().splitlines()
    return [[m.strip() for m in line.replace("|", ":").split(":")] for line in lines]


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _layer_of(module: str) -> list[int]:
    return [index for index, layer in enumerate(_layers())
            for top in layer if module == top or module.startswith(top + ".")]


@pytest.mark.parametrize("package", [*APP_PACKAGES, "bench"])
def test_every_module_is_in_exactly_one_layer(package):
    # The project package itself only holds its layers (kernel, site, settings).
    unplaced = [module for module, _ in _modules(package)
                if module != "marketplace" and len(_layer_of(module)) != 1]
    assert not unplaced, f"modules in no layer (or in two): {unplaced}"


def test_layers_run_from_the_site_down_to_the_kernel():
    tops = [layer[0] for layer in _layers()]
    assert tops == ["marketplace.site", "reputation", "disputes", "contracts",
                    "marketplace.kernel"]


def _deferred_imports(tree: ast.AST, in_ready: bool = False):
    """Imports inside function bodies (AppConfig.ready aside, where apps register)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "ready":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield node.name, inner


def test_few_deferred_imports_each_explained():
    found = []
    for package in APP_PACKAGES:
        for module, path in _modules(package):
            source = path.read_text()
            lines = source.splitlines()
            for function, node in _deferred_imports(ast.parse(source)):
                before = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
                found.append((f"{module}.{function}:{node.lineno}", before.startswith("#")))
    assert len(found) <= MAX_DEFERRED_IMPORTS, found
    unexplained = [where for where, commented in found if not commented]
    assert not unexplained, f"deferred imports without a comment saying why: {unexplained}"


def test_no_upward_reach_by_name():
    """`apps.get_model` and `import_module` hide imports from import-linter."""
    offenders = []
    for package in APP_PACKAGES:
        for module, path in _modules(package):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                name = (node.attr if isinstance(node, ast.Attribute)
                        else node.id if isinstance(node, ast.Name) else None)
                if name in {"get_model", "import_module"}:
                    offenders.append(f"{module}:{node.lineno}")
    assert not offenders, offenders
