"""The embedding's small pieces, without a build: the slot's markup, the item scripts the
loader fetches, and the quick-build switch. The build tests check the same on the built
site; these are fast enough for the mutation tester (scripts/mutate.py) to run them."""

import hashlib
import html
import json
import re

import pytest

from lossdocs import widgets
from lossdocs.site import embed, figures

ITEM = {"doc": {"roots": [{"id": "lossdocs-x-0", "note": "</script><!-- x"}]}, "root_id": "lossdocs-x-0",
        "version": "3"}


def run_item_script(body: str) -> dict:
    """The item script, run in V8 with a bare ``window``: what it registered."""
    from py_mini_racer import MiniRacer

    ctx = MiniRacer()
    ctx.eval("var window = {};")
    ctx.eval(body)
    return json.loads(ctx.eval("JSON.stringify(window.lossdocsItems)"))


@pytest.mark.parametrize("value, on", [("", False), ("0", False), ("false", False), (" No ", False),
                                       ("FALSE", False), ("1", True), ("yes", True), ("true", True)])
def test_quick_reads_the_environment(monkeypatch, value, on):
    monkeypatch.setenv(embed.QUICK_ENV, value)
    assert embed.quick() is on


def test_quick_is_off_when_unset(monkeypatch):
    monkeypatch.delenv(embed.QUICK_ENV, raising=False)
    assert embed.quick() is False


def test_script_json_is_compact_and_cannot_close_its_script():
    text = embed._script_json(ITEM)
    assert "</" not in text and "<!--" not in text
    assert ": " not in text and ", " not in text  # compact separators
    assert json.loads(text) == ITEM  # "<\/" and "<\!--" read back as the original


def test_slot_html_holds_figure_root_and_item():
    out = embed.slot_html("loss-explorer", "lossdocs-loss-explorer-2", ITEM, "<svg id='f'></svg>",
                          "What the figure shows", "../", heights=(877, 1039))
    assert out.startswith('<div class="lossdocs-widget" data-widget="loss-explorer" data-state="static" '
                          f'data-bokeh="../{embed.BOKEH_DIR}/" style="--lossdocs-h: 877px; '
                          '--lossdocs-h-narrow: 1039px">')
    assert "<figure class=\"lossdocs-figure\"><svg id='f'></svg><figcaption>What the figure shows</figcaption>" in out
    assert '<div class="lossdocs-widget__root" id="lossdocs-loss-explorer-2"></div>' in out
    m = re.search(r'<script type="application/json" class="lossdocs-item">(.*?)</script>', out, re.S)
    assert m and json.loads(m[1]) == dict(ITEM, target_id="lossdocs-loss-explorer-2")
    assert "target_id" not in ITEM  # the caller's item is not changed
    assert out.endswith("</div>")


def test_slot_html_without_heights_has_no_style():
    out = embed.slot_html("w", "t", ITEM, "<svg></svg>", "text", "")
    assert out.startswith(f'<div class="lossdocs-widget" data-widget="w" data-state="static" '
                          f'data-bokeh="{embed.BOKEH_DIR}/">\n<figure class="lossdocs-figure"><svg></svg>')


def test_item_script_registers_the_item_under_its_content_hash():
    name, body = embed.item_script(json.dumps(dict(ITEM, target_id="slot-1")))
    key = hashlib.sha256(embed._script_json(ITEM).encode()).hexdigest()[:16]
    assert name == f"{key}.js"
    assert run_item_script(body) == {key: ITEM}  # target id left out
    again, body2 = embed.item_script(json.dumps(dict(ITEM, target_id="slot-7")))
    assert (again, body2) == (name, body)  # one file for the same widget on two pages
    other, _ = embed.item_script(json.dumps(dict(ITEM, version="4")))
    assert other != name


def test_move_items_out_replaces_every_inline_item():
    a = embed.slot_html("a", "ta", ITEM, "<svg></svg>", "A", "../")
    b = embed.slot_html("b", "tb", dict(ITEM, version="9"), "<svg></svg>", "B", "../")
    keep = '<script type="application/json" id="__config">{"base": ".."}</script>'
    page, files = embed.move_items_out(f"<main>{a}<p>text</p>{b}{keep}</main>", "../")
    assert len(files) == 2
    refs = re.findall(r'<script type="application/json" class="lossdocs-item" data-src="([^"]+)"></script>', page)
    assert refs == [f"../{embed.ITEM_DIR}/{name}" for name in files]
    assert keep in page and "<p>text</p>" in page and '"doc"' not in page
    registered = {}
    for body in files.values():
        registered.update(run_item_script(body))
    assert sorted(registered.values(), key=lambda i: i["version"]) == [ITEM, dict(ITEM, version="9")]


