#!/usr/bin/env python
"""Mutation testing on demand: does the fast test suite notice a small bug in the code?

Runs mutmut 3 (configured under ``[tool.mutmut]`` in pyproject.toml: which modules are
mutated and which fast tests run against each mutant) and prints a score per module.
Not part of CI and not collected by pytest: a full run takes many hours.

The run happens in a snapshot of the project (pyproject.toml, lossdocs/, tests/, docs/,
mkdocs.yml) outside the work tree, in ``$LOSSDOCS_MUTATION_DIR`` or else
``~/.cache/lossdocs-mutation`` (not the project's ``.cache/``, which clean builds wipe, nor
the temporary folder, which a restart empties: a full run takes many hours), so edits made
meanwhile do not leak into it and mutmut's ``mutants/`` folder stays out of the tree.
Results are kept there: a second run only checks mutants whose code changed
(``--fresh`` starts over).

A full run takes longer than one working session, and a new machine starts with an empty
cache, so every run also writes its verdicts to ``tests/mutation_results.json`` (committed:
per mutated function, its source hash and the exit code of each of its mutants). A snapshot
with no results of its own starts from that file: mutmut keeps a verdict only while the
function's hash is unchanged, and only the verdicts that count as killed are carried over.
Survivors, "no tests" and the like are checked again against the tests of the day.

    python scripts/mutate.py                   # every configured module, one worker
    python scripts/mutate.py "lossdocs.losses*"   # only mutants whose name matches, not checked yet
    python scripts/mutate.py --recheck "lossdocs.losses*"   # ... checked or not
    python scripts/mutate.py --report-only     # the table of the last run
    python scripts/mutate.py --quick tests/test_losses.py "lossdocs.losses*"   # a first pass

A first pass (``--quick TEST_FILE ...``) runs the mutants against only the named test
files, in a second snapshot (``quick/`` inside the first), and carries what it kills into
the first snapshot and ``tests/mutation_results.json``; the full run then checks only what
those tests let through. A module whose functions every test calls (losses: about 40 s of
tests per mutant) gets through a pass against its own tests (4 s) in an hour or so.
    python scripts/mutate.py --survivors       # ... and every surviving mutant's diff

Mutants that cannot be killed because they do not change behaviour are listed, one per
line with the reason, in ``tests/mutation_equivalents.md``; the table shows the score with
and without them.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("LOSSDOCS_MUTATION_DIR") or Path.home() / ".cache" / "lossdocs-mutation")
SNAPSHOT = ("pyproject.toml", "mkdocs.yml", "lossdocs", "tests", "docs")
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.md"
CARRIED = ROOT / "tests" / "mutation_results.json"
# "timeout" counts as killed: the limits in pyproject.toml give each mutant's tests minutes,
# not seconds, so a timeout is a mutant that hangs (a loop that no longer ends). Do not pause
# a run with SIGSTOP: mutmut's wall-clock watch keeps counting, and the mutants in flight
# then time out whatever they do. Stop it (Ctrl-C) and start it again; finished results stay.
KILLED = ("killed", "timeout", "caught by type check", "segfault")
# mutmut's exit codes for those verdicts (mutmut.stats.status_by_exit_code): the only ones
# carried from tests/mutation_results.json into a new snapshot.
KILLED_CODES = {1, 3, 36, 24, -24, 152, 255, 37, -11, -9}
# Imported once by mutmut's fork server; lossdocs and the test modules are not, so each
# mutant's worker builds them (and their import-time data) with the mutant in place.
# mutmut charges each mutated function to the tests that call it, and runs a mutant only
# against those. Calls made while pytest imports the test modules (module-level data:
# landscape.PRESETS, the curve atlas, a test file's CHOICES) would all be charged to the
# session's first test, which may never look at that data. This pytest plugin, written into
# the mutants folder and loaded through PYTEST_ADDOPTS, charges them instead to every test
# of the module whose import made them.
PLUGIN = "mutmut_import_hits"
PLUGIN_SOURCE = '''"""Charge calls made while a test module is imported to every test of that module
(written by scripts/mutate.py; see there)."""

import pytest

_BY_MODULE: dict[str, set[str]] = {}


def _state():
    try:
        from mutmut.state import state
    except ImportError:
        return None
    return state()


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    st = _state()
    before = set(st._stats) if st is not None else set()
    yield
    if st is not None and isinstance(collector, pytest.Module):
        new = st._stats - before
        if new:
            _BY_MODULE.setdefault(collector.nodeid, set()).update(new)
            st._stats.difference_update(new)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    st = _state()
    if st is not None:
        st._stats.update(_BY_MODULE.get(item.nodeid.split("::")[0], ()))
'''
PRELOAD = ("numpy", "torch", "torch.nn.functional", "bokeh.models", "bokeh.plotting", "bokeh.embed",
           "bokeh.palettes", "contourpy", "py_mini_racer")


def modules() -> list[str]:
    """Dotted names of the mutated modules, from ``[tool.mutmut] only_mutate``."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return [p.removesuffix(".py").replace("/", ".") for p in conf["only_mutate"]]


