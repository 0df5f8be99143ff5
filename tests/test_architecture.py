"""The package's import graph: imports run one way, down, with no cycle (docs/architecture.rst).

Read from the source with ``ast``. Every import of a package module counts, those inside
functions too: a lazy import that closes a circle is still a circle (the modules still depend
on each other), it only moves the failure from import time to call time.
"""

import ast
from pathlib import Path

import pytest

import sklearn_lip

PACKAGE = Path(sklearn_lip.__file__).parent


def module_name(path):
    """Dotted name of the module at ``path`` (a package's ``__init__.py`` is the package)."""
    parts = ["sklearn_lip", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_imports(path, modules):
    """The modules of the package that the module at ``path`` imports, anywhere in it."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names if alias.name.startswith("sklearn_lip")}
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        elif (node.module or "").startswith("sklearn_lip"):
            source = node.module
        else:
            continue
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            targets.add(submodule if submodule in modules else source)
    return targets - {name}


@pytest.fixture(scope="module")
def graph():
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: package_imports(path, paths) for name, path in paths.items()}


def find_cycle(graph):
    """One import cycle as a list of modules, or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state:
                cycle = visit(target, stack + [target])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [node])
            if cycle:
                return cycle
    return None


def test_the_graph_is_read(graph):
    # Guards the reader itself: these edges exist, so a reader that finds none is broken.
    assert "sklearn_lip._row_sums" in graph["sklearn_lip._dask"]
    assert "sklearn_lip._dask" in graph["sklearn_lip._lip"]
    assert "sklearn_lip._base" in graph["sklearn_lip.meta"]
    assert "sklearn_lip._compat" in graph["sklearn_lip.noise._base"]
    assert "sklearn_lip.neural" in graph["sklearn_lip"]  # a lazy import, inside __getattr__


def test_no_import_cycle(graph):
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_dask_reductions_sit_below_the_maths(graph):
    assert graph["sklearn_lip._row_sums"] == set()
    assert graph["sklearn_lip._dask"] == {"sklearn_lip._row_sums"}


def test_no_low_module_imports_an_estimator_module(graph):
    estimator_modules = {
        "sklearn_lip.meta",
        "sklearn_lip.cleaning",
        "sklearn_lip.noise._classifier",
        "sklearn_lip.neural",
    }
    allowed = {
        "sklearn_lip": estimator_modules,
        "sklearn_lip.noise": {"sklearn_lip.noise._classifier"},  # re-exports it
        # neural.py estimates a transition matrix with cleaning.estimate_noise_matrix.
        "sklearn_lip.neural": {"sklearn_lip.cleaning"},
    }
    for module, targets in graph.items():
        assert targets & estimator_modules <= allowed.get(module, set()), module
