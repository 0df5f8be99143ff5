"""Tests of sklearn_lip.losses: values against hand-computed small cases."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn_lip.losses import (  # noqa: E402
    ClassifierConsistentLoss,
    CrossEntropy,
    ForwardCorrectedCrossEntropy,
    GeneralizedCrossEntropy,
    LabelSmoothingCrossEntropy,
    ProdenLoss,
    SymmetricCrossEntropy,
)

# softmax of these logits is (0.75, 0.25)
LOGITS = torch.tensor([[math.log(3.0), 0.0]])


def value(loss, logits, target, sample_weight=None):
    return loss(logits, target, sample_weight).item()


def test_cross_entropy_uniform_logits():
    assert value(CrossEntropy(), torch.zeros(2, 4), torch.tensor([0, 3])) == pytest.approx(
        math.log(4)
    )


def test_label_smoothing_matches_the_smoothed_target():
    # p = (0.75, 0.25); target 0, smoothing 0.3: weights (0.7 + 0.15, 0.15)
    expected = -(0.85 * math.log(0.75) + 0.15 * math.log(0.25))
    loss = LabelSmoothingCrossEntropy(smoothing=0.3)
    assert value(loss, LOGITS, torch.tensor([0])) == pytest.approx(expected, rel=1e-6)
    assert value(LabelSmoothingCrossEntropy(0.0), LOGITS, torch.tensor([0])) == pytest.approx(
        -math.log(0.75), rel=1e-6
    )


def test_generalized_cross_entropy():
    assert value(GeneralizedCrossEntropy(q=0.5), LOGITS, torch.tensor([0])) == pytest.approx(
        (1 - math.sqrt(0.75)) / 0.5, rel=1e-6
    )
    # q = 1 is the mean absolute error 1 - p_y; q -> 0 tends to the cross-entropy.
    assert value(GeneralizedCrossEntropy(q=1.0), LOGITS, torch.tensor([1])) == pytest.approx(
        0.75, rel=1e-6
    )
    assert value(GeneralizedCrossEntropy(q=1e-4), LOGITS, torch.tensor([1])) == pytest.approx(
        -math.log(0.25), rel=1e-3
    )


def test_symmetric_cross_entropy():
    loss = SymmetricCrossEntropy(alpha=0.1, beta=1.0, log_zero=-4.0)
    expected = 0.1 * -math.log(0.75) + 1.0 * 4.0 * 0.25
    assert value(loss, LOGITS, torch.tensor([0])) == pytest.approx(expected, rel=1e-6)


def test_forward_correction():
    T = [[0.8, 0.2], [0.4, 0.6]]  # p @ T = (0.7, 0.3)
    loss = ForwardCorrectedCrossEntropy(T)
    assert value(loss, LOGITS, torch.tensor([1])) == pytest.approx(-math.log(0.3), rel=1e-6)
    identity = ForwardCorrectedCrossEntropy(np.eye(2))
    assert value(identity, LOGITS, torch.tensor([1])) == pytest.approx(-math.log(0.25), rel=1e-6)


def test_classifier_consistent_loss_sums_candidate_probabilities():
    logits = torch.log(torch.tensor([[0.1, 0.2, 0.3, 0.4]]))
    candidates = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    assert value(ClassifierConsistentLoss(), logits, candidates) == pytest.approx(
        -math.log(0.4), rel=1e-6
    )
    # A single candidate is the cross-entropy.
    one_hot = torch.tensor([[0.0, 1.0, 0.0, 0.0]])
    assert value(ClassifierConsistentLoss(), logits, one_hot) == pytest.approx(
        -math.log(0.2), rel=1e-6
    )


def test_proden_updates_confidences_in_training_mode_only():
    logits = torch.log(torch.tensor([[0.1, 0.2, 0.3, 0.4]]))
    loss = ProdenLoss([[0, 0, 0, 1], [1, 0, 1, 0]])
    index = torch.tensor([1])
    loss.eval()
    first = value(loss, logits, index)
    assert first == pytest.approx(-(0.5 * math.log(0.1) + 0.5 * math.log(0.3)), rel=1e-6)
    assert value(loss, logits, index) == pytest.approx(first)  # no update in eval mode
    loss.train()
    assert value(loss, logits, index) == pytest.approx(first)  # updated after the loss
    np.testing.assert_allclose(loss.confidence[1].numpy(), [0.25, 0, 0.75, 0], rtol=1e-6)
    np.testing.assert_allclose(loss.confidence[0].numpy(), [0, 0, 0, 1])  # untouched row
    assert value(loss, logits, index) == pytest.approx(
        -(0.25 * math.log(0.1) + 0.75 * math.log(0.3)), rel=1e-6
    )


def test_proden_confidence_survives_underflow():
    # Every candidate has probability ~0 in float32: the update must still sum to 1.
    loss = ProdenLoss([[1, 1, 0]])
    loss(torch.tensor([[-200.0, -201.0, 200.0]]), torch.tensor([0]))
    assert loss.confidence.sum().item() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "loss, target",
    [
        (CrossEntropy(), torch.tensor([0, 1])),
        (LabelSmoothingCrossEntropy(), torch.tensor([0, 1])),
        (GeneralizedCrossEntropy(), torch.tensor([0, 1])),
        (SymmetricCrossEntropy(), torch.tensor([0, 1])),
        (ForwardCorrectedCrossEntropy([[0.9, 0.1], [0.3, 0.7]]), torch.tensor([0, 1])),
        (ClassifierConsistentLoss(), torch.tensor([[1.0, 0.0], [1.0, 1.0]])),
        (ProdenLoss([[1, 0], [1, 1]]).eval(), torch.tensor([0, 1])),
    ],
)
def test_sample_weight_multiplies_row_losses(loss, target):
    logits = torch.tensor([[0.3, -0.2], [1.5, 0.1]])
    rows = [value(loss, logits[i : i + 1], target[i : i + 1]) for i in range(2)]
    weighted = value(loss, logits, target, torch.tensor([3.0, 1.0]))
    assert weighted == pytest.approx((3 * rows[0] + rows[1]) / 2, rel=1e-6)
    assert value(loss, logits, target) == pytest.approx(sum(rows) / 2, rel=1e-6)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: LabelSmoothingCrossEntropy(1.0), "smoothing"),
        (lambda: GeneralizedCrossEntropy(0.0), "q must"),
        (lambda: SymmetricCrossEntropy(0.0, 0.0), "alpha and beta"),
        (lambda: SymmetricCrossEntropy(log_zero=1.0), "log_zero"),
        (lambda: ForwardCorrectedCrossEntropy([[0.5, 0.6], [0.0, 1.0]]), "row-stochastic"),
        (lambda: ForwardCorrectedCrossEntropy([[1.0, 0.0]]), "square"),
        (lambda: ProdenLoss([[1, 0], [0, 0]]), "at least one candidate"),
    ],
)
def test_invalid_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()
