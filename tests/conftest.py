"""Fixtures shared by the test modules.

Settings needed while pytest collects a module (the small networks) cannot be fixtures: they
are in tests/_settings.py.
"""

import pytest
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run torch on one thread for the rest of the module, then restore the thread count.

    Tiny networks gain nothing from threads, and the test machine is shared. Modules that train
    networks request it with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``; torch
    is imported here, not at the top, so that the other modules never import it.

    Yields
    ------
    None
        Control goes back to the tests while torch runs on one thread.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def four_class_task():
    """A standardized 4-class task on which the small networks train, one copy per module.

    Returns
    -------
    X : ndarray of shape (300, 10)
        Standardized features, 6 of them informative.
    y : ndarray of shape (300,)
        Labels 0 to 3.
    """
    X, y = make_classification(
        n_samples=300, n_features=10, n_informative=6, n_classes=4, random_state=0
    )
    return StandardScaler().fit_transform(X), y
