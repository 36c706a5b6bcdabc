"""Widget-building helpers shared by the widget tests: build a widget once per test
session, and find one of its Bokeh models by name."""

from __future__ import annotations

import functools
import importlib


@functools.cache
def built(name: str):
    """The layout of ``lossdocs.widgets.<name>``'s ``build()``, built once and shared."""
    return importlib.import_module(f"lossdocs.widgets.{name}").build()


def model(layout, name: str):
    """The model of ``layout`` called ``name``; fails the test if there is none."""
    found = layout.select_one({"name": name})
    assert found is not None, f"no model named {name!r}"
    return found
