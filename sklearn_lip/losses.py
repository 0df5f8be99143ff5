"""Training criteria for learning from noisy labels and from candidate sets, as torch modules.

Every loss is called as ``loss(input, target, sample_weight=None)`` with ``input`` the logits of
shape (batch, n_classes) and returns the batch mean of ``sample_weight * row_loss``. Without
weights that is the plain mean; :class:`~sklearn_lip.neural.LIPClassifier` rescales the training
weights to mean 1, so that a weight multiplies a row's share of the gradient and the learning
rate keeps its meaning.

What ``target`` holds depends on the loss:

- noisy-label losses (:class:`CrossEntropy`, :class:`LabelSmoothingCrossEntropy`,
  :class:`GeneralizedCrossEntropy`, :class:`SymmetricCrossEntropy`,
  :class:`ForwardCorrectedCrossEntropy`): class indices, int64 of shape (batch,);
- :class:`ClassifierConsistentLoss`: candidate rows, 0/1 floats of shape (batch, n_classes);
- :class:`ProdenLoss`: row indices into the candidate matrix it was built with (it keeps a
  per-row state).
"""

# Authors: sklearn-lip developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError('sklearn_lip.losses needs PyTorch: pip install "sklearn-lip[torch]"') from exc

__all__ = [
    "ClassifierConsistentLoss",
    "CrossEntropy",
    "ForwardCorrectedCrossEntropy",
    "GeneralizedCrossEntropy",
    "LabelSmoothingCrossEntropy",
    "ProdenLoss",
    "SymmetricCrossEntropy",
]


class _RowLoss(nn.Module):
    """A loss defined row by row; subclasses implement ``row_loss(input, target)``."""

    def forward(self, input, target, sample_weight=None):
        """Weighted batch mean of the row losses.

        Parameters
        ----------
        input : Tensor of shape (batch, n_classes)
            Logits.
        target : Tensor
            See the module docstring for what each loss expects.
        sample_weight : Tensor of shape (batch,), default=None
            Multiplies each row's loss before the mean.

        Returns
        -------
        loss : Tensor of shape ()
        """
        loss = self.row_loss(input, target)
        if sample_weight is not None:
            loss = loss * sample_weight
        return loss.mean()


class CrossEntropy(_RowLoss):
    """Multinomial cross-entropy, ``-log p_y`` with ``p = softmax(input)``.

    The baseline criterion for class-index targets, and ``criterion="ce"`` of
    :class:`~sklearn_lip.neural.LIPClassifier`. It takes no constructor arguments. Call it as
    ``loss(input, target, sample_weight=None)``: logits of shape (batch, n_classes), class
    indices of shape (batch,), and optional row weights.

    Examples
    --------
    >>> import torch
    >>> from sklearn_lip.losses import CrossEntropy
    >>> loss = CrossEntropy()(torch.zeros(2, 4), torch.tensor([0, 3]))
    >>> round(float(loss), 4)  # log(4): uniform probabilities over 4 classes
    1.3863

    A row weight multiplies that row's loss before the batch mean:

    >>> weights = torch.tensor([2.0, 0.0])
    >>> loss = CrossEntropy()(torch.zeros(2, 4), torch.tensor([0, 3]), sample_weight=weights)
    >>> round(float(loss), 4)  # (2 log(4) + 0) / 2
    1.3863
    """

    def row_loss(self, input, target):
        """Per-row ``-log p_y``."""
        return F.cross_entropy(input, target, reduction="none")


