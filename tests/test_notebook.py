"""The notebook page "Use the engine from Python" (docs/notebooks/engine.py).

* The jupytext source runs top to bottom in a real kernel, as mkdocs-jupyter runs it
  at build time, and prints what the engine says (names, errors, minima, gradients);
  it also runs as a plain script, as a reader pasting the cells would.
* The built page holds those executed outputs, typeset formulas, and the Bokeh
  figure wired to the site's own BokehJS; no script or stylesheet comes from
  another host.
* In Chromium, from 127.0.0.1 and from ``file://``, the page makes no outside request
  and logs no error, and the figure's canvas shows every curve.
"""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from conftest import ROOT

from lossdocs import landscape, losses
from lossdocs.site import embed

SOURCE = ROOT / "docs" / "notebooks" / "engine.py"
PAGE = "notebooks/engine.html"
FIGURE_ID = "lossdocs-nb-regression-losses"
MINIMUM_LINE = re.compile(r"^(?P<label>.+?)\s+w = (?P<w>\S+), b = (?P<b>\S+), L = (?P<L>\S+)$", re.M)
# The slot's inert JSON (nbconvert may write the two attributes in either order).
ITEM = re.compile(r'<script (?=[^>]*class="lossdocs-item")(?=[^>]*type="application/json")[^>]*>(?P<item>.*?)</script>',
                  re.S)


def expected_errors() -> list[str]:
    """The engine's own messages for the bad calls the notebook makes."""
    calls = [
        lambda: losses.get("huber").value(1.0, 0.0, delta=-1.0),
        lambda: losses.get("bce").value(1.5, 1.0),
        lambda: losses.get("mse").value(np.zeros(3), np.zeros(4)),
        lambda: losses.get("no-such-loss"),
    ]
    messages = []
    for call in calls:
        with pytest.raises(ValueError) as err:
            call()
        messages.append(f"ValueError: {err.value}")
    return messages


def figure_item(html: str, page_dir: Path | None = None) -> dict:
    """The one Bokeh figure's json_item: inline (as the notebook writes it), or in the file
    the build moved it to (``data-src``, relative to ``page_dir``)."""
    inline = [m for m in ITEM.findall(html) if m.strip()]
    moved = re.findall(r'<script type="application/json" class="lossdocs-item" data-src="([^"]+)"></script>', html)
    assert len(inline) + len(moved) == 1, "expected exactly one Bokeh figure for the loader"
    if inline:
        return json.loads(inline[0])
    text = (page_dir / moved[0]).read_text()
    item = json.loads(json.loads(text[text.index("JSON.parse(") + len("JSON.parse("):text.rindex(")")]))
    item["target_id"] = FIGURE_ID  # the loader takes it from the slot
    return item


def check_figure_item(item: dict) -> None:
    assert item["target_id"] == FIGURE_ID
    text = json.dumps(item, ensure_ascii=False)
    for name in losses.names("regression"):
        assert f'"value": "{landscape.choice_label(name, {})}"' in text, name


# ------------------------------------------------------------ the source itself