class FakeCache:
    def __init__(self):
        self.asked = []

    def get(self, name):
        self.asked.append(name)
        return {"item": ITEM, "fallback_svg": "<svg>fig</svg>", "fallback_text": "caption & more"}


def test_widget_html_is_the_slot_of_the_cached_widget(monkeypatch):
    monkeypatch.delenv(embed.QUICK_ENV, raising=False)
    cache = FakeCache()
    out = embed.widget_html("loss-explorer", 3, cache, "../../")
    assert cache.asked == ["loss-explorer"]
    wide, narrow = widgets.get("loss-explorer").heights
    assert out == embed.slot_html("loss-explorer", "lossdocs-loss-explorer-3", ITEM, "<svg>fig</svg>",
                                  "caption & more", "../../", (wide, narrow))
    assert f"--lossdocs-h: {wide}px; --lossdocs-h-narrow: {narrow}px" in out


def test_widget_html_in_a_quick_build_skips_the_widget_but_not_the_check(monkeypatch):
    monkeypatch.setenv(embed.QUICK_ENV, "1")
    cache = FakeCache()
    out = embed.widget_html("loss-explorer", 0, cache, "")
    assert cache.asked == []
    assert 'class="lossdocs-widget lossdocs-widget--skipped" data-widget="loss-explorer"' in out
    assert "quick build" in html.unescape(out)
    with pytest.raises(ValueError, match="unknown widget 'nope'"):
        embed.widget_html("nope", 0, cache, "")


def test_bokeh_assets_are_the_installed_bokehjs_files():
    assets = embed.bokeh_assets()
    assert [dest for dest, _ in assets] == [f"{embed.BOKEH_DIR}/{name}" for name in embed.BOKEH_FILES]
    assert all(src.is_file() and src.name == dest.rsplit("/", 1)[1] for dest, src in assets)


def test_stable_ids_rename_each_id_once_in_order_of_first_appearance():
    """Every distinct id gets its own name (a shared name would merge two models), every
    reference to it the same one, and only string ids under "id" and "root_id" change."""
    item = {"root_id": "p9", "id": 7, "doc": {"roots": [{"id": "p9", "attributes": {
        "x": {"id": "p3"}, "y": [{"id": "p5"}, ("k", {"id": "p3"})], "name": "p5"}}]}}
    assert embed._stable_ids(item, "w") == {"root_id": "w-0", "id": 7, "doc": {"roots": [{"id": "w-0", "attributes": {
        "x": {"id": "w-1"}, "y": [{"id": "w-2"}, ["k", {"id": "w-1"}]], "name": "p5"}}]}}


def test_build_widget_gives_the_item_and_the_engine_drawn_figure():
    built = embed.build_widget("triplet")
    assert set(built) == {"item", "fallback_svg", "fallback_text"}
    assert (built["fallback_svg"], built["fallback_text"]) == figures.figure("triplet")
    assert built["item"]["root_id"] == "lossdocs-triplet-0" and built["item"]["target_id"] is None


# ---------------------------------------------------------------- widgets built side by side


def test_prefetch_builds_in_workers_what_this_process_would_build(tmp_path):
    """Widgets built in worker processes, while this one goes on, are byte for byte the
    ones built here, although this process made other Bokeh models first: Bokeh's ids
    count up per process, and none may reach a widget's output (a legend key's name once
    held one, so output changed with the order widgets were built in)."""
    cache = embed.WidgetCache(tmp_path)
    files = sorted(f"{name}-{embed.fingerprint()}.json" for name in ("contrastive", "triplet"))
    try:
        assert cache.prefetch(["triplet", "contrastive", "triplet"], workers=2) == ["triplet", "contrastive"]
        assert cache.pool is not None and set(cache.pending) == {"triplet", "contrastive"}
        assert cache.pool._mp_context.get_start_method() == "spawn"  # never a fork of this process
        assert cache.prefetch(["triplet"], workers=2) == []  # already on its way
        assert [job.result() for job in cache.pending.values()] == [None, None]
        assert sorted(p.name for p in tmp_path.iterdir()) == files  # the workers wrote them, no temporary left
        built = {name: cache.get(name) for name in ("contrastive", "triplet")}
        assert cache.pending == {}
    finally:
        cache.close()
    assert cache.pool is None
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    embed.build_widget("boxes")  # this process's ids move on
    for name in ("triplet", "contrastive"):
        assert json.dumps(built[name]) == json.dumps(embed.build_widget(name)), name


