"""Input gradients on every Keras backend.

Keras 3 has no backend-neutral ``grad`` (``keras.ops.grad`` is still a proposal), so this is the
one place that calls the backend's own autodiff: TensorFlow's ``GradientTape``, ``jax.grad`` and
``torch.autograd``. Everything that calls :func:`gradient` is written in ``keras.ops``.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np


def gradient(fn: Callable, x: np.ndarray, *constants) -> np.ndarray:
    """Gradient of ``sum(fn(x, *constants))`` with respect to ``x``.

    Parameters
    ----------
    fn : callable mapping a backend tensor shaped like ``x`` to a tensor (any shape) built from
        ``keras.ops``; summing its output gives the scalar that is differentiated. Use a
        per-example output (one value per row) so that each row's gradient is its own.
    x : ndarray (float32), any shape.
    *constants : further arguments of ``fn`` (tensors or lists of tensors) that are not
        differentiated. Pass data here rather than capturing it in ``fn``: under JAX a captured
        array becomes a compile-time constant that XLA may spend seconds constant-folding.

    Returns
    -------
    ndarray of ``x``'s shape and dtype float32.
    """
    x = np.asarray(x, dtype=np.float32)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensor = tf.convert_to_tensor(x)
        # watch only the input: recording the weights would add a kernel gradient per conv
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(tensor)
            total = tf.reduce_sum(fn(tensor, *constants))
        return tape.gradient(total, tensor).numpy()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        # one compiled program instead of op-by-op dispatch (each op would compile on its own)
        summed = jax.grad(lambda t, *c: jnp.sum(fn(t, *c)))
        return np.asarray(jax.jit(summed)(jnp.asarray(x), *constants))
    if backend == "torch":
        import torch

        device = keras.ops.convert_to_tensor(np.zeros(1, dtype=np.float32)).device
        tensor = torch.tensor(x, device=device, requires_grad=True)
        with torch.enable_grad():
            total = torch.sum(fn(tensor, *constants))
            (grad,) = torch.autograd.grad(total, tensor)
        return grad.detach().cpu().numpy()
    raise NotImplementedError(
        f"gradients are implemented for the tensorflow, jax and torch backends, not {backend!r}"
    )