@pytest.fixture(scope="module")
def executed():
    """The notebook as mkdocs-jupyter builds it: jupytext -> nbformat -> nbclient."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(SOURCE)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(SOURCE.parent)}}).execute()
    return [c for c in nb.cells if c.cell_type == "code"]


def stdout_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def all_stdout(cells) -> str:
    return "".join(stdout_of(c) for c in cells)


def test_notebook_runs_without_errors_or_warnings(executed):
    for cell in executed:
        for out in cell.outputs:
            assert out.output_type != "error", out
            assert not (out.output_type == "stream" and out.name == "stderr"), out.text


def test_notebook_prints_the_registry(executed):
    first = stdout_of(executed[0]).splitlines()
    assert ast.literal_eval(first[0]) == losses.names()
    assert ast.literal_eval(first[1]) == losses.names("regression")
    for name in losses.names():
        assert losses.get(name).label in all_stdout(executed)


def test_notebook_shows_each_bad_input_caught(executed):
    out = all_stdout(executed)
    for message in expected_errors():
        assert message in out


def test_notebook_finite_differences_agree_with_the_gradients(executed):
    out = all_stdout(executed)
    worst = dict(re.findall(r"^(\w+)\s+largest difference (\S+)$", out, re.M))
    assert set(worst) == set(losses.names())
    assert all(float(v) < 1e-6 for v in worst.values()), worst


def test_notebook_minima_are_the_engines(executed):
    preset = landscape.PRESETS["outliers"]
    lines = {m["label"].strip(): m for m in MINIMUM_LINE.finditer(all_stdout(executed))}
    coarse = lines.pop("lowest grid cell:")
    w, b = landscape.axes(preset, n=101)
    grid = landscape.loss_grid("mse", preset.x, preset.y, w, b)
    i, j = np.unravel_index(np.argmin(grid), grid.shape)
    assert (coarse["w"], coarse["b"]) == (f"{w[j]:.3f}", f"{b[i]:.3f}")
    printed = lines
    choices = [("mse", {}), ("huber", {"delta": 0.3}), ("mae", {})]
    assert set(printed) == {landscape.choice_label(n, p) for n, p in choices}
    for name, params in choices:
        w, b, loss = landscape.minimum(name, preset, **params)
        m = printed[landscape.choice_label(name, params)]
        assert float(m["w"]) == pytest.approx(w, abs=1e-4)
        assert float(m["b"]) == pytest.approx(b, abs=1e-4)
        assert float(m["L"]) == pytest.approx(loss, abs=1e-4)


def test_notebook_ends_with_the_figure_for_the_site(executed):
    outputs = [o for o in executed[-1].outputs if o.output_type in ("display_data", "execute_result")]
    assert len(outputs) == 1
    html = outputs[0]["data"]["text/html"]
    # BokehJS is not loaded with the page: the slot names its folder, the loader fetches it.
    assert f'data-bokeh="../{embed.BOKEH_DIR}/"' in html and "<script src=" not in html
    check_figure_item(figure_item(html))


def test_notebook_also_runs_as_a_plain_script():
    proc = subprocess.run([sys.executable, str(SOURCE)], cwd=SOURCE.parent,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert ast.literal_eval(proc.stdout.splitlines()[0]) == losses.names()


def test_stable_cell_ids_number_cells_in_page_order():
    from lossdocs.site.notebook import stable_cell_ids

    def page(a, b):
        return (f'<div id="cell-id={a}" class="jp-Cell"><div id="cell-1" class="clipboard-copy-txt">'
                f'</div></div><div  id="cell-id={b}" class="jp-Cell"></div>')

    once, again = stable_cell_ids(page("1c27d5e6", "9f0e")), stable_cell_ids(page("77aa01b2", "c3"))
    assert once == again  # random ids from two reads of the notebook: the same page
    assert re.findall(r'id="([^"]+)"', once) == ["nb-cell-1", "cell-1", "nb-cell-2"]


# ------------------------------------------------------------ the built page


@pytest.fixture(scope="module")
def page(site_dir):
    from bs4 import BeautifulSoup

    html = (site_dir / PAGE).read_text(encoding="utf-8")
    return html, BeautifulSoup(html, "html.parser")


@pytest.mark.build
def test_page_has_the_site_frame_and_a_title(page):
    html, soup = page
    assert "Use the engine from Python" in soup.title.get_text()
    assert soup.find("h1").get_text(strip=True).startswith("Use the engine from Python")
    assert soup.select_one("header.md-header") is not None
    assert soup.select_one("nav.md-nav") is not None
    assert soup.select_one(".jupyter-wrapper") is not None


@pytest.mark.build
def test_page_holds_the_executed_outputs(page):
    html, soup = page
    text = "\n".join(el.get_text() for el in soup.select(".jp-OutputArea-output"))
    assert str(losses.names()) in text
    for message in expected_errors():
        assert message in text
    assert "largest difference" in text
    w, b, _ = landscape.minimum("mae", landscape.PRESETS["outliers"])
    assert f"w = {w:.4f}, b = {b:.4f}" in text


@pytest.mark.build
def test_page_formulas_are_typeset_at_build_time(page):
    html, soup = page
    assert len(soup.select(".lossdocs-math .katex")) >= 2  # Huber's formula, the central difference
    assert soup.select(".arithmatex") == []  # nothing left for a client-side renderer


@pytest.mark.build
def test_page_loads_nothing_from_another_host(page, site_dir):
    """Scripts and stylesheets are the site's own files (or inline ``data:``), none from a CDN."""
    html, soup = page
    for tag in soup.find_all(["script", "link"]):
        url = (tag.get("src") or tag.get("href") or "").strip()
        parts = urlsplit(url)
        assert not url.startswith(("http:", "https:", "//")) and not parts.netloc, str(tag)[:200]
        if url and parts.scheme != "data" and tag.name == "script":
            assert (site_dir / "notebooks" / parts.path).resolve().is_file(), url


@pytest.mark.build
def test_page_embeds_the_figure_with_the_sites_bokeh(page, site_dir):
    html, soup = page
    assert soup.find(id=FIGURE_ID) is not None
    frame = soup.find(id=FIGURE_ID).parent
    assert frame.select_one(".lossdocs-figure svg polyline") is not None  # the prerendered picture
    assert [s["src"] for s in soup.find_all("script", src=True) if "/bokeh" in s["src"]] == []  # loaded lazily
    folder = frame["data-bokeh"]
    assert folder == f"../{embed.BOKEH_DIR}/"
    for name in embed.BOKEH_FILES:
        assert (site_dir / "notebooks" / folder / name).resolve().is_file()
    check_figure_item(figure_item(html, site_dir / "notebooks"))


# ------------------------------------------------------------ in Chromium

