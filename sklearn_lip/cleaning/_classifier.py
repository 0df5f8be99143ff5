"""CleanLabelClassifier: flag label issues from out-of-fold probabilities, refit without them.

With ``clean="auto"`` the flagged rows are dropped only when held-out noisy rows say that the
cleaned fit predicts better than the plain one.

It is one of the package's wrapping classifiers (:mod:`sklearn_lip._base`); only
:mod:`sklearn_lip.cleaning` imports it.
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.stats import norm
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import check_random_state, column_or_1d, indexable
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._base import BaseWrappingClassifier
from .._compat import HasMethods, Interval, StrOptions, _fit_context
from .._dask import import_dask
from .._head import paired_z
from .._row_sums import is_dask
from ._checks import MinPerClassWarning, RowBlocks
from ._cleanlab import _CLEANLAB_FILTERS, _PRUNING_FILTERS, cleanlab_issues
from ._confident import calibrated_joint, noise_matrix_of
from ._dask_folds import dask_fold_proba, proba_of
from ._folds import fit_rows, fold_budget, held_out_cleaned_proba, out_of_fold_proba
from ._rank import row_quality
from ._rules import METHODS, flag_issues

__all__ = ["CleanLabelClassifier", "fit_clean_dask"]


def _mean_difference_z(differences):
    """Paired z (t) statistic of per-row differences: mean over its standard error; 0 if none."""
    spread = differences.std(ddof=1) if len(differences) > 1 else 0.0
    return differences.mean() / (spread / np.sqrt(len(differences))) if spread > 0 else 0.0


class CleanLabelClassifier(BaseWrappingClassifier):
    """Classifier that flags likely label issues with confident learning and trains without them.

    ``fit`` computes out-of-fold predicted probabilities of ``estimator`` (stratified K folds),
    flags label issues with :func:`find_label_issues`, and fits a clone of ``estimator`` on
    the rows that are kept, without reweighting them. Predictions come from that clone.
    Unless ``clean=True``, the plain clone on every row is fitted first: it is the final
    model when the flagged rows are kept, and the fold models train as long as its own early
    stopping chose (``fold_params_``), which makes cleaning around an early-stopped network
    cost a few fits rather than many.
    By default (``clean="auto"``) the flagged rows are dropped only where that is shown to
    help: the same folds are fitted again without flagged training rows, and the cleaned fit
    is kept when its out-of-fold predictions beat the plain ones on the given (noisy) labels
    (significantly more probability, and more rows right); otherwise the clone is fitted on
    every row.
    The confident joint (how many rows to flag per class) comes from the out-of-fold
    probabilities; which rows, from their blend with the fold models' in-sample probabilities
    (``in_sample_weight``), which ranks wrong labels better for the cost of predicting the
    training folds (no extra fit).

    Parameters
    ----------
    estimator : estimator object, default=None
        Any classifier with ``fit`` and either ``predict_proba`` or ``decision_function``;
        ``None`` means :class:`~sklearn.linear_model.LogisticRegression`. Without
        ``predict_proba``, the out-of-fold scores are turned into probabilities by a softmax
        (binary: a sigmoid). They are not calibrated, but flagging only uses their ordering and
        margins. Only the standard classifier API (``fit``, ``predict_proba`` or
        ``decision_function``, ``classes_``) is used.

    clean : "auto" or bool, default="auto"
        Whether the final fit drops the flagged rows.

        - ``"auto"``: when held-out rows say it helps. Each fold is fitted a second time on
          its training rows minus flagged ones. The cleaned fit is kept when these fold
          models, over all rows, give the given labels of their held-out rows a
          significantly higher probability than the plain fold models (one-sided paired
          test of the per-row differences at level ``significance``, ``validation_z_``) and
          also predict more of those labels right than wrong against them (McNemar
          ``validation_accuracy_z_ > 0``). The probability test has the power on small
          tables that the accuracy test lacks (on the user guide's 16 tables of 105-700
          training rows, around gradient boosting on noisy labels: +3.6 points over the
          base, against +2.4 for an accuracy test at the same level), but it also rewards
          fits that are merely more confident, which cleaned fits usually are; the
          accuracy condition guards against that. The flags of a fold's training rows come
          from models that never saw the fold's test rows (each leaves out those and one
          more fold; with ``cv=2``, one half of the other fold), because flags from the
          usual out-of-fold probabilities keep the rows that agree with the held-out
          labels and make cleaning look better than it is (by several points on small
          tables). With ``cv=5`` this costs 15 more fits on 60-80% of the rows (10 that
          flag, 5 cleaned); with ``cv=2``, 4 on a quarter and 2 on half of them. When one
          of these fits raises (e.g. a base whose own validation split needs more rows),
          or the final fit on the kept rows does (the fold models train under
          ``fold_params_``, the final one with the base's own early stopping), every row is
          kept, with a :class:`~sklearn.exceptions.FitFailedWarning`. Under
          symmetric noise the accuracy and the mean probability of the given label on
          noisy labels are increasing affine functions of those on clean ones, so noisy
          held-out rows rank the two fits correctly in expectation; under class-dependent
          or instance-dependent noise this holds only
          while the noise does not favour the errors of one fit (e.g. a fit that learns a
          systematic confusion of two classes can score better on labels that share it).
        - ``True``: always drop them (the behaviour of version 0.2); a final fit that fails
          on the kept rows raises, with a note of how many rows were kept.
        - ``False``: never; ``label_issues_`` is still computed, and the final fit uses every
          row.

        .. versionadded:: 0.3

    significance : float in (0, 1), default=0.05
        Level of the test of ``clean="auto"``; smaller keeps the plain fit more often.

        .. versionadded:: 0.3

    cv : int, cross-validation splitter or iterable, default=5
        Number of stratified, shuffled folds for the out-of-fold probabilities; an int must
        not exceed the number of rows of the smallest class. Alternatively a splitter (e.g.
        :class:`~sklearn.model_selection.KFold`) or an iterable of ``(train, test)`` index
        arrays, whose test folds must cover every row exactly once. Fewer folds are faster:
        ``cv=2`` costs two fits of ``estimator`` on half the data plus the final fit, and
        with ``clean="auto"`` six more, on a quarter or a half of it. Around a network,
        whose fits dominate the cost, ``cv=2`` is the cheapest choice: 1.9x the plain fit
        (median; 2.8x with ``clean=True``, whose folds stop early on rows of their own) on
        the user guide's small tables, as the fold networks train the plain network's
        ``best_epoch_`` epochs (``fold_params_``). With ``cv=5`` around fast tabular
        models ``clean="auto"`` cost 15-21x the plain fit there (``clean=True`` 5-7x).

    method : {"class_margin", "confident_joint"}, default=None
        This package's rule for flagging label issues (see :func:`find_label_issues`); None
        means ``"class_margin"`` unless ``filter_by`` is given.

        .. versionchanged:: 0.3
           The default is None, still ``"class_margin"`` without ``filter_by``.

    filter_by : {"prune_by_noise_rate", "prune_by_class", "both", "confident_learning", \
            "predicted_neq_given", "low_normalized_margin", "low_self_confidence"}, \
            default=None
        One of cleanlab's rules instead of ``method``, as ``CleanLearning``'s
        ``find_label_issues_kwargs={"filter_by": ...}`` would use it: computed by
        :func:`find_label_issues` with ``filter_by`` from the out-of-fold probabilities
        alone (``in_sample_weight`` then has no effect), and ``min_per_class`` in cleanlab's
        ``min_examples_per_class`` sense.

        .. versionadded:: 0.3

    min_per_class : int, default=5
        Keep at least this many rows of every class (all rows of a smaller class), so that no
        class is ever dropped; a :class:`MinPerClassWarning` says when this changed the flags.

    frac_noise : float in (0, 1] or array-like of float, default=1.0
        How many of the estimated label issues of each class are flagged, as a fraction (the
        most suspect ones), as in :func:`find_label_issues`; with ``method="class_margin"``
        or one of cleanlab's ``"prune_by_*"`` rules and ``"both"`` (another rule raises a
        ``ValueError`` unless it is 1). A list (or tuple, or array) makes ``clean="auto"``
        decide how many to drop on the same held-out evidence: each fraction's cleaned fold
        models are compared with the plain ones, the test level is ``significance`` divided
        by the number of fractions (Bonferroni), and of the fractions that pass both tests
        the one with the largest ``z`` is kept (``frac_noise_``). Each fraction costs ``cv``
        more fits on the fold's kept rows; the fits that flag are shared. A list needs
        ``clean="auto"``.

        .. versionadded:: 0.3

    in_sample_weight : float in [0, 1], default=0.5
        Weight of the in-sample probabilities (each row's mean over the fold models that
        trained on it) in the probabilities that rank the rows within each class; see
        :func:`find_label_issues`. 0 ranks by the out-of-fold probabilities alone (the
        original confident learning) and skips predicting the training folds. Models that
        memorize their training labels give uninformative in-sample probabilities; 0 suits
        them.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of the stratified folds when ``cv`` is an int. The random state of
        ``estimator`` is left as it is. Pass an int for reproducible output across calls.

    n_jobs : int, default=None
        Number of folds fitted in parallel (joblib). ``None`` means 1 unless in a
        :obj:`joblib.parallel_backend` context; ``-1`` means all processors.

    Attributes
    ----------
    estimator_ : estimator object
        The clone of ``estimator`` that makes the predictions: fitted on the kept rows when
        ``cleaned_``, on every row otherwise.

    cleaned_ : bool
        Whether ``estimator_`` was fitted without the flagged rows.

        .. versionadded:: 0.3

    validation_scores_ : dict or None
        With ``clean="auto"``, the out-of-fold scores against the given labels: the mean
        probability of the given label under the plain fold models (``"plain"``) and under
        the ones fitted without flagged rows (``"cleaned"``), and their accuracies
        (``"plain_accuracy"``, ``"cleaned_accuracy"``). ``None`` otherwise, or when no row
        was flagged or a decision fit failed.

        .. versionadded:: 0.3

    validation_z_ : float or None
        The paired z statistic of the per-row differences in the given label's probability,
        cleaned fold models minus plain ones (mean over its standard error); cleaning is
        kept when it reaches ``validation_threshold_`` and ``validation_accuracy_z_`` is
        positive. ``None`` when ``validation_scores_`` is.

        .. versionadded:: 0.3

    validation_accuracy_z_ : float or None
        McNemar's z of the cleaned fold models' held-out accuracy against the plain ones'
        (``(b - c) / sqrt(b + c)``, ``b`` rows only the cleaned ones get right, ``c`` the
        reverse). ``None`` when ``validation_scores_`` is.

        .. versionadded:: 0.3

    validation_threshold_ : float or None
        The z that ``clean="auto"`` needs, ``norm.isf(significance / n_fractions)`` with
        ``n_fractions`` the number of ``frac_noise`` values; ``None`` otherwise.

        .. versionadded:: 0.3

    frac_noise_ : float
        The fraction of ``frac_noise`` whose flags are ``label_issues_`` (and whose evidence the
        ``validation_*`` attributes record): the one kept, or with a list and the plain fit
        kept, the one with the largest ``validation_z_``.

        .. versionadded:: 0.3

    validation_candidates_ : dict of float -> dict or None
        With ``clean="auto"``, per fraction of ``frac_noise``: its held-out scores
        ``"cleaned"`` and ``"cleaned_accuracy"`` and its statistics ``"z"`` and
        ``"accuracy_z"``, as ``validation_scores_`` and ``validation_z_`` give them for
        ``frac_noise_``. ``None`` when ``validation_scores_`` is.

        .. versionadded:: 0.3

    fold_params_ : dict
        The parameters set on the clones of ``estimator`` that the folds fit, so that they
        train as long as the plain fit on every row did instead of each stopping early on
        rows of its own: ``{"early_stopping": False, "max_epochs": best_epoch_, "k": None}``
        for a :class:`~sklearn_lip.LIPClassifier` that chose an epoch, ``{"early_stopping":
        False, "max_iter": n_iter_}`` for histogram gradient boosting that stopped early;
        ``{}`` for other estimators, and with ``clean=True`` (no plain fit is made then).

        .. versionadded:: 0.3

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    label_issues_ : dict of str -> ndarray of shape (n_samples,)
        One entry per training row, in the columns of cleanlab's
        ``CleanLearning.get_label_issues()``; ``pandas.DataFrame(label_issues_)`` makes it
        that table (pandas is not needed otherwise):

        - ``"is_label_issue"`` (bool): the row was flagged (and left out of ``estimator_``
          when ``cleaned_``);
        - ``"label_quality"`` (float): the score that ranked the rows, the given label's
          probability minus the largest other one (lower is more suspect, in ``[-1, 1]``),
          under the out-of-fold probabilities blended with the in-sample ones by
          ``in_sample_weight`` (without them with ``filter_by``; cleanlab's default score is
          the self-confidence instead);
        - ``"given_label"``: the label in ``y``;
        - ``"predicted_label"``: the class with the highest out-of-fold probability, a
          suggestion for the correct label of a flagged row.

        .. versionchanged:: 0.2
           A table; it was the boolean mask, now ``label_issues_["is_label_issue"]``, and
           replaces ``label_quality_``, now ``label_issues_["label_quality"]``.

    noise_matrix_ : ndarray of shape (n_classes, n_classes)
        :func:`estimate_noise_matrix`: ``noise_matrix_[i, j]`` estimates
        ``P(given = classes_[j] | true = classes_[i])``.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    find_label_issues : The flagging step on its own.
    sklearn.calibration.CalibratedClassifierCV : Another cross-validated meta-estimator.

    References
    ----------
    C. G. Northcutt, L. Jiang and I. L. Chuang, "Confident Learning: Estimating Uncertainty in
    Dataset Labels", Journal of Artificial Intelligence Research 70, 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_lip.cleaning import CleanLabelClassifier
    >>> X, y = make_blobs(n_samples=300, centers=3, random_state=0)
    >>> y_noisy = y.copy()
    >>> y_noisy[:30] = (y[:30] + 1) % 3  # corrupt the first 30 labels
    >>> clf = CleanLabelClassifier(random_state=0).fit(X, y_noisy)
    >>> clf
    CleanLabelClassifier(random_state=0)
    >>> clf.cleaned_, round(clf.validation_z_, 1), round(clf.validation_accuracy_z_, 2)
    (True, 13.9, 0.82)
    >>> {name: round(score, 3) for name, score in clf.validation_scores_.items()}
    {'plain': 0.716, 'cleaned': 0.805, 'plain_accuracy': 0.83, 'cleaned_accuracy': 0.837}

    The cleaned fold models gave the held-out labels much more probability (z = 13.9) and
    predicted slightly more of them right, so the final fit drops the flagged rows:

    >>> flagged = clf.label_issues_["is_label_issue"]
    >>> int(flagged.sum()), int(flagged[:30].sum())
    (33, 25)
    >>> list(clf.label_issues_)
    ['is_label_issue', 'label_quality', 'given_label', 'predicted_label']
    >>> clf.label_issues_["label_quality"][:2].round(2), clf.label_issues_["predicted_label"][:2]
    (array([-0.91, -0.81]), array([0, 1]))
    >>> clf.get_label_issues().head(2)  # a pandas DataFrame  # doctest: +SKIP
       is_label_issue  label_quality  given_label  predicted_label
    0            True      -0.911744            1                0
    1            True      -0.809862            2                1

    A list of ``frac_noise`` lets the same evidence decide how many flagged rows to drop;
    here the most suspect half wins, all of them corrupted labels:

    >>> half_or_all = CleanLabelClassifier(frac_noise=[0.5, 1.0], random_state=0)
    >>> half_or_all.fit(X, y_noisy).frac_noise_
    0.5
    >>> {frac: round(e["z"], 1) for frac, e in half_or_all.validation_candidates_.items()}
    {1.0: 13.9, 0.5: 15.0}
    >>> flagged = half_or_all.label_issues_["is_label_issue"]
    >>> int(flagged.sum()), int(flagged[:30].sum())
    (16, 16)
    """

    _parameter_constraints: dict = {
        "estimator": [
            HasMethods(["fit", "predict_proba"]),
            HasMethods(["fit", "decision_function"]),
            None,
        ],
        "clean": [StrOptions({"auto"}), "boolean"],
        "significance": [Interval(Real, 0, 1, closed="neither")],
        "cv": [
            Interval(Integral, 2, None, closed="left"),
            HasMethods(["split", "get_n_splits"]),
            "array-like",
        ],
        "method": [StrOptions(set(METHODS)), None],
        "filter_by": [StrOptions(set(_CLEANLAB_FILTERS)), None],
        "min_per_class": [Interval(Integral, 1, None, closed="left")],
        "frac_noise": [Interval(Real, 0, 1, closed="right"), "array-like"],
        "in_sample_weight": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimator=None,
        *,
        clean="auto",
        significance=0.05,
        cv=5,
        method=None,
        filter_by=None,
        min_per_class=5,
        frac_noise=1.0,
        in_sample_weight=0.5,
        random_state=None,
        n_jobs=None,
    ):
        self.estimator = estimator
        self.clean = clean
        self.significance = significance
        self.cv = cv
        self.method = method
        self.filter_by = filter_by
        self.min_per_class = min_per_class
        self.frac_noise = frac_noise
        self.in_sample_weight = in_sample_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Flag label issues from out-of-fold probabilities and fit on the kept rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, passed to ``estimator`` as it is (e.g. a pandas DataFrame stays one).

        y : array-like of shape (n_samples,)
            Given, possibly noisy, labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every fit of ``estimator`` (restricted to the rows of that fit); a
            ``ValueError`` when ``estimator.fit`` takes no weights, and as requested with
            metadata routing. The flagging itself counts every row once.

        **fit_params : dict
            Further metadata for the fits of ``estimator``.

            Only available if `enable_metadata_routing=True`. See the
            :ref:`Metadata Routing User Guide <metadata_routing>` for more details.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(self, X, y, skip_check_array=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        X, y = indexable(X, y)
        # X reaches the estimator unchecked (a 1-D array of texts suits a text pipeline), but
        # rows of matrices are never a table: say so here rather than in the estimator's name.
        if len(getattr(X, "shape", ())) > 2:
            raise ValueError(
                f"Found array with dim {len(X.shape)}, while dim <= 2 is required by "
                f"{type(self).__name__}."
            )
        if len(y) == 0:
            # X reaches the estimator unchecked, so give check_array's own empty-input error
            shape = getattr(X, "shape", (0,))
            raise ValueError(
                f"Found array with 0 sample(s) (shape={tuple(shape)}) while a minimum of 1 is "
                f"required by {type(self).__name__}."
            )
        y_encoded = self._encode_labels(y)
        fractions = self._fractions()
        estimator = self._get_estimator()
        sample_weight = self._validate_sample_weight(sample_weight, X)
        params = self._inner_fit_params(sample_weight, fit_params)
        splits, seed = self._splits(X, y, y_encoded)
        plain = None
        self.fold_params_ = {}
        if self.clean is not True:  # the plain fit may be the final one: fit it first, and
            # let the fold models train as long as its own early stopping chose (if it has one)
            plain = fit_rows(estimator, X, y, np.arange(len(y)), params)
            self.fold_params_ = fold_budget(plain)
        fold_estimator = clone(estimator).set_params(**self.fold_params_)
        pred_proba, in_sample_proba = out_of_fold_proba(
            fold_estimator,
            X,
            y,
            self.classes_,
            splits,
            params,
            self.n_jobs,
            in_sample=self._needs_in_sample(),
        )
        flags = self._record_issues(y_encoded, pred_proba, in_sample_proba, fractions)
        self.cleaned_ = self._decide(
            fold_estimator, X, y, y_encoded, splits, params, pred_proba, flags, fractions, seed
        )
        if self.cleaned_:
            issues = self.label_issues_["is_label_issue"]
            plain = self._fit_kept_rows(estimator, X, y, issues, params, plain)
        elif plain is None:
            plain = fit_rows(estimator, X, y, np.arange(len(y)), params)
        self.estimator_ = plain
        return self

    def _fit_kept_rows(self, estimator, X, y, issues, params, plain):
        """The final fit without the flagged rows; the plain fit if it fails under "auto".

        The decision's fold models train under ``fold_params_``, the final fit as
        ``estimator`` is: with its own early stopping it can fail on the kept rows alone
        (gradient boosting's validation split needs a row of every class). With
        ``clean="auto"`` the plain fit on every row then stays, with a
        :class:`~sklearn.exceptions.FitFailedWarning`; with ``clean=True`` the error is
        raised, with a note of how many rows were kept.
        """
        kept = np.flatnonzero(~issues)
        try:
            return fit_rows(estimator, X, y, kept, params)
        except Exception as error:
            summary = (
                f"{type(self).__name__} fitted {type(estimator).__name__} on the {len(kept)} "
                f"rows kept of {len(y)} ({int(issues.sum())} flagged as label issues)."
            )
            if plain is None:  # clean=True: nothing to fall back on
                error.add_note(summary)
                raise
            warnings.warn(
                f"{summary} That fit failed, so every row is kept (the plain fit). "
                f"{type(error).__name__}: {error}",
                FitFailedWarning,
                stacklevel=4,  # past _fit_kept_rows, fit and the _fit_context wrapper
            )
            self.cleaned_ = False
            return plain

    def _fit_dask(self, X, y, validation, fit_params):
        """:meth:`fit` on Dask arrays, out of core: the code path of :func:`fit_clean_dask`."""
        _, da = import_dask()
        if not is_dask(X):
            raise TypeError(
                f"fit_clean_dask needs a Dask array X; got {type(X).__name__}. Use "
                "CleanLabelClassifier.fit for data in memory."
            )
        if self.clean == "auto" and validation is None:
            raise ValueError(
                "clean='auto' decides on held-out rows: pass validation=(X_val, y_val), or "
                "clean=True or clean=False."
            )
        y = column_or_1d(np.asarray(y), warn=True)  # the labels come to the client
        check_classification_targets(y)
        if len(y) != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)} labels.")
        y_encoded = self._encode_labels(y)
        fractions = self._fractions()
        if self.clean == "auto":  # checked before any fit, not after the folds
            X_val, y_val = validation
            y_val = column_or_1d(np.asarray(y_val))
            unknown = np.setdiff1d(y_val, self.classes_)
            if unknown.size:
                raise ValueError(
                    f"fit_clean_dask: validation has labels {unknown[:5].tolist()} that are not "
                    f"in classes_ {self.classes_.tolist()}."
                )
            y_val = np.searchsorted(self.classes_, y_val)
        self.n_features_in_ = X.shape[1]
        vars(self).pop("feature_names_in_", None)  # Dask arrays carry no feature names
        X = X.rechunk({1: -1})  # blocks of whole rows, for the estimator's predictions
        labels = da.from_array(y, chunks=(X.chunks[0],))
        splits, _ = self._splits(X, y, y_encoded)
        estimator = self._get_estimator()
        plain = None
        self.fold_params_ = {}
        if self.clean is not True:
            plain = clone(estimator).fit(X, labels, **fit_params)
            self.fold_params_ = fold_budget(plain)
        pred_proba, in_sample_proba = dask_fold_proba(
            clone(estimator).set_params(**self.fold_params_),
            X,
            labels,
            self.classes_,
            splits,
            fit_params,
            in_sample=self._needs_in_sample(),
        )
        flags = self._record_issues(y_encoded, pred_proba, in_sample_proba, fractions)
        self._clear_evidence()
        cleaned = []  # per fraction, the fit without its flagged rows
        if flags[0].any() and self.clean is not False:
            for issues in flags:
                kept = np.flatnonzero(~issues)
                cleaned.append(clone(estimator).fit(X[kept], labels[kept], **fit_params))
        self.cleaned_ = bool(cleaned)
        if cleaned and plain is not None:  # clean="auto": the held-out block decides
            self.cleaned_ = self._weigh_evidence(
                y_val,
                proba_of(plain, X_val, self.classes_),
                [proba_of(model, X_val, self.classes_) for model in cleaned],
                fractions,
                flags,
            )
        if not self.cleaned_ and plain is None:  # clean=True and nothing flagged
            plain = clone(estimator).fit(X, labels, **fit_params)
        self.estimator_ = cleaned[fractions.index(self.frac_noise_)] if self.cleaned_ else plain
        return self

    def _encode_labels(self, y):
        """Set ``classes_``; the labels as indices into it. Checks the rule parameters too."""
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes in y; got 1 class.")
        if self.method is not None and self.filter_by is not None:
            raise ValueError(
                f"{type(self).__name__}: pass either method (this package's rules) or "
                f"filter_by (cleanlab's); got method={self.method!r} and "
                f"filter_by={self.filter_by!r}."
            )
        return y_encoded

    def _fractions(self):
        """The values of ``frac_noise``, the largest first; checks them against the rule."""
        many = np.ndim(self.frac_noise) > 0  # a list, tuple or array of candidates
        fractions = list(self.frac_noise) if many else [self.frac_noise]
        if (
            not fractions
            or np.ndim(self.frac_noise) > 1
            or any(
                isinstance(f, bool) or not isinstance(f, Real) or not 0 < f <= 1 for f in fractions
            )
            or len(set(fractions)) < len(fractions)
        ):
            raise ValueError(
                f"frac_noise must be a number in (0, 1] or a list of distinct ones; got "
                f"{self.frac_noise!r}."
            )
        if len(fractions) > 1 and self.clean != "auto":
            raise ValueError(
                f"A list of frac_noise is decided by clean='auto'; got clean={self.clean!r}. "
                "Pass one number with clean=True or clean=False."
            )
        if self.filter_by is not None:
            scales = self.filter_by in _PRUNING_FILTERS
        else:
            scales = self.method != "confident_joint"
        if not scales and fractions != [1]:
            rule = f"filter_by={self.filter_by!r}" if self.filter_by else f"method={self.method!r}"
            raise ValueError(
                f"frac_noise={self.frac_noise!r} has no effect with {rule}: it scales the "
                "number flagged by method='class_margin' and by filter_by="
                f"{', '.join(map(repr, _PRUNING_FILTERS))}."
            )
        return sorted(map(float, fractions), reverse=True)

    def _splits(self, X, y, y_encoded):
        """The ``(train, test)`` folds of the rows, and the seed drawn for them."""
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self._check_cv_fits_classes(y)
        if isinstance(self.cv, Integral):
            splitter = StratifiedKFold(self.cv, shuffle=True, random_state=seed)
        else:
            splitter = check_cv(self.cv)
        return list(splitter.split(X, y_encoded)), seed

    def _needs_in_sample(self):
        return self.filter_by is None and self.in_sample_weight > 0

    def _record_issues(self, y_encoded, pred_proba, in_sample_proba, fractions):
        """Flag the rows; set ``noise_matrix_`` and ``label_issues_``; the flags per fraction.

        ``label_issues_`` and ``frac_noise_`` hold the first fraction's flags (the largest, the
        only one whose :class:`MinPerClassWarning` is shown) until :meth:`_decide` picks one.
        """
        blocks = self._blocks(y_encoded, pred_proba, in_sample_proba)
        flags = []
        for number, frac_noise in enumerate(fractions):
            with warnings.catch_warnings():
                if number:  # fewer flags than the first fraction's: the warning would repeat
                    warnings.simplefilter("ignore", MinPerClassWarning)
                flags.append(self._flag(blocks, frac_noise, self.classes_))
        issues, self.frac_noise_ = flags[0], fractions[0]
        # the confident joint of the flags (pred_proba's), counted once
        self.noise_matrix_ = noise_matrix_of(calibrated_joint(blocks))
        # A dict of equal-length columns, like cv_results_: pandas.DataFrame(label_issues_)
        # gives cleanlab's get_label_issues() table without making pandas a dependency.
        self.label_issues_ = {
            "is_label_issue": issues,
            "label_quality": row_quality(blocks, "margin"),
            "given_label": self.classes_[y_encoded],
            "predicted_label": self.classes_[np.asarray(pred_proba.argmax(axis=1))],
        }
        return flags

    def _blocks(self, labels, pred_proba, in_sample_proba):
        """The :class:`RowBlocks` the rule reads, built once for every fraction.

        cleanlab's rules read ``pred_proba`` alone; this package's rank the rows on its blend
        with ``in_sample_proba`` (the blocks' ``ranking``).
        """
        if self.filter_by is not None:
            return RowBlocks(labels, pred_proba)
        return RowBlocks(labels, pred_proba, in_sample_proba, self.in_sample_weight)

    def _flag(self, blocks, frac_noise, class_names=None):
        """The rows flagged by ``method`` or ``filter_by`` at ``frac_noise``."""
        if self.filter_by is not None:
            return cleanlab_issues(blocks, self.filter_by, frac_noise, None, self.min_per_class)
        method = self.method or "class_margin"
        return flag_issues(blocks, method, self.min_per_class, class_names, frac_noise)

    def get_label_issues(self):
        """The table of ``label_issues_``, as cleanlab's ``CleanLearning.get_label_issues()``.

        Returns
        -------
        label_issues : pandas.DataFrame or dict of str -> ndarray
            One row per training row, with the columns ``is_label_issue``, ``label_quality``,
            ``given_label`` and ``predicted_label``: a DataFrame when pandas is installed,
            else the dict ``label_issues_``.
        """
        check_is_fitted(self, "label_issues_")
        try:
            import pandas
        except ImportError:
            return dict(self.label_issues_)
        return pandas.DataFrame(self.label_issues_)

    def _decide(
        self, estimator, X, y, y_encoded, splits, params, pred_proba, flags, fractions, seed
    ):
        """Whether to drop the flagged rows (``clean``); records the evidence of ``"auto"``.

        ``flags`` holds one mask per fraction of ``fractions``; under ``"auto"`` the one kept
        (or best) becomes ``label_issues_``.
        """
        self._clear_evidence()
        if self.clean != "auto" or not flags[0].any():  # the largest fraction flags most
            return bool(self.clean is True and flags[0].any())

        def flag(labels, pred_proba, in_sample_proba):
            blocks = self._blocks(labels, pred_proba, in_sample_proba)
            with warnings.catch_warnings():  # the final flags warn; the folds' would repeat it
                warnings.simplefilter("ignore", MinPerClassWarning)
                return [self._flag(blocks, frac_noise) for frac_noise in fractions]

        try:
            cleaned_proba = held_out_cleaned_proba(
                estimator, X, y, y_encoded, self.classes_, splits, params, self.n_jobs, flag, seed
            )
        except Exception as error:  # the plain fit stays valid, as cross_validate's error_score
            warnings.warn(
                f"{type(self).__name__}: a fold fit of clean='auto' failed, so the flagged rows "
                f"are kept (clean=True would drop them). {type(error).__name__}: {error}",
                FitFailedWarning,
                stacklevel=4,  # past _decide, fit and the _fit_context wrapper
            )
            return False
        return self._weigh_evidence(y_encoded, pred_proba, cleaned_proba, fractions, flags)

    def _clear_evidence(self):
        """The evidence attributes of a fit that weighed none (``None`` each)."""
        self.validation_scores_ = self.validation_z_ = self.validation_threshold_ = None
        self.validation_accuracy_z_ = self.validation_candidates_ = None

    def _weigh_evidence(self, y_encoded, plain_proba, cleaned_proba, fractions, flags):
        """Compare each fraction's held-out probabilities with the plain ones; whether one wins.

        Records the evidence and sets ``frac_noise_`` to the fraction kept, or when none
        passes, to the one with the largest ``z``; ``label_issues_`` takes that fraction's
        mask of ``flags``.
        """
        rows = np.arange(len(y_encoded))
        plain_given = plain_proba[rows, y_encoded]
        plain_right = plain_proba.argmax(axis=1) == y_encoded
        candidates = {}
        for frac_noise, proba in zip(fractions, cleaned_proba, strict=True):
            given, right = proba[rows, y_encoded], proba.argmax(axis=1) == y_encoded
            candidates[frac_noise] = {
                "cleaned": float(given.mean()),
                "cleaned_accuracy": float(right.mean()),
                "z": float(_mean_difference_z(given - plain_given)),
                "accuracy_z": float(paired_z(right, plain_right)),
            }
        threshold = float(norm.isf(self.significance / len(fractions)))
        passing = [
            frac_noise
            for frac_noise, evidence in candidates.items()
            if evidence["z"] >= threshold and evidence["accuracy_z"] > 0
        ]
        self.frac_noise_ = max(passing or fractions, key=lambda f: candidates[f]["z"])
        best = candidates[self.frac_noise_]
        self.validation_scores_ = {
            "plain": float(plain_given.mean()),
            "cleaned": best["cleaned"],
            "plain_accuracy": float(plain_right.mean()),
            "cleaned_accuracy": best["cleaned_accuracy"],
        }
        self.validation_z_, self.validation_accuracy_z_ = best["z"], best["accuracy_z"]
        self.validation_threshold_ = threshold
        self.validation_candidates_ = candidates
        self.label_issues_["is_label_issue"] = flags[fractions.index(self.frac_noise_)]
        return bool(passing)


def fit_clean_dask(classifier, X, y, *, validation=None, **fit_params):
    """Fit a :class:`CleanLabelClassifier` on Dask arrays, out of core.

    The cleaning recipe for data that does not fit in memory, like
    :func:`~sklearn_lip.fit_lip_dask` for LIP: the fold models and the final model train on the
    Dask arrays themselves (use an estimator that trains out of core, such as
    ``dask_ml.wrappers.Incremental``), their out-of-fold and in-sample probabilities are
    assembled block by block and persisted where they are computed (on the workers with a
    ``distributed`` client), and the label issues are found in passes over those blocks
    (:func:`find_label_issues` on Dask arrays). ``X`` is never brought into memory; the labels
    and one flag, score and prediction per row are.

    With ``clean="auto"`` the decision is made on a held-out block, as ``k="auto"`` is in
    :func:`~sklearn_lip.fit_lip_dask`: the plain fit and the fit without the flagged rows are
    compared on ``validation``'s (noisy) labels with the tests of ``fit``
    (``validation_z_``, ``validation_accuracy_z_``), instead of refitting the folds.

    Fits: one per fold, plus the plain fit (unless ``clean=True``) and one cleaned fit per
    value of ``frac_noise`` (none with ``clean=False`` or when nothing was flagged); a list of
    ``frac_noise`` is decided on ``validation`` too. Passes over ``X``: those of the fits,
    and one prediction pass per fold model.

    Parameters
    ----------
    classifier : CleanLabelClassifier
        Fitted in place, as by ``classifier.fit``. ``cv`` and ``random_state`` draw the folds
        as in ``fit``; ``n_jobs`` is not used (the scheduler runs the work). Row weights are
        not supported on this path.
    X : dask array of shape (n_samples, n_features)
        Training features (NumPy or SciPy sparse blocks).
    y : array-like or dask array of shape (n_samples,)
        Given, possibly noisy, labels; computed into memory.
    validation : tuple of (X_val, y_val), default=None
        Held-out rows, disjoint from ``X``, on which ``clean="auto"`` decides (required then;
        not used otherwise). Dask or NumPy arrays, sized for memory, as their predicted
        probabilities are computed.
    **fit_params : dict
        Passed to every fit of ``estimator``, e.g. ``classes=`` for ``Incremental``.

    Returns
    -------
    classifier : CleanLabelClassifier
        The fitted classifier. Predict on NumPy blocks, or on Dask arrays through
        ``dask_ml.wrappers.ParallelPostFit``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from dask_ml.wrappers import Incremental
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_lip.cleaning import CleanLabelClassifier, fit_clean_dask
    >>> rng = np.random.RandomState(0)
    >>> centers = rng.normal(scale=3, size=(4, 5))
    >>> y_all = rng.randint(0, 4, 1500)
    >>> X_all = centers[y_all] + rng.normal(size=(1500, 5))
    >>> flipped = rng.rand(1200) < 0.2  # noise on the training labels only
    >>> y_noisy = np.where(flipped, (y_all[:1200] + 1) % 4, y_all[:1200])
    >>> X = da.from_array(X_all, chunks=300)
    >>> base = Incremental(SGDClassifier(loss="log_loss", random_state=0), shuffle_blocks=False)
    >>> clf = fit_clean_dask(CleanLabelClassifier(base, cv=3, random_state=0), X[:1200],
    ...                      da.from_array(y_noisy, chunks=300), classes=np.arange(4),
    ...                      validation=(X[1200:], y_all[1200:]))
    >>> flagged = clf.label_issues_["is_label_issue"]
    >>> int(flipped.sum()), int((flagged & flipped).sum()), int(flagged.sum())
    (252, 214, 403)
    >>> clf.cleaned_, {name: round(score, 2) for name, score in clf.validation_scores_.items()}
    (True, {'plain': 0.61, 'cleaned': 0.94, 'plain_accuracy': 0.69, 'cleaned_accuracy': 0.95})

    The one-pass ``Incremental`` fit flags 214 of the 252 wrong labels (and 189 right ones),
    and the fit without them predicts the held-out block far better, so it is kept.
    """
    return classifier._fit_dask(X, y, validation, fit_params)
