"""The widgets' CustomJS bodies: ``.js`` files beside their builders, read by name."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def js(*names: str) -> str:
    """The named ``.js`` files of this folder, joined in order: a helper shared by two
    bodies (``grid_codes.js``) goes before the body that calls it."""
    return "\n".join((HERE / name).read_text(encoding="utf-8") for name in names)