FIGURE_DRAWN = """(id) => {
  const root = document.getElementById(id)
  if (!root || !window.Bokeh || !Bokeh.documents || Bokeh.documents.length === 0) return false
  for (const doc of Bokeh.documents) {
    for (const r of doc.roots()) {
      const view = Bokeh.index.get_by_id(r.id)
      if (!view || !view.has_finished()) return false
    }
  }
  const deep = (node) => [...node.querySelectorAll("canvas"),
    ...[...node.querySelectorAll("*")].filter((el) => el.shadowRoot).flatMap((el) => deep(el.shadowRoot))]
  const canvases = deep(root)
  return canvases.length > 0 && canvases.every((c) => c.width > 0 && c.height > 0)
}"""


def colour_pixels(png: bytes, hex_color: str, tol: int = 24) -> int:
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    want = np.array([int(hex_color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)])
    return int((np.abs(rgb - want).max(axis=-1) <= tol).sum())


@pytest.mark.browser
@pytest.mark.parametrize("origin", ["server", "file"])
def test_figure_is_drawn_with_no_outside_request(origin, browser, server, site_dir):
    from browser import watch
    from pagetools import hydrate, scroll_into_view

    url = server.url + PAGE if origin == "server" else (site_dir / PAGE).resolve().as_uri()
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        page = context.new_page()
        log = watch(page)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        hydrate(page)
        page.wait_for_function(FIGURE_DRAWN, arg=FIGURE_ID, timeout=10_000)
        figure = page.locator(f"#{FIGURE_ID}")
        scroll_into_view(figure)
        png = figure.screenshot(animations="disabled")
        line_colours = set(re.findall(r'"line_color": "(#[0-9A-Fa-f]{6})", "line_width"',
                                      json.dumps(figure_item((site_dir / PAGE).read_text(),
                                                             (site_dir / PAGE).parent))))
        assert len(line_colours) == len(losses.names("regression"))
        for colour in line_colours:  # every curve is on the canvas
            assert colour_pixels(png, colour) > 200, colour
        assert log.problems() == []
        assert all(not r.startswith(("http://", "https://")) or r.startswith(server.url)
                   for r in log.requests), log.requests
    finally:
        context.close()


def test_prune_css_keeps_rules_that_can_match_and_drops_the_rest():
    from lossdocs.site.notebook import prune_css

    css = ("@charset \"UTF-8\";.a .b{color:red}.a .zz{color:blue}.zz,.b:hover{x:1}"
           "@media (max-width:10px){.zz{y:2}.a{y:3}}@font-face{font-family:F}p{m:0}.b:not(.zz){k:1}")
    out = prune_css(css, {"a", "b"})
    assert ".a .b{color:red}" in out and ".zz" not in out.replace(":not(.zz)", "")
    assert ".b:hover{x:1}" in out and "@media (max-width:10px){.a{y:3}}" in out
    assert "@font-face{font-family:F}" in out and "p{m:0}" in out and "@charset" in out
    assert ".b:not(.zz){k:1}" in out


@pytest.mark.build
def test_notebook_page_ships_only_the_notebook_css_it_uses(page):
    html, soup = page
    styles = sum(len(s.get_text()) for s in soup.find_all("style"))
    assert styles < 200_000, f"{styles} characters of inline CSS on the notebook page"
    assert ".jupyter-wrapper" in html and "jp-CodeCell" in html


def test_steady_streams_merges_a_print_the_kernel_flushed_twice(tmp_path, monkeypatch):
    """A print whose text and newline left the kernel in two flushes made two output
    blocks, and two clean builds of the page differed. With ``steady_streams`` the
    exporter mkdocs-jupyter builds (an HTMLExporter from an NbConvertApp's config, with
    the notebook executed by its preprocessors) merges them into one."""
    import os

    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.nbconvertapp import NbConvertApp

    from lossdocs.site import notebook

    code = "import sys, time\nprint('a', end='', flush=True)\ntime.sleep(0.5)\nprint('b')\nprint('c', file=sys.stderr)"

    def outputs():
        app = NbConvertApp()
        app.load_config_file()
        config = app.config
        config.ExecutePreprocessor.enabled = True  # as mkdocs-jupyter's execute: true
        config.ExecutePreprocessor.timeout = 60
        exporter = HTMLExporter(config=config)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        for step in exporter._preprocessors:  # in the exporter's order, the two that matter here
            if step.enabled and type(step).__name__ in ("ExecutePreprocessor", "CoalesceStreamsPreprocessor"):
                nb, _ = step.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
        return [(o["name"], o["text"]) for o in nb.cells[0].outputs]

    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "user"))  # no user config
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "")
    assert outputs() == [("stdout", "a"), ("stdout", "b\n"), ("stderr", "c\n")]

    notebook.steady_streams(tmp_path / "config")
    assert outputs() == [("stdout", "ab\n"), ("stderr", "c\n")]
    notebook.steady_streams(tmp_path / "config")  # idempotent
    assert [p for p in os.environ["JUPYTER_CONFIG_PATH"].split(os.pathsep) if p] == [str(tmp_path / "config")]
