"""Numeric helpers the engine's test files share: a strict floating-point context, and
central finite differences (the second, independent check of every analytic gradient)."""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np


@contextmanager
def strict():
    """Any numpy floating-point event or warning inside becomes an exception."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` under :func:`strict`."""
    with strict():
        return fn(*args, **kwargs)


def finite_difference(f, x, h=1e-6):
    """Central differences of scalar ``f`` at every entry of ``x``."""
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g