def snapshot() -> None:
    """Copy the project into WORK, keeping modification times (mutmut uses them)."""
    WORK.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", ".cache", ".pytest_cache")
    for name in SNAPSHOT:
        src, dest = ROOT / name, WORK / name
        if src.is_dir():
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(src, dest, ignore=ignore)
        else:
            shutil.copy2(src, dest)
    (WORK / "mutmut-preload.txt").write_text("\n".join(PRELOAD) + "\n")
    (WORK / "mutants").mkdir(exist_ok=True)
    # mutmut regenerates the mutated .py files it finds changed, but keeps its first copy of
    # every other file of the package (a widget's .js, a stylesheet): bring those up to date,
    # or tests run the package's new Python against its old scripts.
    for src in (WORK / "lossdocs").rglob("*"):
        dest = WORK / "mutants" / src.relative_to(WORK)
        if src.is_file() and src.suffix != ".py" and "__pycache__" not in src.parts and dest.parent.exists():
            if not dest.exists() or dest.read_bytes() != src.read_bytes():
                shutil.copy2(src, dest)
    (WORK / "mutants" / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE)
    restore()


def _meta(path: str) -> Path:
    return WORK / "mutants" / f"{path}.meta"


def restore() -> int:
    """Seed a snapshot that has no results of its own from tests/mutation_results.json:
    each mutated file's meta (function hashes, exit codes) as mutmut writes it, with only
    the killed verdicts kept. mutmut then drops the verdicts of every function whose hash
    changed. Returns how many verdicts were carried."""
    if not CARRIED.is_file():
        return 0
    saved = json.loads(CARRIED.read_text())["files"]
    carried = 0
    for path, functions in saved.items():
        meta = _meta(path)
        if meta.exists():
            continue
        codes, hashes = {}, {}
        module = path.removesuffix(".py").replace("/", ".")
        for func, (digest, exits) in functions.items():
            hashes[func] = digest
            for n, code in enumerate(exits, start=1):
                keep = code if code in KILLED_CODES else None
                codes[f"{module}.{func}__mutmut_{n}"] = keep
                carried += keep is not None
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"exit_code_by_key": codes, "hash_by_function_name": hashes,
                                    "type_check_error_by_key": {}, "durations_by_key": {},
                                    "estimated_durations_by_key": {}}, indent=4))
    if carried:
        print(f"carried {carried} killed verdicts from {CARRIED.relative_to(ROOT)}")
    return carried


def carried() -> dict[str, dict[str, list]]:
    """The verdicts tests/mutation_results.json holds, per file (none if it is missing)."""
    return json.loads(CARRIED.read_text())["files"] if CARRIED.is_file() else {}


def save() -> None:
    """Write every mutated file's verdicts to tests/mutation_results.json (sorted, one
    function per line, so a diff shows what a run changed). A file that the snapshot has
    no verdicts for (no snapshot yet, or mutmut has not reached it) keeps what the results
    file says of it: a report asked for before any run must not wipe the record."""
    saved = carried()
    files: dict[str, dict[str, list]] = {}
    for path in (p.replace(".", "/") + ".py" for p in modules()):
        meta = _meta(path)
        if not meta.is_file():
            if path in saved:
                files[path] = saved[path]
            continue
        try:
            data = json.loads(meta.read_text())
        except json.JSONDecodeError:  # mutmut is writing it (a run in progress): once more
            time.sleep(0.5)
            data = json.loads(meta.read_text())
        by_func: dict[str, dict[int, int | None]] = {}
        for key, code in data["exit_code_by_key"].items():
            m = re.fullmatch(r".*\.(.+?)__mutmut_(\d+)", key)
            by_func.setdefault(m[1], {})[int(m[2])] = code
        files[path] = merged({func: [data["hash_by_function_name"].get(func),
                                     [codes.get(n) for n in range(1, max(codes) + 1)]]
                              for func, codes in sorted(by_func.items())}, saved.get(path, {}))
    write_carried(files)