def test_prefetch_starts_nothing_on_one_core_or_for_a_widget_on_disk(tmp_path, monkeypatch):
    cache = embed.WidgetCache(tmp_path)
    assert cache.prefetch(["triplet"], workers=1) == [] and cache.pool is None
    monkeypatch.setattr(embed, "cores", lambda: 1)
    assert cache.prefetch(["triplet"]) == [] and cache.pool is None
    monkeypatch.setattr(embed, "cores", lambda: 2)
    (tmp_path / f"triplet-{embed.fingerprint()}.json").write_text("{}")
    assert cache.prefetch(["triplet"]) == [] and cache.pool is None and cache.pending == {}


def test_prefetch_starts_nothing_where_no_process_pool_can_be_made(tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise OSError("no semaphores on this system")

    monkeypatch.setattr(embed, "ProcessPoolExecutor", no_pool)
    cache = embed.WidgetCache(tmp_path)
    assert cache.prefetch(["triplet"], workers=2) == [] and cache.pool is None and cache.pending == {}


def test_cores_counts_the_cores_this_process_may_use(monkeypatch):
    import os

    if hasattr(os, "sched_getaffinity"):
        assert embed.cores() == len(os.sched_getaffinity(0))
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5})  # one core of a bigger host
        monkeypatch.setattr(os, "cpu_count", lambda: 64)
        assert embed.cores() == 1
        monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert embed.cores() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert embed.cores() == 1


def test_a_widget_failing_in_a_worker_fails_get_with_its_own_error(tmp_path):
    cache = embed.WidgetCache(tmp_path)
    try:
        assert cache.prefetch(["no-such-widget"], workers=2) == ["no-such-widget"]
        with pytest.raises(ValueError, match="unknown widget 'no-such-widget'; known widgets: ") as err:
            cache.get("no-such-widget")
        assert type(err.value.__cause__).__name__ == "_RemoteTraceback"  # raised in the worker
    finally:
        cache.close()


def test_get_builds_here_when_its_worker_died(tmp_path, monkeypatch):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    built = []
    monkeypatch.setattr(embed, "build_widget", lambda name: built.append(name) or {"item": name})
    dead = Future()
    dead.set_exception(BrokenProcessPool("a worker died"))
    cache = embed.WidgetCache(tmp_path)
    cache.pending["triplet"] = dead
    assert cache.get("triplet") == {"item": "triplet"} and built == ["triplet"]
    assert cache.pending == {}
    assert [p.name for p in tmp_path.iterdir()] == [f"triplet-{embed.fingerprint()}.json"]


def test_close_cancels_what_has_not_started_and_waits_for_the_workers(tmp_path, monkeypatch):
    """Six widgets for two workers (on a machine that reports more cores): the pool has
    two, closing at once cancels those not handed to a worker yet (a pool queues one more
    than it has workers), and returns only once the workers have exited."""
    import os

    for count in ("cpu_count", "process_cpu_count"):
        if hasattr(os, count):
            monkeypatch.setattr(os, count, lambda: 8)
    cache = embed.WidgetCache(tmp_path)
    names = ["triplet", "contrastive", "boxes", "reduction-explorer", "softmax-ce", "margin-explorer"]
    assert cache.prefetch(names, workers=2) == names
    pool = cache.pool
    assert pool._max_workers == 2
    workers = list(pool._processes.values())
    jobs = list(cache.pending.values())
    cache.close()
    assert cache.pool is None and cache.pending == {}
    assert workers and not any(w.is_alive() for w in workers)
    assert any(job.cancelled() for job in jobs)
    assert len(list(tmp_path.iterdir())) < len(names)
    with pytest.raises(RuntimeError):
        pool.submit(print)  # shut down
    cache.close()  # twice is harmless