class LabelSmoothingCrossEntropy(_RowLoss):
    """Cross-entropy against smoothed targets ``(1 - smoothing) * onehot(y) + smoothing / K``.

    Row loss: ``-(1 - smoothing) log p_y - (smoothing / K) sum_j log p_j`` (Szegedy et al.,
    2016); a common baseline under label noise (Lukasik et al., 2020).

    Parameters
    ----------
    smoothing : float in [0, 1), default=0.1
        Probability mass spread uniformly over all classes. 0 gives the cross-entropy.

    References
    ----------
    .. [1] C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens, Z. Wojna, "Rethinking the Inception
           Architecture for Computer Vision", CVPR 2016.
    .. [2] M. Lukasik, S. Bhojanapalli, A. K. Menon, S. Kumar, "Does label smoothing mitigate
           label noise?", ICML 2020.

    Examples
    --------
    >>> import torch
    >>> from sklearn_lip.losses import LabelSmoothingCrossEntropy
    >>> logits, target = torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0])
    >>> round(float(LabelSmoothingCrossEntropy(smoothing=0.0)(logits, target)), 4)  # -log p_0
    0.2395
    >>> round(float(LabelSmoothingCrossEntropy(smoothing=0.1)(logits, target)), 4)
    0.3729
    """

    def __init__(self, smoothing=0.1):
        super().__init__()
        if not 0 <= smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1); got {smoothing!r}.")
        self.smoothing = float(smoothing)

    def row_loss(self, input, target):
        """Per-row cross-entropy against the smoothed one-hot target."""
        return F.cross_entropy(input, target, reduction="none", label_smoothing=self.smoothing)


class GeneralizedCrossEntropy(_RowLoss):
    """Generalized cross-entropy, ``(1 - p_y^q) / q`` (Zhang & Sabuncu, 2018).

    Interpolates between cross-entropy (``q -> 0``) and the noise-robust mean absolute error
    (``q = 1``, up to a factor 2).

    Parameters
    ----------
    q : float in (0, 1], default=0.7
        Exponent: smaller is closer to cross-entropy, 1 is the mean absolute error. 0.7 is the
        paper's default.

    References
    ----------
    .. [1] Z. Zhang, M. R. Sabuncu, "Generalized Cross Entropy Loss for Training Deep Neural
           Networks with Noisy Labels", NeurIPS 2018.

    Examples
    --------
    >>> import torch
    >>> from sklearn_lip.losses import GeneralizedCrossEntropy
    >>> logits, target = torch.zeros(1, 2), torch.tensor([0])  # p_y = 0.5
    >>> round(float(GeneralizedCrossEntropy(q=0.7)(logits, target)), 4)  # (1 - 0.5**0.7) / 0.7
    0.5492
    >>> round(float(GeneralizedCrossEntropy(q=1.0)(logits, target)), 4)  # 1 - p_y
    0.5
    """

    def __init__(self, q=0.7):
        super().__init__()
        if not 0 < q <= 1:
            raise ValueError(f"q must be in (0, 1]; got {q!r}.")
        self.q = float(q)

    def row_loss(self, input, target):
        """Per-row ``(1 - p_y^q) / q``."""
        log_p_y = F.log_softmax(input, dim=1).gather(1, target[:, None])[:, 0]
        return (1 - torch.exp(self.q * log_p_y)) / self.q


class SymmetricCrossEntropy(_RowLoss):
    """Symmetric cross-entropy, ``alpha * CE + beta * RCE`` (Wang et al., 2019).

    The reverse cross-entropy swaps prediction and label, ``-sum_j p_j log onehot(y)_j``, with
    ``log 0`` replaced by the constant ``log_zero`` = A, so ``RCE = -A (1 - p_y)``. The paper
    uses ``A = -4``; its reference code clips the one-hot label at 1e-4 instead, which is
    ``A = log(1e-4) = -9.21`` (the same loss with ``beta`` scaled by 2.3).

    Parameters
    ----------
    alpha : float, default=0.1
        Weight of the cross-entropy term (the paper's CIFAR-10 setting).
    beta : float, default=1.0
        Weight of the reverse cross-entropy term.
    log_zero : float, default=-4.0
        The value A used for ``log 0``; must be negative.

    References
    ----------
    .. [1] Y. Wang, X. Ma, Z. Chen, Y. Luo, J. Yi, J. Bailey, "Symmetric Cross Entropy for
           Robust Learning with Noisy Labels", ICCV 2019.

    Examples
    --------
    >>> import torch
    >>> from sklearn_lip.losses import SymmetricCrossEntropy
    >>> logits, target = torch.zeros(2, 4), torch.tensor([0, 3])  # p_y = 0.25
    >>> loss = SymmetricCrossEntropy(alpha=0.1, beta=1.0)(logits, target)
    >>> round(float(loss), 4)  # 0.1 * log(4) + 4 * (1 - 0.25)
    3.1386
    """

    def __init__(self, alpha=0.1, beta=1.0, log_zero=-4.0):
        super().__init__()
        if alpha < 0 or beta < 0 or alpha + beta == 0:
            raise ValueError(
                f"alpha and beta must be non-negative and not both 0; got {alpha!r}, {beta!r}."
            )
        if not log_zero < 0:
            raise ValueError(f"log_zero must be negative; got {log_zero!r}.")
        self.alpha, self.beta, self.log_zero = float(alpha), float(beta), float(log_zero)

    def row_loss(self, input, target):
        """Per-row ``alpha`` cross-entropy plus ``beta`` reverse cross-entropy."""
        log_p_y = F.log_softmax(input, dim=1).gather(1, target[:, None])[:, 0]
        reverse = -self.log_zero * (1 - torch.exp(log_p_y))
        return -self.alpha * log_p_y + self.beta * reverse


