"""The repository's promises to a newcomer: README commands and CI agree."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_readme_opens_with_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    head = text.split("## ", 1)[0]
    blocks = re.findall(r"```bash\n(.+?)\n```", head, re.S)
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    # Each command has a label of its own just above it.
    labels = re.findall(r"\n([^\n`]+):\n\n```bash", head)
    assert [label.split()[0] for label in labels] == ["Build", "Run"], labels
    setup, test = blocks
    assert "mkdocs build" in setup and "pytest" in test
    for command in blocks:  # pip alone: no Node.js, no npm
        assert "npm" not in command and "node" not in command.split()


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci/run").read_text()
    test_command = readme_commands()[1]
    assert test_command in ci.splitlines()
    assert "apt-get install -y chromium" in ci
    assert "export CI=true" in ci


def test_the_code_passes_its_linter():
    """ruff, configured in pyproject.toml (a test extra), finds nothing in the package, the
    tests or the scripts: style drift fails here rather than piling up unseen."""
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "--no-cache",
                           "lossdocs", "tests", "scripts"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_mutation_record_keeps_verdicts_a_run_did_not_recheck():
    """scripts/mutate.py seeds a snapshot with kills only, so a run's own verdicts say
    "not checked" (None) for every survivor on record. Saving must keep the recorded
    verdict there while the function is unchanged (same hash), take the run's verdict
    wherever it has one, and drop the record once the function has changed."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    mutate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutate)
    recorded = {"f": ["aa", [1, 0, 0, None]], "g": ["bb", [0, 1]], "h": ["cc", [0]]}
    fresh = {"f": ["aa", [None, None, 1, 1]], "g": ["b2", [None, 1]], "h": ["cc", [None, None]]}
    assert mutate.merged(fresh, recorded) == {
        "f": ["aa", [1, 0, 1, 1]],  # unchanged: the record fills the gaps, the run's own verdicts win
        "g": ["b2", [None, 1]],  # changed function: nothing carried
        "h": ["cc", [None, None]],  # a different number of mutants: nothing carried
    }
    assert mutate.merged(fresh, {}) == fresh


def test_the_mutation_table_reads_the_record_where_the_snapshot_has_no_verdict(monkeypatch):
    """A snapshot knows only what it ran and the kills it was seeded with, so its table
    showed every reviewed survivor of an earlier run as "not checked". The table fills
    those from the record; a verdict of the snapshot's own stands."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    mutate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutate)
    monkeypatch.setattr(mutate, "modules", lambda: ["lossdocs.losses"])
    monkeypatch.setattr(mutate, "carried", lambda: {
        "lossdocs/losses.py": {"f": ["aa", [0, 1, None, 36]]},
        "lossdocs/other.py": {"g": ["bb", [0]]}})
    snapshot = {"lossdocs.losses.f__mutmut_1": "not checked", "lossdocs.losses.f__mutmut_2": "not checked",
                "lossdocs.losses.f__mutmut_3": "not checked", "lossdocs.losses.f__mutmut_4": "survived"}
    assert mutate.with_record(snapshot) == {
        "lossdocs.losses.f__mutmut_1": "survived",  # the record's survivor (an equivalent, say)
        "lossdocs.losses.f__mutmut_2": "killed",
        "lossdocs.losses.f__mutmut_3": "not checked",  # checked by nobody yet
        "lossdocs.losses.f__mutmut_4": "survived",  # the snapshot's own verdict stands
    }


def test_a_first_pass_keeps_its_globs_apart_from_its_test_files():
    """``--quick`` takes every word after it, so the documented command
    ``--quick tests/test_losses.py 'lossdocs.losses*'`` gave pytest the glob as a test path
    (the stats pass failed and no mutant ran). Words that are not test paths are globs."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutate", ROOT / "scripts" / "mutate.py")
    mutate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutate)
    args = mutate.parse_args(["--quick", "tests/test_losses.py", "tests/test_faq.py::test_x", "lossdocs.losses*",
                              "lossdocs.robust.x__lad_line__mutmut_3"])
    assert args.quick == ["tests/test_losses.py", "tests/test_faq.py::test_x"]
    assert args.mutants == ["lossdocs.losses*", "lossdocs.robust.x__lad_line__mutmut_3"]
    args = mutate.parse_args(["lossdocs.metric*", "--quick", "tests/"])
    assert args.quick == ["tests/"] and args.mutants == ["lossdocs.metric*"]
    with pytest.raises(SystemExit):
        mutate.parse_args(["--quick", "lossdocs.losses*"])


@pytest.fixture
def bench(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_bench_shows_a_widget_build_s_first_call_beside_its_warm_ones(bench):
    """The engine memoises its heavy results (the training grid, the outlier lab's fits),
    so a best-of-three showed a cache lookup: the training curves read 0.46 s where a clean
    build pays 8.9 s. The first call now comes first, then the best of the rest."""
    assert bench.engine_value([8.87, 0.51, 0.46]) == "8870 ms the first time, 460 ms after (best of 2)"
    assert bench.engine_value([0.2, 0.3, 0.25]) == "200 ms the first time, 250 ms after (best of 2)"
    assert bench.engine_value([1.5]) == "1500 ms the first time"


def test_the_bench_budgets_latency_with_the_frame_clock_running_and_shows_it_idle(bench):
    """The budget is the ratio of samples taken with the frame clock running, as on a
    screen; the same control and repaint with the clock idle are shown, not judged."""
    def kind(*ms):
        return {"samples": list(ms), "first": list(ms), "warmup": [], "unpainted": 0, "timeouts": 0}

    def result(control, repaint, idle_control, idle_repaint, alone=(3.0,)):
        return {"control": kind(*control), "repaint": kind(*repaint), "plots": 2, "pixelsChanged": True,
                "setup": None, "idle": {"control": kind(*idle_control), "repaint": kind(*idle_repaint),
                                        "alone": kind(*alone)}}

    control = {"widget": "loss-explorer", "name": "target_slider", "type": "Slider"}
    row = bench.latency_row("lessons/x.html", control, result([26, 28], [20, 20], [20, 20], [8, 8]))
    assert row.ok is True and row.value.startswith("ratio 1.40: input→paint p95 28.0 ms")
    assert "frame clock idle (information): ratio 2.50" in row.value
    assert "the control alone (its callbacks detached, clock idle) p95 3.0 ms, 0.38× that bare repaint" in row.value
    row = bench.latency_row("lessons/x.html", control, result([31, 31], [20, 20], [8, 8], [8, 8]))
    assert row.ok is False and row.value.startswith("ratio 1.55")
    broken = result([26], [20], [20], [8])
    broken["idle"]["repaint"]["samples"] = []
    assert bench.latency_row("lessons/x.html", control, broken).value.startswith(
        "FAILED: idle-clock bare repaint drew nothing")
    broken = result([26], [20], [20], [8])
    broken["pixelsChanged"] = False
    assert bench.latency_row("lessons/x.html", control, broken).value == "FAILED: changes nothing on screen"
