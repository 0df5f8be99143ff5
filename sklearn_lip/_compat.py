"""Private scikit-learn imports used by sklearn_lip, gathered in one place.

scikit-learn moves its private helpers between releases; importing them from here means a
future move is fixed in one file.
"""

# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import _check_method_params, _check_sample_weight, _num_samples

__all__ = [
    "HasMethods",
    "Interval",
    "MetadataRouter",
    "MethodMapping",
    "StrOptions",
    "_check_method_params",
    "_check_sample_weight",
    "_fit_context",
    "_num_samples",
    "_raise_for_params",
    "get_chunk_n_rows",
    "_routing_enabled",
    "_safe_indexing",
    "process_routing",
]