class ForwardCorrectedCrossEntropy(_RowLoss):
    """Forward loss correction, ``-log (p^T T)_y`` (Patrini et al., 2017).

    The network's softmax ``p`` estimates the *clean* class; multiplying by the transition
    matrix gives the distribution of the observed noisy label, which the loss fits. Predictions
    then come from ``p`` itself.

    Parameters
    ----------
    transition_matrix : array-like of shape (n_classes, n_classes)
        Row-stochastic, ``T[i, j] = P(noisy label = j | true label = i)`` (the convention of
        :mod:`sklearn_lip.noise`), rows and columns in class order. Required: there is no
        default. :class:`~sklearn_lip.neural.LIPClassifier` with ``criterion="forward"``
        estimates it when it is not given.

    Attributes
    ----------
    transition_matrix : Tensor of shape (n_classes, n_classes)
        The matrix as float32 (a buffer, so it follows the module to its device).

    References
    ----------
    .. [1] G. Patrini, A. Rozza, A. K. Menon, R. Nock, L. Qu, "Making Deep Neural Networks
           Robust to Label Noise: a Loss Correction Approach", CVPR 2017.

    Examples
    --------
    >>> import torch
    >>> from sklearn_lip.losses import CrossEntropy, ForwardCorrectedCrossEntropy
    >>> T = [[0.8, 0.2], [0.2, 0.8]]  # 20% of each class's labels flipped
    >>> logits, target = torch.tensor([[2.0, 0.0]]), torch.tensor([1])  # p = (0.88, 0.12)
    >>> round(float(ForwardCorrectedCrossEntropy(T)(logits, target)), 4)  # -log (p^T T)_1
    1.3037
    >>> round(float(CrossEntropy()(logits, target)), 4)  # -log p_1: a flip costs more
    2.1269
    """

    def __init__(self, transition_matrix):
        super().__init__()
        T = np.asarray(transition_matrix, dtype=np.float64)
        if (
            T.ndim != 2
            or T.shape[0] != T.shape[1]
            or not np.all(np.isfinite(T))
            or np.any(T < 0)
            or not np.allclose(T.sum(axis=1), 1, atol=1e-6)
        ):
            raise ValueError(
                "transition_matrix must be a square, non-negative, row-stochastic matrix "
                f"(rows summing to 1); got {T!r}."
            )
        self.register_buffer("transition_matrix", torch.as_tensor(T, dtype=torch.float32))

    def row_loss(self, input, target):
        """Per-row ``-log (p T)_y``: the cross-entropy of the noisy-label probabilities."""
        noisy = F.softmax(input, dim=1) @ self.transition_matrix.to(input.dtype)
        tiny = torch.finfo(input.dtype).tiny
        return -torch.log(noisy.gather(1, target[:, None])[:, 0].clamp_min(tiny))


