"""One-hot sequences that also answer the 2016 tutorial's four-axis index.

DragoNN 2016 (Keras 1 on Theano, channels first) stored one-hot DNA as (N, 1, 4, L), and both 2016
workshop notebooks show a sequence with ``simulation_data.X_train[0, :, :, :10]``: a (1, 4, 10)
matrix, one row per base A, C, G, T (June 2016: dragonn 74e857a ``examples/workshop_tutorial.ipynb``
cell 11; December 2016: dragonn 2fe84c8, cell 11). Keras 3 is channels last, so the arrays here
are (N, L, 4) and that index has one axis too many. ``get_simulation_data`` returns its arrays as
:class:`OneHotArray` so the 2016 cell still runs and shows the 2016 matrix.
"""

from __future__ import annotations

import numpy as np


class OneHotArray(np.ndarray):
    """float32 (N, L, 4) one-hot DNA; an index of exactly four entries reads the 2016 layout.

    ``X[n, 0, b, i]`` is base ``b`` (A, C, G, T) at position ``i`` of sequence ``n``, as in 2016's
    (N, 1, 4, L); it is read from a transposed view, so nothing is copied until the result is
    used. Every other index, arithmetic and reductions behave as on a plain ``numpy.ndarray`` and
    return plain arrays: Keras, the metrics and the plots see ordinary (N, L, 4) data.

    Create one with ``array.view(OneHotArray)`` (no copy).
    """

    def __getitem__(self, key):
        plain = self.view(np.ndarray)
        if self.ndim == 3 and _is_2016_index(key):
            return plain.transpose(0, 2, 1)[:, np.newaxis][key]
        return plain[key]

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        inputs = tuple(_plain(value) for value in inputs)
        if out is not None:
            kwargs["out"] = tuple(_plain(value) for value in out)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


def _is_2016_index(key) -> bool:
    """Four plain entries: no Ellipsis or newaxis, which already mean something in (N, L, 4)."""
    return (
        isinstance(key, tuple)
        and len(key) == 4
        and not any(entry is Ellipsis or entry is None for entry in key)
    )


def _plain(value):
    return value.view(np.ndarray) if isinstance(value, OneHotArray) else value
