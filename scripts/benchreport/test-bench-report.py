#!/usr/bin/python3
# gst-gpustream
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test of scripts/bench-report.py without running a benchmark: the run
committed with the docs (docs/perf/bench-run.json) is parsed again from its
kept output, then compared with copies of itself in which ratios were made
worse, and rendered once with plots.

usage: test-bench-report.py SOURCE_ROOT
"""

import copy
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
script = os.path.join(root, "scripts", "bench-report.py")
spec = importlib.util.spec_from_file_location("bench_report", script)
br = importlib.util.module_from_spec(spec)
spec.loader.exec_module(br)

with open(os.path.join(root, "docs", "perf", "bench-run.json")) as f:
    run = json.load(f)
failures = []
# the checks below are about ratios; a benchmark that failed in the committed
# run (exit status 2) is checked on its own at the end
for rec in run["benchmarks"].values():
    rec["returncode"] = 0


def check(ok, what):
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)


# 1. each parser gives back the ratios the run recorded from the same text
for name, rec in sorted(run["benchmarks"].items()):
    parsed = br.parse(name, rec["stdout"])
    check(name not in br.PARSERS or parsed.ratios,
          "%s: ratios parsed from its output (%d)" % (name,
                                                      len(parsed.ratios)))
    check(parsed.ratios == rec["ratios"],
          "%s: parsing again gives the recorded ratios" % name)


def report(tmp, current, previous, *extra):
    paths = []
    for i, r in enumerate((current, previous)):
        paths.append(os.path.join(tmp, "run%d.json" % i))
        with open(paths[-1], "w") as f:
            json.dump(r, f)
    proc = subprocess.run([sys.executable, script, "--out", tmp,
                           "--from-json", paths[0], "--previous", paths[1]] +
                          list(extra), capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def pick(better):
    for bench, rec in sorted(run["benchmarks"].items()):
        for name, r in sorted(rec["ratios"].items()):
            if r["better"] == better and r["value"] > 0:
                return bench, name
    return None


with tempfile.TemporaryDirectory() as tmp:
    # 2. a run against itself: nothing flagged
    rc, out = report(tmp, run, run, "--fail-on-regression", "--no-plots")
    check(rc == 0 and "REGRESSION" not in out, "same run: not flagged")

    # 3. planted: a higher-is-better ratio 20 % lower, a lower-is-better one
    # 20 % higher, another ratio 5 % lower (inside the 10 % threshold)
    worse = copy.deepcopy(run)
    planted = [pick("higher"), pick("lower")]
    check(all(planted), "the run has ratios of both directions")
    small = None
    for bench, rec in sorted(worse["benchmarks"].items()):
        for name, r in sorted(rec["ratios"].items()):
            if (bench, name) == planted[0]:
                r["value"] *= 0.8
            elif (bench, name) == planted[1]:
                r["value"] *= 1.2
            elif small is None and r["better"] == "higher":
                r["value"] *= 0.95
                small = (bench, name)
    rc, out = report(tmp, worse, run, "--fail-on-regression", "--no-plots")
    print(out)
    check(rc == 1, "planted regression: exit status 1 (got %d)" % rc)
    for bench, name in planted:
        check("REGRESSION %s: %s =" % (bench, name) in out,
              "flagged: %s: %s" % (bench, name))
    check("REGRESSION %s: %s =" % small not in out,
          "5 %% worse, not flagged: %s: %s" % small)
    with open(os.path.join(tmp, "index.html")) as f:
        page = f.read()
    check(page.count("class='bad'") == 2, "two rows marked in the HTML")

    rc, out = report(tmp, worse, run, "--no-plots")
    check(rc == 0 and "REGRESSION" in out,
          "without --fail-on-regression: flagged, exit status 0")
    rc, out = report(tmp, worse, run, "--threshold", "3", "--no-plots")
    check("REGRESSION %s: %s =" % small in out,
          "--threshold 3 flags the 5 % one")

    failed = copy.deepcopy(run)
    next(iter(failed["benchmarks"].values()))["returncode"] = 1
    rc, out = report(tmp, failed, run, "--no-plots")
    check(rc == 2 and "FAILED" in out, "a failed benchmark: exit status 2")

    # 4. the plots and the page
    rc, out = report(tmp, run, run)
    pngs = sorted(f for f in os.listdir(tmp) if f.endswith(".png"))
    print(out)
    check(rc == 0 and pngs, "rendered: %s" % " ".join(pngs))
    with open(os.path.join(tmp, "index.html")) as f:
        page = f.read()
    check(all("src='%s'" % p in page for p in pngs),
          "every plot is shown in index.html")

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