class ClassifierConsistentLoss(_RowLoss):
    """Classifier-consistent partial-label loss, ``-log sum_{j in S} p_j`` (Feng et al., 2020).

    ``S`` is the row's candidate set; for a single candidate this is the cross-entropy. It
    takes no constructor arguments and is ``criterion="cc"`` of
    :class:`~sklearn_lip.neural.LIPClassifier`. ``target`` is the batch's candidate rows:
    0/1 floats of shape (batch, n_classes), at least one candidate per row.

    References
    ----------
    .. [1] L. Feng, J. Lv, B. Han, M. Xu, G. Niu, X. Geng, B. An, M. Sugiyama, "Provably
           Consistent Partial-Label Learning", NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> from sklearn_lip.losses import ClassifierConsistentLoss
    >>> candidates = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    >>> loss = ClassifierConsistentLoss()(torch.zeros(1, 4), candidates)
    >>> round(float(loss), 4)  # -log(1/4 + 1/4)
    0.6931
    """

    def row_loss(self, input, target):
        """Per-row ``-log`` of the probability mass on the candidate set."""
        masked = input.masked_fill(target <= 0, float("-inf"))
        return torch.logsumexp(input, dim=1) - torch.logsumexp(masked, dim=1)


class ProdenLoss(_RowLoss):
    """PRODEN: cross-entropy against per-row confidences over the candidates (Lv et al., 2020).

    Row loss ``-sum_{j in S} c_j log p_j``. The confidences ``c`` start uniform over each
    candidate set and, after each training batch, become the model's own probabilities
    restricted to the candidates and renormalized, ``c_j = p_j [j in S] / sum_{i in S} p_i``
    (from the batch's predictions before the optimizer step; the reference code re-runs the
    model after the step). Updates happen only in training mode, so a validation pass leaves
    them unchanged.

    Parameters
    ----------
    candidates : array-like of shape (n_samples, n_classes)
        0/1 candidate matrix of the training rows; every row needs a candidate.

    Attributes
    ----------
    candidates : Tensor of shape (n_samples, n_classes)
        The candidate matrix (a buffer).
    confidence : Tensor of shape (n_samples, n_classes)
        Current confidences (a buffer).

    Notes
    -----
    ``target`` is the batch's row indices into ``candidates``.

    References
    ----------
    .. [1] J. Lv, M. Xu, L. Feng, G. Niu, X. Geng, M. Sugiyama, "Progressive Identification of
           True Labels for Partial-Label Learning", ICML 2020.

    Examples
    --------
    >>> import torch
    >>> from sklearn_lip.losses import ProdenLoss
    >>> loss = ProdenLoss([[1, 1, 0], [0, 1, 1]])  # two training rows, two candidates each
    >>> loss.confidence[0].tolist()  # uniform over the candidates at the start
    [0.5, 0.5, 0.0]
    >>> round(float(loss(torch.zeros(2, 3), torch.tensor([0, 1]))), 4)  # rows 0 and 1: log(3)
    1.0986

    In training mode each call moves the confidences of its rows to the model's probabilities
    over their candidates:

    >>> _ = loss(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]))  # row 0 only
    >>> [round(c, 4) for c in loss.confidence[0].tolist()]  # softmax of (2, 0) on {0, 1}
    [0.8808, 0.1192, 0.0]
    >>> _ = loss.eval()(torch.zeros(1, 3), torch.tensor([0]))  # evaluation: no update
    >>> [round(c, 4) for c in loss.confidence[0].tolist()]
    [0.8808, 0.1192, 0.0]
    """

    def __init__(self, candidates):
        super().__init__()
        candidates = torch.as_tensor(np.asarray(candidates), dtype=torch.float32)
        totals = candidates.sum(dim=1, keepdim=True)
        if candidates.ndim != 2 or torch.any(candidates < 0) or torch.any(totals <= 0):
            raise ValueError(
                "candidates must be a non-negative matrix (n_samples, n_classes) with at least "
                "one candidate per row."
            )
        self.register_buffer("candidates", candidates)
        self.register_buffer("confidence", candidates / totals)

    def row_loss(self, input, target):
        """Per-row cross-entropy against the rows' current candidate confidences."""
        log_p = F.log_softmax(input, dim=1)
        loss = -(self.confidence[target].to(log_p.dtype) * log_p).sum(dim=1)
        if self.training:
            # Softmax of the logits over the candidates only: the renormalized restriction of
            # p, computed without underflow when every candidate has a tiny probability.
            restricted = input.detach().masked_fill(self.candidates[target] <= 0, float("-inf"))
            self.confidence[target] = F.softmax(restricted, dim=1).to(self.confidence.dtype)
        return loss
