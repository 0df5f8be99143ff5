"""The built wheel: it carries the license text and declares the license (PEP 639)."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    (path,) = out.glob("sklearn_lip-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_carries_the_license_text(wheel):
    names = wheel.namelist()
    (license_file,) = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
    assert wheel.read(license_file) == (ROOT / "LICENSE").read_bytes()
    (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
    text = wheel.read(metadata).decode()
    assert "License-Expression: BSD-3-Clause" in text
    assert "License-File: LICENSE" in text
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)
