"""Generated reference tables: static HTML built from the loss registry.

Data flow: engine -> **tables** (site layer) -> hook. A page asks for a table with ``<!-- table: NAME -->``; the
names are the keys of ``TABLES``. Formulas are emitted as arithmatex markup, so
the hook's KaTeX pass typesets them like any other formula on the page.
"""

from __future__ import annotations

from functools import partial
from html import escape

import numpy as np

from lossdocs import losses
from lossdocs.site import svg

# The prediction's symbol in plain text, for the gradient's label.
SYMBOLS = {"value": "ŷ", "probability": "ŷ", "logit": "z", "score": "s"}
VALUE_COLOR = "#0072B2"
GRAD_COLOR = "#D55E00"


def _math(latex: str) -> str:
    return f'<span class="arithmatex">\\({escape(latex)}\\)</span>'


def sparkline(loss: losses.Loss) -> str:
    """A small picture of the loss (solid) and its gradient (dashed) around the truth."""
    if loss.output in ("logit", "score"):
        x = np.linspace(-6.0, 6.0, 121)
        target = loss.labels[-1] if loss.labels else 1.0
        xlabel, ylim = f"{'z' if loss.output == 'logit' else 's'} (label {target:+g})", (-2.5, 6.0)
    elif loss.kind == "classification":
        x = np.linspace(0.01, 0.99, 99)
        target, xlabel, ylim = 1.0, "p (label 1)", (-6.0, 6.0)
    else:
        x = np.linspace(-3.0, 3.0, 121)
        target, xlabel, ylim = 0.0, "prediction (truth 0)", (-2.5, 4.5)
    params = loss.defaults()
    chart = svg.Chart(
        title=f"{loss.label}: loss and gradient", xlabel=xlabel, ylabel="", xlim=(float(x[0]), float(x[-1])),
        ylim=ylim, width=260, height=150,
        series=[svg.Series(x, loss.value(x, target, **params), "", VALUE_COLOR, width=2),
                svg.Series(x, loss.grad(x, target, **params), "", GRAD_COLOR, dashed=True, width=2)],
    )
    desc = (f"{loss.label} (solid) and its gradient (dashed) for predictions around a true value of "
            f"{target:g}" + (f", with {', '.join(f'{k} = {v:g}' for k, v in params.items())}" if params else ""))
    return svg.render(chart, desc)


def loss_comparison(kind: str | None = None) -> str:
    """One row per registered loss (only those of ``kind``, if given): what it is, its
    formulas, trade-offs and a picture."""
    kinds = sorted({loss.kind for loss in losses.REGISTRY.values()})
    if kind is not None and kind not in kinds:
        raise ValueError(f"kind must be one of {kinds} or None, got {kind!r}")
    head = ("Loss", "Formula and gradient", "Concept", "Pros", "Cons", "Best use")
    rows = []
    for loss in losses.REGISTRY.values():
        if kind is not None and loss.kind != kind:
            continue
        robust = "robust to outliers" if loss.robust else "not robust to outliers"
        cells = [
            f'<strong>{escape(loss.label)}</strong><br><span class="lossdocs-muted">{escape(loss.short)} · '
            f"{escape(loss.kind)} · {robust}</span>{sparkline(loss)}",
            f'ℓ = {_math(loss.latex)}<br><span class="lossdocs-muted">∂ℓ/∂{SYMBOLS[loss.output]} =</span> '
            f"{_math(loss.grad_latex)}",
            escape(loss.concept), escape(loss.pros), escape(loss.cons), escape(loss.best_use),
        ]
        # Cells on lines of their own: search reads them as separate words, not one run.
        rows.append(f'<tr data-loss="{loss.name}">\n' + "\n".join(f"<td>{c}</td>" for c in cells) + "\n</tr>")
    # --rows sizes the placeholder the browser keeps for the table while it skips it
    # (lossdocs.css): a row is up to 20rem tall on a phone.
    return (
        f'<div class="lossdocs-table" markdown="0" style="--rows: {len(rows)}">'
        '<table class="lossdocs-comparison">\n<thead><tr>'
        + "\n".join(f"<th>{h}</th>" for h in head)
        + "</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table></div>"
    )


def stability_number(v: float) -> str:
    """A number of the stability table: −inf, inf, 0, 9 significant digits (so float32's
    rounding shows), or 3.72 × 10^−44 for tiny ones."""
    if np.isinf(v):
        return "−inf" if v < 0 else "inf"
    if v == 0:
        return "0"
    if abs(v) < 1e-3:
        mantissa, exponent = f"{v:.2e}".split("e")
        return f"{mantissa.replace('-', '−')} × 10<sup>{str(int(exponent)).replace('-', '−')}</sup>"
    return f"{v:.9g}".replace("-", "−")


WAYS = (("naive", "naive float32"), ("stable", "stable (softplus)"), ("torch_clamp", "PyTorch clamp −100"),
        ("keras_clip", "Keras clip 1e−7"))


def logit_stability() -> str:
    """log σ(z), then BCE with label 0, at large |z|, each four ways
    (``classification.stability_table``): two tables of five columns, so each fits a page."""
    from lossdocs import classification

    table = classification.stability_table()
    blocks = (("log_sigmoid", "log σ(z)"), ("bce0", "BCE with label 0: −log(1 − σ(z))"))
    out = []
    for block, caption in blocks:
        rows = []
        for r in table:
            cells = [f'<th scope="row">{stability_number(r["z"])}</th>']
            cells += [f"<td>{stability_number(r[block][w])}</td>" for w, _ in WAYS]
            rows.append(f'<tr data-block="{block}" data-z="{r["z"]:g}">\n' + "\n".join(cells) + "\n</tr>")
        head = '<tr><th scope="col">z</th>' + "".join(f'<th scope="col">{label}</th>' for _, label in WAYS) + "</tr>"
        # The wrapper scrolls sideways on a phone: focusable, so a keyboard can scroll it too.
        # No class on the table, so Material gives it its own table style.
        out.append(f'<div class="lossdocs-table" markdown="0" tabindex="0" role="region" aria-label="{caption}">'
                   '<table data-table="logit-stability" '
                   f'style="white-space: nowrap"><caption>{caption}</caption>\n<thead>' + head
                   + "</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table></div>")
    return "\n".join(out)


# The comparison comes as one table per kind of loss, each under its own heading: shorter
# tables read better on a phone, and the second starts below the first screen, where the
# browser skips it until the reader scrolls there (see lossdocs.css).
TABLES = {
    "loss-comparison-regression": partial(loss_comparison, "regression"),
    "loss-comparison-classification": partial(loss_comparison, "classification"),
    "logit-stability": logit_stability,
}


def render(name: str) -> str:
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}; known tables: {', '.join(sorted(TABLES))}")
    return TABLES[name]()