def merged(fresh: dict[str, list], recorded: dict[str, list]) -> dict[str, list]:
    """``fresh`` verdicts of one file, with every mutant they have not checked taking the
    recorded verdict where the function's hash is unchanged. A snapshot is seeded with
    kills only, so without this a run wrote "not checked" over every survivor on record
    (the equivalents reviewed in earlier sessions among them)."""
    out = {}
    for func, (digest, codes) in fresh.items():
        old_digest, old_codes = recorded.get(func, (None, []))
        if digest is not None and digest == old_digest and len(old_codes) == len(codes):
            codes = [c if c is not None else o for c, o in zip(codes, old_codes)]
        out[func] = [digest, codes]
    return out


def write_carried(files: dict[str, dict[str, list]]) -> None:
    lines = ['{"about": "scripts/mutate.py: mutmut verdicts per mutated function (source hash, exit code of '
             'mutant 1, 2, ...); null: not checked", "files": {']
    for i, (path, functions) in enumerate(files.items()):
        lines.append(f"  {json.dumps(path)}: {{")
        rows = [f"    {json.dumps(func)}: {json.dumps(entry, separators=(',', ':'))}"
                for func, entry in functions.items()]
        lines.append(",\n".join(rows))
        lines.append("  }" + ("," if i < len(files) - 1 else ""))
    lines.append("}}")
    CARRIED.write_text("\n".join(lines) + "\n")


def mutmut(*args: str, capture: bool = False) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "mutmut"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "mutmut"]
    env = {k: v for k, v in os.environ.items() if k != "LOSSDOCS_QUICK"}
    env["PYTEST_ADDOPTS"] = f"{env.get('PYTEST_ADDOPTS', '')} -p {PLUGIN}".strip()
    return subprocess.run([*cmd, *args], cwd=WORK, env=env, text=True, check=False,
                          capture_output=capture, preexec_fn=lambda: os.nice(10))


def results() -> dict[str, str]:
    """mutant name -> status, from ``mutmut results --all true``."""
    out = mutmut("results", "--all", "true", capture=True).stdout
    return {m[1]: m[2].strip() for m in re.finditer(r"^\s*(\S+__mutmut_\d+):\s*(.+)$", out, re.M)}


def with_record(status: dict[str, str]) -> dict[str, str]:
    """``status`` (the snapshot's, from mutmut) with every mutant it has not checked taking
    the verdict tests/mutation_results.json records for it. A snapshot is seeded with kills
    only, so its own table showed the reviewed equivalents of earlier runs as "not checked";
    the record (which ``save()`` has just merged) is the whole state."""
    try:
        from mutmut.stats import status_by_exit_code
    except ImportError:  # an older mutmut 3 keeps it in its main module
        from mutmut.__main__ import status_by_exit_code
    names = modules()
    out = dict(status)
    for path, functions in carried().items():
        module = path.removesuffix(".py").replace("/", ".")
        if module not in names:
            continue
        for func, (_digest, codes) in functions.items():
            for n, code in enumerate(codes, start=1):
                key = f"{module}.{func}__mutmut_{n}"
                if out.get(key, "not checked") == "not checked":
                    out[key] = status_by_exit_code[code]
    return out


def recorded_kills() -> set[str]:
    """Mutants tests/mutation_results.json records as killed, for functions whose hash in
    this snapshot is the recorded one. A first pass skips them: its own snapshot may have
    been made before the full run killed them (it re-ran 69 of training's that way)."""
    out = set()
    for path, functions in carried().items():
        meta = _meta(path)
        if not meta.is_file():
            continue
        hashes = json.loads(meta.read_text())["hash_by_function_name"]
        module = path.removesuffix(".py").replace("/", ".")
        for func, (digest, codes) in functions.items():
            if hashes.get(func) == digest:
                out.update(f"{module}.{func}__mutmut_{n}" for n, code in enumerate(codes, start=1)
                           if code in KILLED_CODES)
    return out


