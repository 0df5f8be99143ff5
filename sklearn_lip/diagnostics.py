"""Diagnostics of linear classification heads: the analysis tools of the LIP paper.

Si et al. (2025) compare a classifier trained on clean labels (weights ``W``) with the same
classifier trained on noisy labels (``W'``) through the singular value decomposition
``W = U S V^T``. The functions here compute the quantities used in that analysis for any weight
matrix or fitted linear estimator: the singular spectrum, the effective rank, the subspace
similarity ``phi`` and the principal angles between top singular subspaces, plus two plotting
helpers.

Weight matrices are laid out as in the paper: ``(n_features, n_classes)``, features by classes,
so that the right singular vectors ``V`` live in class space and the left ones ``U`` in feature
space. Every function accepts either such a 2-D array or a fitted estimator with ``coef_``; see
the ``W`` parameter of :func:`singular_spectrum` for the conversion.

matplotlib is needed only by the ``plot_*`` functions and is imported inside them.
"""

# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
import scipy.linalg
import scipy.sparse
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "effective_rank",
    "plot_singular_spectra",
    "plot_subspace_similarity",
    "principal_angles",
    "singular_spectrum",
    "subspace_similarity",
    "subspace_similarity_matrix",
]

_SIDES = ("right", "left")


def _as_weight_matrix(W, *, intercept=True, raw=False):
    """Return ``W`` as a float ``(n_features, n_classes)`` array.

    Parameters
    ----------
    W : array-like of shape (n_features, n_classes) or fitted estimator
        A 2-D array is used as is. A fitted estimator contributes
        ``vstack([coef_.T, intercept_])``, with the one-row ``coef_`` of a binary model giving a
        single column.
    intercept : bool, default=True
        Whether to append the estimator's ``intercept_`` as a last row (when it has one).
    raw : bool, default=False
        Read ``raw_coef_`` and ``raw_intercept_`` (the weights before LIP refinement) instead of
        ``coef_`` and ``intercept_``.

    Returns
    -------
    W : ndarray of shape (n_features, n_classes) or (n_features + 1, n_classes)
    """
    if not hasattr(W, "fit"):
        if raw:
            raise ValueError("raw=True reads the raw_coef_ of an estimator; got an array.")
        return check_array(W, dtype=np.float64, input_name="W")
    name = type(W).__name__
    prefix = "raw_" if raw else ""
    coef_attr, intercept_attr = f"{prefix}coef_", f"{prefix}intercept_"
    if not hasattr(W, coef_attr):
        check_is_fitted(W)
        need = "an sklearn_lip estimator with pre-LIP weights" if raw else "a linear model"
        raise ValueError(f"{name} has no {coef_attr} attribute; expected {need}.")
    coef = getattr(W, coef_attr)
    coef = coef.toarray() if scipy.sparse.issparse(coef) else coef
    coef = check_array(coef, dtype=np.float64, ensure_2d=False, input_name=coef_attr)
    coef = np.atleast_2d(coef)
    weights = coef.T
    if intercept and hasattr(W, intercept_attr):
        # broadcast: some estimators store a scalar 0.0 when fit_intercept=False
        bias = np.asarray(getattr(W, intercept_attr), dtype=np.float64)
        weights = np.vstack([weights, np.broadcast_to(bias, coef.shape[:1])])
    return weights


def _rank(s, shape):
    """Numerical rank from descending singular values ``s`` of a matrix of ``shape``.

    Uses the tolerance of :func:`numpy.linalg.matrix_rank`: ``s[0] * max(shape) * eps``.
    """
    if s.size == 0 or s[0] == 0.0:
        return 0
    return int(np.sum(s > s[0] * max(shape) * np.finfo(s.dtype).eps))


def _singular_vectors(W, side, name):
    """Return the singular vectors of ``W`` on ``side`` (as columns) and the rank of ``W``."""
    U, s, Vt = scipy.linalg.svd(W, full_matrices=False)
    rank = _rank(s, W.shape)
    if rank == 0:
        raise ValueError(f"{name} is the zero matrix; its singular subspaces are undefined.")
    return (Vt.T if side == "right" else U), rank


