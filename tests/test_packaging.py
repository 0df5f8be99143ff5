"""The release files: the wheel and sdist carry the license, and the wheel installs and imports.

They are built once per module as ``scripts/build_release.sh`` builds them (``python -m
build``: the sdist, then the wheel from it). Where this interpreter's setuptools can build the
project (``setuptools>=77``) the build runs without isolation, which saves creating a build
environment (about 2 s instead of 7 on the project's machines); the build itself is the same.
"""

import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import sklearn_lip

ROOT = Path(__file__).resolve().parents[1]


def _setuptools_can_build():
    try:
        major = int(version("setuptools").split(".")[0])
    except Exception:  # not installed, or an unusual version string
        return False
    return major >= 77  # PEP 639 license metadata, as [build-system] requires


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """``(wheel, sdist)`` paths, built from the checkout into a temporary folder."""
    pytest.importorskip("build", reason="needs `build` (the dev extra)")
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)]
    if _setuptools_can_build():
        command.insert(3, "--no-isolation")
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = out.glob("sklearn_lip-*.whl")
    (sdist,) = out.glob("sklearn_lip-*.tar.gz")
    return wheel, sdist


def test_wheel_carries_the_license_text(dist):
    wheel = zipfile.ZipFile(dist[0])
    names = wheel.namelist()
    (license_file,) = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
    assert wheel.read(license_file) == (ROOT / "LICENSE").read_bytes()
    (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
    text = wheel.read(metadata).decode()
    assert "License-Expression: BSD-3-Clause" in text
    assert "License-File: LICENSE" in text
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)


def test_sdist_carries_the_license_text(dist):
    sdist = dist[1]
    top = sdist.name.removesuffix(".tar.gz")
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        assert f"{top}/LICENSE" in names
        assert archive.extractfile(f"{top}/LICENSE").read() == (ROOT / "LICENSE").read_bytes()
        assert (
            "License-Expression: BSD-3-Clause"
            in archive.extractfile(f"{top}/PKG-INFO").read().decode()
        )
    assert f"{top}/pyproject.toml" in names and f"{top}/sklearn_lip/__init__.py" in names


def test_wheel_installs_into_a_fresh_environment_and_imports(dist, tmp_path):
    # A new virtual environment without pip (fast); this interpreter's pip installs the wheel
    # into it, without dependencies and without an index. The dependencies (NumPy, SciPy,
    # scikit-learn, joblib) come from this interpreter's site-packages through a .pth line:
    # installing them would take most of the time and test pip rather than the wheel. A line
    # in a .pth file only extends sys.path, so this environment's own .pth files (an editable
    # install of the checkout) are not run there; the wheel's copy is found first.
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    if not python.exists():  # Windows layout
        python = env / "Scripts" / "python.exe"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    install += ["--no-index", "-q", str(dist[0])]
    result = subprocess.run(install, check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        import sklearn_lip, sklearn_lip.cleaning, sklearn_lip.noise, sklearn_lip.diagnostics
        from sklearn.datasets import load_iris
        from sklearn_lip import LIPMetaClassifier

        assert Path(sklearn_lip.__file__).is_relative_to({str(env)!r}), sklearn_lip.__file__
        assert sklearn_lip.__version__ == {sklearn_lip.__version__!r}
        X, y = load_iris(return_X_y=True)
        print(LIPMetaClassifier(k=None).fit(X, y).score(X, y) > 0.9)
        """
    )
    # -I: no PYTHONPATH, no user site, and not the working directory: only what is installed
    result = subprocess.run(
        [str(python), "-I", "-c", script],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "True"