def test_the_hook_prefetches_the_heavy_widgets_first_then_in_the_order_pages_are_written(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from lossdocs.site import hooks

    texts = {"a.md": "<!-- widget: triplet -->\n<!-- table: stability -->\n<!-- widget: nope -->\n",
             "b.md": "no markers",
             "c.md": "<!-- widget: boxes -->\n<!--widget:triplet-->\n<!-- widget: training-curves -->\n"}
    files = []
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(SimpleNamespace(abs_src_path=str(tmp_path / name)))
    files.append(SimpleNamespace(abs_src_path=None))  # a generated page
    asked = []
    monkeypatch.setattr(hooks.state, "cache", SimpleNamespace(prefetch=asked.append), raising=False)
    nav = SimpleNamespace(pages=[SimpleNamespace(file=f) for f in reversed(files)])  # not the order read
    site_files = SimpleNamespace(documentation_pages=lambda: files)
    monkeypatch.delenv(embed.QUICK_ENV, raising=False)
    assert widgets.get("training-curves").heavy and not widgets.get("boxes").heavy
    assert hooks.on_nav(nav, None, site_files) is nav
    # known widgets only; the heavy one first, the others in the order pages are written
    assert asked == [["training-curves", "triplet", "boxes", "triplet"]]
    monkeypatch.setenv(embed.QUICK_ENV, "1")
    hooks.on_nav(nav, None, site_files)
    assert len(asked) == 1  # a quick build builds no widget


def test_pages_are_read_with_stand_ins_and_written_with_their_widgets(monkeypatch):
    """Reading a page never waits for a widget: its marker becomes a stand-in, and the
    slot takes the stand-in's place when the page is written, before search indexes it,
    in the page and in its search copy alike; a page without widgets is left alone."""
    from types import SimpleNamespace

    from lossdocs.site import hooks

    monkeypatch.delenv(embed.QUICK_ENV, raising=False)
    cache = FakeCache()
    monkeypatch.setattr(hooks.state, "cache", cache, raising=False)
    monkeypatch.setattr(hooks.state, "searchable", {}, raising=False)
    page = SimpleNamespace(file=SimpleNamespace(src_uri="lessons/x.md", url="lessons/x.html"))
    md = "# X\n\n<!-- widget: triplet -->\n\ntext\n\n<!-- widget: boxes -->\n"
    read = hooks.on_page_markdown(md, page, None, None)
    assert cache.asked == []  # nothing waited for while the page was read
    assert [m.groups() for m in hooks.PENDING.finditer(read)] == [("triplet", "0"), ("boxes", "1")]
    assert "<!-- widget" not in read

    page.content = f"<h1>X</h1>{read}"
    hooks.state.searchable["lessons/x.md"] = (page.content, page.content + "<p>plain</p>")
    context = {}
    assert hooks._widgets_in_place(context, page, None, None) is context
    slots = [embed.widget_html(n, i, FakeCache(), "../") for i, n in enumerate(["triplet", "boxes"])]
    assert cache.asked == ["triplet", "boxes"]  # each once, for the page and its search copy
    stand_ins = [m[0] for m in hooks.PENDING.finditer(read)]
    expected = read.replace(stand_ins[0], slots[0]).replace(stand_ins[1], slots[1])
    assert page.content == f"<h1>X</h1>{expected}" and "lossdocs-pending" not in page.content
    assert hooks.state.searchable["lessons/x.md"] == (page.content, page.content + "<p>plain</p>")
    # first of the page's on_page_context handlers, and before search (priority 0) sees it
    assert hooks._widgets_in_place in hooks.on_page_context.methods
    assert hooks._widgets_in_place.mkdocs_priority > hooks._search_sees_plain_math.mkdocs_priority > 0
    plain = SimpleNamespace(file=SimpleNamespace(src_uri="b.md", url="b.html"), content="<p>none</p>")
    assert hooks._widgets_in_place({}, plain, None, None) == {} and plain.content == "<p>none</p>"


def test_a_quick_build_reads_each_widget_marker_as_its_skipped_note_at_once(monkeypatch):
    from types import SimpleNamespace

    from lossdocs.site import hooks

    monkeypatch.setenv(embed.QUICK_ENV, "1")
    cache = FakeCache()
    monkeypatch.setattr(hooks.state, "cache", cache, raising=False)
    page = SimpleNamespace(file=SimpleNamespace(src_uri="lessons/x.md", url="lessons/x.html"))
    read = hooks.on_page_markdown("<!-- widget: triplet -->\n\n<!-- widget: boxes -->\n", page, None, None)
    notes = [embed.widget_html(n, i, cache, "../") for i, n in enumerate(["triplet", "boxes"])]
    assert [line for line in read.splitlines() if line] == notes
    assert cache.asked == []  # nothing built