def _paired_vectors(W_a, W_b, side, intercept, raw):
    """Singular vectors and ranks of both matrices, after checking that they share a space."""
    if side not in _SIDES:
        raise ValueError(f"side must be one of {_SIDES}; got side={side!r}.")
    A = _as_weight_matrix(W_a, intercept=intercept, raw=raw)
    B = _as_weight_matrix(W_b, intercept=intercept, raw=raw)
    axis = 1 if side == "right" else 0
    if A.shape[axis] != B.shape[axis]:
        space = "classes (columns)" if side == "right" else "features (rows)"
        raise ValueError(
            f"W_a and W_b must have the same number of {space} for side={side!r}; "
            f"got shapes {A.shape} and {B.shape}."
        )
    V_a, rank_a = _singular_vectors(A, side, "W_a")
    V_b, rank_b = _singular_vectors(B, side, "W_b")
    return V_a, rank_a, V_b, rank_b


def _check_dimension(value, name, rank, bound):
    """Check ``1 <= value <= rank`` for a subspace dimension; ``bound`` names the rank."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not 1 <= value <= rank:
        raise ValueError(
            f"{name} must be an integer with 1 <= {name} <= {bound} = {rank}; got {name}={value!r}."
        )
    return int(value)


def singular_spectrum(W, *, normalize=False, intercept=True, raw=False):
    """Singular values of a weight matrix, largest first.

    Parameters
    ----------
    W : array-like of shape (n_features, n_classes) or fitted estimator
        Weight matrix, features by classes. A fitted estimator with ``coef_`` (shape
        ``(n_classes, n_features)``, or ``(1, n_features)`` for a binary model) is converted to
        ``vstack([coef_.T, intercept_])``: the intercept becomes the last row, as in the paper.
    normalize : bool, default=False
        If True, divide by the sum of the singular values so that the spectrum sums to 1; this
        makes models on different scales comparable and is the distribution whose entropy gives
        :func:`effective_rank`.
    intercept : bool, default=True
        Whether to append the estimator's ``intercept_`` as a last row. Ignored for arrays.
    raw : bool, default=False
        Read the estimator's ``raw_coef_`` and ``raw_intercept_`` (the weights of this package's
        estimators before LIP refinement) instead of ``coef_`` and ``intercept_``.

    Returns
    -------
    s : ndarray of shape (min(n_features, n_classes),)
        Singular values in descending order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.diagnostics import singular_spectrum
    >>> singular_spectrum(np.diag([3.0, 1.0]))
    array([3., 1.])
    >>> singular_spectrum(np.diag([3.0, 1.0]), normalize=True)
    array([0.75, 0.25])
    """
    s = scipy.linalg.svdvals(_as_weight_matrix(W, intercept=intercept, raw=raw))
    if normalize:
        total = s.sum()
        if total == 0.0:
            raise ValueError("Cannot normalize the spectrum of the zero matrix.")
        s = s / total
    return s


def effective_rank(W, *, intercept=True, raw=False):
    """Entropy-based effective rank of a weight matrix.

    The effective rank of Roy & Vetterli (2007) is ``exp(H(p))``, where ``p = s / sum(s)`` are
    the normalised singular values and ``H(p) = -sum(p_i log p_i)`` their Shannon entropy (with
    ``0 log 0 = 0``). It lies between 1 (a single non-zero singular value) and
    ``min(n_features, n_classes)`` (all singular values equal); a flatter spectrum gives a larger
    effective rank.

    Parameters
    ----------
    W : array-like of shape (n_features, n_classes) or fitted estimator
        Weight matrix or fitted linear estimator; see :func:`singular_spectrum`.
    intercept : bool, default=True
        Whether to append the estimator's ``intercept_`` as a last row. Ignored for arrays.
    raw : bool, default=False
        Read ``raw_coef_`` and ``raw_intercept_`` instead of ``coef_`` and ``intercept_``.

    Returns
    -------
    erank : float
        The effective rank.

    References
    ----------
    O. Roy and M. Vetterli, "The effective rank: a measure of effective dimensionality",
    15th European Signal Processing Conference (EUSIPCO), 2007, pp. 606-610.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.diagnostics import effective_rank
    >>> round(effective_rank(np.eye(4)), 6)
    4.0
    >>> round(effective_rank(np.diag([1.0, 0.0, 0.0])), 6)
    1.0
    """
    p = singular_spectrum(W, normalize=True, intercept=intercept, raw=raw)
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


def subspace_similarity_matrix(
    W_a, W_b, max_i=None, max_j=None, *, side="right", intercept=True, raw=False
):
    """Subspace similarity ``phi(i, j)`` for all ``i <= max_i`` and ``j <= max_j`` at once.

    Entry ``[i - 1, j - 1]`` equals :func:`subspace_similarity` ``(W_a, W_b, i, j)``; both SVDs
    are computed once.

    Parameters
    ----------
    W_a, W_b : array-like of shape (n_features, n_classes) or fitted estimator
        Weight matrices or fitted linear estimators; see :func:`singular_spectrum`. They must share
        the space of the chosen ``side``: the number of columns for ``"right"``, of rows for
        ``"left"``.
    max_i : int, default=None
        Largest dimension of the ``W_a`` subspace, ``1 <= max_i <= rank(W_a)``. None means
        ``rank(W_a)``.
    max_j : int, default=None
        Largest dimension of the ``W_b`` subspace, ``1 <= max_j <= rank(W_b)``. None means
        ``rank(W_b)``.
    side : {"right", "left"}, default="right"
        Compare right singular vectors (class space) or left ones (feature space).
    intercept : bool, default=True
        Whether to append an estimator's ``intercept_`` as a last row. Ignored for arrays.
    raw : bool, default=False
        Read ``raw_coef_`` and ``raw_intercept_`` instead of ``coef_`` and ``intercept_``.

    Returns
    -------
    phi : ndarray of shape (max_i, max_j)
        Similarities in ``[0, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.diagnostics import subspace_similarity_matrix
    >>> W = np.diag([3.0, 2.0, 1.0])
    >>> subspace_similarity_matrix(W, W[:, [1, 0, 2]]).round(6)
    array([[0., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    phi, _ = _phi_matrix(W_a, W_b, max_i, max_j, side, intercept, raw)
    return phi


def _phi_matrix(W_a, W_b, max_i, max_j, side, intercept, raw):
    """:func:`subspace_similarity_matrix` and ``max(rank(W_a), rank(W_b))``."""
    V_a, rank_a, V_b, rank_b = _paired_vectors(W_a, W_b, side, intercept, raw)
    max_i = rank_a if max_i is None else _check_dimension(max_i, "max_i", rank_a, "rank(W_a)")
    max_j = rank_b if max_j is None else _check_dimension(max_j, "max_j", rank_b, "rank(W_b)")
    # ||V_a[:, :i]^T V_b[:, :j]||_F^2 for every (i, j) is a 2-D cumulative sum of squared cosines
    squared = (V_a[:, :max_i].T @ V_b[:, :max_j]) ** 2
    energy = squared.cumsum(axis=0).cumsum(axis=1)
    dims = np.minimum.outer(np.arange(1, max_i + 1), np.arange(1, max_j + 1))
    return np.clip(energy / dims, 0.0, 1.0), max(rank_a, rank_b)


def subspace_similarity(W_a, W_b, i, j, *, side="right", intercept=True, raw=False):
    """Similarity of the top singular subspaces of two weight matrices (the paper's ``phi``).

    With thin SVDs ``W_a = U_a S_a V_a^T`` and ``W_b = U_b S_b V_b^T``::

        phi = ||V_a[:, :i]^T V_b[:, :j]||_F^2 / min(i, j)

    on the right singular vectors (``U`` instead of ``V`` for ``side="left"``). It is the mean
    squared cosine of the principal angles between the two subspaces: 1 when the smaller subspace
    lies inside the larger one, 0 when they are orthogonal. For random subspaces of dimensions
    ``i`` and ``j`` in ``R^d`` its expected value is ``i * j / (d * min(i, j))``.

    Parameters
    ----------
    W_a, W_b : array-like of shape (n_features, n_classes) or fitted estimator
        Weight matrices or fitted linear estimators; see :func:`singular_spectrum`.
    i : int
        Dimension of the ``W_a`` subspace, ``1 <= i <= rank(W_a)`` (numerical rank, tolerance of
        :func:`numpy.linalg.matrix_rank`; singular vectors beyond it are arbitrary).
    j : int
        Dimension of the ``W_b`` subspace, ``1 <= j <= rank(W_b)``.
    side : {"right", "left"}, default="right"
        Compare right singular vectors (class space) or left ones (feature space).
    intercept : bool, default=True
        Whether to append an estimator's ``intercept_`` as a last row. Ignored for arrays.
    raw : bool, default=False
        Read ``raw_coef_`` and ``raw_intercept_`` instead of ``coef_`` and ``intercept_``.

    Returns
    -------
    phi : float
        Similarity in ``[0, 1]``.

    See Also
    --------
    subspace_similarity_matrix : All ``(i, j)`` pairs at once.
    principal_angles : The angles whose squared cosines ``phi`` averages.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.diagnostics import subspace_similarity
    >>> W = np.diag([3.0, 2.0, 1.0])
    >>> subspace_similarity(W, W, 2, 2)
    1.0
    >>> subspace_similarity(W, W[:, [2, 1, 0]], 1, 1)
    0.0
    """
    V_a, rank_a, V_b, rank_b = _paired_vectors(W_a, W_b, side, intercept, raw)
    i = _check_dimension(i, "i", rank_a, "rank(W_a)")
    j = _check_dimension(j, "j", rank_b, "rank(W_b)")
    energy = np.linalg.norm(V_a[:, :i].T @ V_b[:, :j]) ** 2
    return float(np.clip(energy / min(i, j), 0.0, 1.0))


def principal_angles(W_a, W_b, k, *, side="right", intercept=True, raw=False):
    """Principal angles between the top-``k`` singular subspaces of two weight matrices.

    Computed with :func:`scipy.linalg.subspace_angles` on ``V_a[:, :k]`` and ``V_b[:, :k]``
    (``U`` for ``side="left"``). scipy returns the angles largest first; they are returned here
    sorted ascending, so the first angle belongs to the best-aligned pair of directions.

    Parameters
    ----------
    W_a, W_b : array-like of shape (n_features, n_classes) or fitted estimator
        Weight matrices or fitted linear estimators; see :func:`singular_spectrum`.
    k : int
        Subspace dimension, ``1 <= k <= min(rank(W_a), rank(W_b))``.
    side : {"right", "left"}, default="right"
        Compare right singular vectors (class space) or left ones (feature space).
    intercept : bool, default=True
        Whether to append an estimator's ``intercept_`` as a last row. Ignored for arrays.
    raw : bool, default=False
        Read ``raw_coef_`` and ``raw_intercept_`` instead of ``coef_`` and ``intercept_``.

    Returns
    -------
    angles : ndarray of shape (k,)
        Angles in radians, in ``[0, pi / 2]``, ascending.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lip.diagnostics import principal_angles
    >>> W = np.diag([3.0, 2.0, 1.0])
    >>> np.degrees(principal_angles(W, W[:, [0, 2, 1]], 2)).round(6)
    array([ 0., 90.])
    """
    V_a, rank_a, V_b, rank_b = _paired_vectors(W_a, W_b, side, intercept, raw)
    k = _check_dimension(k, "k", min(rank_a, rank_b), "min(rank(W_a), rank(W_b))")
    return np.sort(scipy.linalg.subspace_angles(V_a[:, :k], V_b[:, :k]))


def _pyplot():
    """Import matplotlib, with an error naming the ``plot`` extra when it is missing.

    Returns ``matplotlib.pyplot`` and ``matplotlib.ticker.MaxNLocator``.
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError as exc:
        raise ImportError(
            "The plotting functions of sklearn_lip.diagnostics need matplotlib; install it with "
            "`pip install sklearn-lip[plot]`."
        ) from exc
    return plt, MaxNLocator


def plot_singular_spectra(weights, ax=None, *, normalize=False, intercept=True, raw=False):
    """Plot the singular spectra of several weight matrices on one log-scale axis.

    Parameters
    ----------
    weights : dict of str -> array-like or fitted estimator
        One line per entry, labelled by its key (for example ``{"clean": W, "40% noise": W2}``);
        values as in :func:`singular_spectrum`.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a new figure.
    normalize : bool, default=False
        Plot each spectrum divided by its sum; see :func:`singular_spectrum`.
    intercept : bool, default=True
        Whether to append an estimator's ``intercept_`` as a last row. Ignored for arrays.
    raw : bool, default=False
        Read ``raw_coef_`` and ``raw_intercept_`` instead of ``coef_`` and ``intercept_``.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on: one line per entry of ``weights``, singular value index (from 1) on x.
        Each line stops at the numerical rank of its matrix (tolerance of
        :func:`numpy.linalg.matrix_rank`): the singular values beyond it are rounding noise of
        exact zeros, e.g. the last one of multinomial logistic weights, whose columns sum to
        zero (rank ``n_classes - 1``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_lip.diagnostics import plot_singular_spectra
    >>> ax = plot_singular_spectra({"a": np.diag([3.0, 2.0]), "b": np.diag([1.0, 0.0])})
    >>> [line.get_label() for line in ax.get_lines()]
    ['a', 'b']
    >>> ax.get_lines()[1].get_ydata()  # rank 1: the zero singular value is not drawn
    array([1.])
    """
    if not isinstance(weights, dict) or not weights:
        got = "an empty dict" if isinstance(weights, dict) else f"a {type(weights).__name__}"
        raise ValueError(
            f'weights must be a non-empty dict of name -> weights, e.g. {{"clean": W}}; got {got}.'
        )
    plt, MaxNLocator = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    for name, W in weights.items():
        W = _as_weight_matrix(W, intercept=intercept, raw=raw)
        s = singular_spectrum(W, normalize=normalize)
        s = s[: _rank(s, W.shape)]  # the tolerance is relative: normalizing keeps the rank
        ax.plot(np.arange(1, s.size + 1), s, marker="o", markersize=3, label=str(name))
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("singular value index")
    ax.set_ylabel("singular value / sum" if normalize else "singular value")
    ax.legend()
    return ax


def plot_subspace_similarity(
    W_a,
    W_b,
    max_i=None,
    max_j=None,
    ax=None,
    *,
    side="right",
    intercept=True,
    raw=False,
    mark_chance=True,
):
    """Heatmap of the subspace similarity ``phi(i, j)`` between two weight matrices.

    Random subspaces of dimensions ``i`` and ``j`` of a ``d``-dimensional space have expected
    similarity ``max(i, j) / d`` (``k / d`` on the diagonal), the chance level; cells at or
    below it are marked.

    Parameters
    ----------
    W_a, W_b : array-like of shape (n_features, n_classes) or fitted estimator
        Weight matrices or fitted linear estimators; see :func:`singular_spectrum`.
    max_i, max_j : int, default=None
        Largest subspace dimensions shown; see :func:`subspace_similarity_matrix`.
    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a new figure.
    side : {"right", "left"}, default="right"
        Compare right singular vectors (class space) or left ones (feature space).
    intercept : bool, default=True
        Whether to append an estimator's ``intercept_`` as a last row. Ignored for arrays.
    raw : bool, default=False
        Read ``raw_coef_`` and ``raw_intercept_`` instead of ``coef_`` and ``intercept_``.
    mark_chance : bool, default=True
        Mark with a white ``x`` the cells where ``phi(i, j) <= max(i, j) / d``, with ``d =
        max(rank(W_a), rank(W_b))``, the dimension of the space the singular vectors span
        (``n_classes`` for full-rank weights, ``n_classes - 1`` for multinomial logistic ones).
        Cells with ``max(i, j) = d``, where ``phi = 1`` for any two matrices, are not marked.

        .. versionadded:: 0.2

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on: an image of ``phi`` on a fixed ``[0, 1]`` colour scale, ``i`` (rows,
        from 1) on y and ``j`` on x, with a colorbar, and (``mark_chance``) the marked cells
        as a collection labelled for the legend.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_lip.diagnostics import plot_subspace_similarity
    >>> W = np.diag([3.0, 2.0, 1.0])
    >>> ax = plot_subspace_similarity(W, W[:, [2, 1, 0]])
    >>> ax.get_images()[0].get_array().shape
    (3, 3)
    >>> ax.collections[0].get_offsets().tolist()  # (j, i) of the cells at or below chance
    [[1.0, 1.0], [2.0, 1.0], [1.0, 2.0], [2.0, 2.0]]
    """
    phi, dim = _phi_matrix(W_a, W_b, max_i, max_j, side, intercept, raw)
    plt, MaxNLocator = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    n_i, n_j = phi.shape
    image = ax.imshow(
        phi,
        origin="lower",
        extent=(0.5, n_j + 0.5, 0.5, n_i + 0.5),
        vmin=0.0,
        vmax=1.0,
        cmap="viridis",
        aspect="auto",
        interpolation="nearest",
    )
    ax.figure.colorbar(image, ax=ax, label=r"$\phi(i, j)$")
    if mark_chance:
        i, j = np.indices(phi.shape) + 1
        chance = np.maximum(i, j) / dim
        # where max(i, j) = d, phi = chance = 1 for any two matrices: nothing to mark
        below = (phi <= chance + 1e-12) & (chance < 1)
        ax.scatter(
            j[below],
            i[below],
            marker="x",
            color="white",
            s=max(4.0, 300.0 / max(n_i, n_j)),
            linewidths=0.8,
            label=f"at or below chance, max(i, j) / {dim}",
        )
        # below the axes, so that it hides no cell; grey, so that the white mark shows
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            fontsize="small",
            facecolor="0.55",
            framealpha=1.0,
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("j (top-j subspace of W_b)")
    ax.set_ylabel("i (top-i subspace of W_a)")
    return ax