def pending(patterns: list[str]) -> list[str]:
    """mutmut reruns every mutant named on its command line, so resuming with a glob would
    check the finished ones again. A glob becomes the matching mutants not checked yet; an
    exact name is kept (to rerun it on purpose), and so is a glob that matches nothing known
    yet (before the first run)."""
    status = results()
    out: dict[str, None] = {}
    for pattern in patterns:
        matched = [k for k in status if fnmatch.fnmatch(k, pattern)]
        if pattern in status or not matched:
            out[pattern] = None
        else:
            out.update((k, None) for k in matched if status[k] == "not checked")
    return list(out)


def module_of(mutant: str, names: list[str]) -> str:
    return max((n for n in names if mutant.startswith(n + ".")), key=len, default="?")


def equivalents() -> set[str]:
    """Mutant names listed in tests/mutation_equivalents.md (first backquoted word of a line)."""
    if not EQUIVALENTS.is_file():
        return set()
    return set(re.findall(r"^\s*[-*]\s*`([^`]+__mutmut_\d+)`", EQUIVALENTS.read_text(), re.M))


def table(status: dict[str, str]) -> str:
    names = modules()
    equiv = equivalents()
    rows = ["| Module | Mutants | Not checked | Killed | of which timeouts | Survived, equivalent "
            "| Survived, unreviewed | No tests | Score | Score without equivalents |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    totals: Counter = Counter()
    for mod in names:
        mine = {k: v for k, v in status.items() if module_of(k, names) == mod}
        c = Counter("killed" if v in KILLED else v for v in mine.values())
        c["timeout"] = sum(1 for v in mine.values() if v == "timeout")
        eq = sum(1 for k, v in mine.items() if k in equiv and v not in (*KILLED, "not checked"))
        c["equivalent"] = eq
        c["total"] = len(mine)
        totals.update(c)
        rows.append(_row(mod, c))
    rows.append(_row("**all**", totals))
    return "\n".join(rows)


def _row(name: str, c: Counter) -> str:
    checked = c["total"] - c["not checked"]
    score = f"{100 * c['killed'] / checked:.1f}%" if checked else "–"
    real = checked - c["equivalent"]
    adjusted = f"{100 * c['killed'] / real:.1f}%" if real else "–"
    unreviewed = checked - c["killed"] - c["equivalent"] - c["no tests"]
    return (f"| {name} | {c['total']} | {c['not checked']} | {c['killed']} | {c['timeout']} | {c['equivalent']} | "
            f"{unreviewed} | {c['no tests']} | {score} | {adjusted} |")


def quick_selection(tests: list[str]) -> None:
    """In the snapshot's pyproject.toml, run only ``tests`` (keeping the -k exclusions)."""
    path = WORK / "pyproject.toml"
    text = path.read_text()
    conf = tomllib.loads(text)["tool"]["mutmut"]["pytest_add_cli_args_test_selection"]
    keep = conf[conf.index("-k"):] if "-k" in conf else []
    start = text.index("pytest_add_cli_args_test_selection = [")
    end = text.index("]", start) + 1
    path.write_text(text[:start] + "pytest_add_cli_args_test_selection = " + json.dumps([*tests, *keep])
                    + text[end:])


def carry_kills(quick: Path, full: Path) -> int:
    """Copy the kills of the first pass (snapshot ``quick``) into the full snapshot's meta
    files and tests/mutation_results.json, for functions whose source hash is the same
    there, over verdicts not yet checked or that survived before (a rerun with --recheck
    after new tests). Returns how many verdicts were added."""
    added = 0
    saved = carried()
    for path in (p.replace(".", "/") + ".py" for p in modules()):
        source = quick / "mutants" / f"{path}.meta"
        if not source.is_file():
            continue
        got = json.loads(source.read_text())
        kills = {k: c for k, c in got["exit_code_by_key"].items() if c in KILLED_CODES}
        target = full / "mutants" / f"{path}.meta"
        if target.is_file():
            data = json.loads(target.read_text())
            for key, code in kills.items():
                func = re.fullmatch(r".*\.(.+?)__mutmut_\d+", key)[1]
                same = data["hash_by_function_name"].get(func) == got["hash_by_function_name"].get(func)
                if same and key in data["exit_code_by_key"] and data["exit_code_by_key"][key] not in KILLED_CODES:
                    data["exit_code_by_key"][key] = code
                    added += 1
            target.write_text(json.dumps(data, indent=4))
        for func, (digest, exits) in saved.get(path, {}).items():
            if digest != got["hash_by_function_name"].get(func):
                continue
            module = path.removesuffix(".py").replace("/", ".")
            for n, code in enumerate(exits, start=1):
                new = kills.get(f"{module}.{func}__mutmut_{n}")
                if code not in KILLED_CODES and new is not None:  # unchecked, or survived before the new tests
                    exits[n - 1] = new
    if saved:
        write_carried(saved)
    return added


def is_test_path(arg: str) -> bool:
    """A test file or folder (``tests/test_losses.py``, ``tests/``, ``tests/x.py::test_y``),
    not a mutant name glob (``lossdocs.losses*``)."""
    return arg.split("::")[0].endswith(".py") or "/" in arg or (ROOT / arg).is_dir()


def _stop(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line. ``--quick`` takes every word after it (argparse's ``nargs="+"``),
    so ``--quick tests/test_losses.py 'lossdocs.losses*'`` handed the glob to pytest as a
    test path and ran no mutant: words that are not test paths go back to the globs."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mutants", nargs="*", help="mutant name globs, e.g. 'lossdocs.losses*' (default: all)")
    ap.add_argument("--jobs", type=int, default=1, help="mutmut worker processes (default 1)")
    ap.add_argument("--recheck", action="store_true",
                    help="with globs, run every matching mutant again (default: only those not checked yet)")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results")
    ap.add_argument("--report-only", action="store_true",
                    help="only print the table of the last run (and save its verdicts, as every run does)")
    ap.add_argument("--survivors", action="store_true", help="also show each survivor's diff")
    ap.add_argument("--output", type=Path, help="also write the table (markdown) to this file")
    ap.add_argument("--quick", nargs="+", metavar="TEST_FILE",
                    help="a first pass against only these test files; its kills are carried into the full run")
    args = ap.parse_args(argv)
    if args.quick:  # --quick is greedy: the globs written after its files land in it
        names = [q for q in args.quick if not is_test_path(q)]
        args.quick = [q for q in args.quick if is_test_path(q)]
        args.mutants = [*args.mutants, *names]
        if not args.quick:
            ap.error("--quick needs at least one test file (tests/test_*.py)")
    return args


def main() -> int:
    # A run started in the background (``&``, ``nohup``) ignores Ctrl-C's SIGINT, so
    # SIGTERM stops it the same way: the ``finally`` below still carries a first pass's kills.
    # Send it to the whole process group (``kill -TERM -- -PGID``): mutmut's workers are
    # this script's grandchildren and outlive it otherwise.
    signal.signal(signal.SIGTERM, _stop)
    args = parse_args()

    if args.quick:
        global WORK
        full = WORK
        WORK = full / "quick"
        snapshot()
        quick_selection(args.quick)
        names = pending(args.mutants) if args.mutants and not args.recheck else args.mutants
        if names and not args.recheck:
            names = [n for n in names if n not in recorded_kills()]
            if not names:
                print("every matching mutant is checked or killed on record already (--recheck runs them again)")
        try:
            if names or not args.mutants:
                proc = mutmut("run", "--max-children", str(args.jobs), *names)
                if proc.returncode not in (0, 1):
                    print(f"mutmut run exited with {proc.returncode}", file=sys.stderr)
                    return proc.returncode
        finally:  # stopped with Ctrl-C too: what the first pass killed so far is kept
            WORK = full
            print(f"carried {carry_kills(full / 'quick', full)} kills of the first pass into the full run")
        return 0

    if not args.report_only:
        if args.fresh and WORK.exists():
            shutil.rmtree(WORK)
        snapshot()
        names = args.mutants
        if names and not args.fresh and not args.recheck:
            names = pending(names)
            if not names:
                print("every matching mutant is checked already (--recheck runs them again)")
        if names or not args.mutants:
            proc = mutmut("run", "--max-children", str(args.jobs), *names)
            if proc.returncode not in (0, 1):
                print(f"mutmut run exited with {proc.returncode}", file=sys.stderr)
                return proc.returncode
    save()
    status = with_record(results())
    if not status:
        print("no mutmut results yet: run without --report-only first", file=sys.stderr)
        return 1
    report = table(status)
    print(report)
    equiv = equivalents()
    survivors = sorted(k for k, v in status.items() if v not in (*KILLED, "not checked") and k not in equiv)
    if survivors:
        print(f"\n{len(survivors)} mutants survive and are not recorded as equivalent:")
        for name in survivors:
            print(f"  {name}: {status[name]}")
            if args.survivors:
                print(mutmut("show", name, capture=True).stdout)
    if args.output:
        args.output.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
