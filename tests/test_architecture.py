"""The package's shape (docs/architecture.rst): imports run one way, down, and modules stay small.

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
    # subpackage modules, relative imports one and two levels up
    assert "sklearn_lip.neural._net" in graph["sklearn_lip.neural._head_layer"]
    assert "sklearn_lip.cleaning._confident" in graph["sklearn_lip.neural._training"]
    assert "sklearn_lip._base" in graph["sklearn_lip.cleaning._classifier"]


def test_private_scikit_learn_names_come_only_through_compat():
    """A scikit-learn move of a private helper is fixed in _compat alone."""
    private = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sklearn":
                module_private = any(part.startswith("_") for part in node.module.split("."))
                names = [alias.name for alias in node.names if alias.name.startswith("_")]
                if module_private or names:
                    private.append(f"{module_name(path)}: from {node.module} import ...")
    assert private == []


def test_no_import_cycle(graph):
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


#: The modules in import order, as docs/architecture.rst lists them: each imports only modules
#: before it. A new module has to be placed here.
IMPORT_ORDER = [
    "_compat",
    *("_partial", "losses", "diagnostics", "_row_sums"),
    *("_dask", "_lip", "_head", "_base"),
    *("noise._base", "noise._class_conditional", "noise._instance_dependent"),
    *("noise._partial_label", "noise._classifier", "noise"),
    "meta",
    *("cleaning._checks", "cleaning._confident", "cleaning._rank", "cleaning._rules"),
    *("cleaning._cleanlab", "cleaning._filter", "cleaning._folds", "cleaning._dask_folds"),
    "cleaning._classifier",
    "cleaning",
    *("neural._modules", "neural._criteria", "neural._net", "neural._head_layer"),
    *("neural._training", "neural._classifier", "neural"),
    "",  # the package itself
]


def qualified(name):
    return ".".join(["sklearn_lip", name]) if name else "sklearn_lip"


def test_imports_follow_the_documented_order(graph):
    order = [qualified(name) for name in IMPORT_ORDER]
    assert sorted(order) == sorted(graph), "place new modules in IMPORT_ORDER (and the docs)"
    position = {name: index for index, name in enumerate(order)}
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if position[target] >= position[module]
    )
    assert not upward


def test_the_dask_reductions_sit_below_the_maths(graph):
    assert graph["sklearn_lip._row_sums"] == set()
    assert graph["sklearn_lip._dask"] == {"sklearn_lip._row_sums"}


def test_no_low_module_imports_an_estimator_module(graph):
    estimator_modules = {
        "sklearn_lip.meta",
        "sklearn_lip.cleaning._classifier",
        "sklearn_lip.noise._classifier",
        "sklearn_lip.neural._classifier",
    }
    # Importing a package that re-exports an estimator imports the estimator's module too.
    reexporting = {"sklearn_lip.cleaning", "sklearn_lip.noise", "sklearn_lip.neural"}
    allowed = {
        "sklearn_lip": estimator_modules | reexporting,
        **{package: {f"{package}._classifier"} for package in reexporting},
    }
    for module, targets in graph.items():
        assert targets & (estimator_modules | reexporting) <= allowed.get(module, set()), module


def docstring_lines(tree):
    """Line numbers of every docstring (module, class and function) in ``tree``."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                if isinstance(first.value.value, str):
                    lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def code_line_counts(source):
    """Lines of code of a module and of each of its classes: no docstring, comment or blank."""
    tree = ast.parse(source)
    skipped = docstring_lines(tree)
    lines = source.splitlines()
    code = {
        number
        for number, line in enumerate(lines, start=1)
        if number not in skipped and line.strip() and not line.strip().startswith("#")
    }
    classes = {
        node.name: len(code & set(range(node.lineno, node.end_lineno + 1)))
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    return len(code), classes


def test_code_line_counts_skip_docstrings_and_comments():
    source = '''"""Module docstring."""

# a comment
class A:
    """Docstring
    on two lines."""

    def f(self):
        return 1
'''
    assert code_line_counts(source) == (3, {"A": 3})


MAX_MODULE_LINES = 500  # of code, docstrings aside
MAX_CLASS_LINES = 400


def test_modules_and_classes_stay_small():
    too_big = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module_lines, classes = code_line_counts(path.read_text())
        if module_lines > MAX_MODULE_LINES:
            too_big.append(f"{module_name(path)}: {module_lines} lines of code")
        too_big += [
            f"{module_name(path)}.{name}: {lines} lines of code"
            for name, lines in classes.items()
            if lines > MAX_CLASS_LINES
        ]
    assert not too_big
