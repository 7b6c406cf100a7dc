#!/usr/bin/python3
# gst-gpustream
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Benchmark report: runs every benchmark of a build directory, keeps their
figures as one JSON file per run, renders an HTML page with plots, and
compares each ratio with the previous run's.

  scripts/bench-report.py -C build                  # run all, report
  scripts/bench-report.py -C build --only convert   # one benchmark
  scripts/bench-report.py --from-json RUN.json      # re-render a run

Each run lands in OUT/runs/<date>-<commit>.json (OUT defaults to
BUILD/bench-report); the report is OUT/index.html with its PNG plots. The
previous run is the newest earlier run in OUT/runs, or --previous FILE. A
ratio is flagged when it got worse by more than --threshold percent;
--fail-on-regression then makes the exit status 1. A benchmark that fails
makes it 2. Needs /usr/bin/python3 with python3-matplotlib.
"""

import argparse
import datetime
import glob
import html
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

FORMAT = 1
NUM = r"[-+]?\d+(?:\.\d+)?"


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


class Figures:
    """What one benchmark's output gives: figures (nested, for the plots)
    and ratios (flat, compared between runs)."""

    def __init__(self):
        self.figures = {}
        self.ratios = {}

    def ratio(self, name, value, better="higher"):
        self.ratios[name] = {"value": float(value), "better": better}


# --- parsers: one per benchmark, reading the text it prints --------------


def parse_convert(text, fig):
    scaled = re.compile(
        r"^(?P<case>\S+ \d+x\d+ -> \d+ \S+ \S+)\s+(?P<one>%s)\s+"
        r"(?:(?P<all>%s) \(x(?P<speedup>%s)\)|-)\s+(?P<vconv>%s)\s+"
        r"(?P<cv>%s)\s+(?P<vs>%s)\s*$" % ((NUM,) * 6))
    unscaled = re.compile(
        r"^(?P<case>.+?) (?P<impl>\S+)\s+(?P<items>%s) items/s\s+(?P<gbs>%s) "
        r"GB/s out\s+memcpy\s+(?P<memcpy>%s) GB/s\s+ratio (?P<ratio>%s)" %
        ((NUM,) * 4))
    cases = fig.figures.setdefault("scaled", [])
    others = fig.figures.setdefault("unscaled", [])
    for line in text.splitlines():
        m = scaled.match(line)
        if m:
            case = {k: (v if k == "case" else float(v) if v else None)
                    for k, v in m.groupdict().items()}
            cases.append(case)
            fig.ratio("%s: 1 thread / better baseline" % case["case"],
                      case["vs"])
            continue
        m = unscaled.match(line)
        if m:
            d = m.groupdict()
            others.append({k: (v if k in ("case", "impl") else float(v))
                           for k, v in d.items()})
            fig.ratio("%s %s / memcpy" % (d["case"], d["impl"]), d["ratio"])


def parse_gpubatch(text, fig):
    f = fig.figures
    for key, pattern in (("direct", r"src ! fakesink"),
                         ("queue", r"src ! queue ! fakesink"),
                         ("gpubatch", r"src ! gpubatch ! fakesink")):
        m = re.search(r"^\s+%s\s+(%s) ns/item" % (re.escape(pattern), NUM),
                      text, re.M)
        if m:
            f.setdefault("ns_per_item", {})[key] = float(m.group(1))
    m = re.search(r"gpubatch overhead / queue overhead: (%s)" % NUM, text)
    if m:
        fig.ratio("gpubatch overhead / queue overhead", m.group(1), "lower")
    f["fixed"] = [{"size": int(n), "items_s": float(v)} for n, v in
                  re.findall(r"^\s+fixed batch size (\d+):\s+(%s) items/s" %
                             NUM, text, re.M)]
    m = re.search(
        r"^\s+adaptive \(1\.\.(\d+)\):\s+(%s) items/s, final target (\d+)" %
        NUM, text, re.M)
    if m:
        f["adaptive"] = {"max": int(m.group(1)), "items_s": float(m.group(2)),
                         "target": int(m.group(3))}
    m = re.search(r"adaptive / best fixed \(size (\d+)\): (%s)" % NUM, text)
    if m:
        f["best_fixed_size"] = int(m.group(1))
        fig.ratio("adaptive / best fixed", m.group(2))


def parse_gpuinfer(text, fig):
    part = 0
    model = None
    sizes = []
    overhead = fig.figures.setdefault("overhead", {})
    sweep = fig.figures.setdefault("sweep", {})
    adaptive = fig.figures.setdefault("adaptive", {})
    variants = {"engine vtable (C API)": "engine vtable",
                "appsrc ! gpuinfer ! fakesink": "element",
                "libtorch direct (C++ loop)": "direct"}
    for line in text.splitlines():
        m = re.match(r"^([123])\. ", line)
        if m:
            part = int(m.group(1))
            continue
        if part == 1:
            m = re.match(r"^\s+(\S+), batch (\d+), \d+ batches", line)
            if m:
                model = m.group(1)
                overhead[model] = {"batch": int(m.group(2))}
                continue
            m = re.match(r"^\s+(%s)\s+(%s)\s+(%s)\s+(%s)" % (
                "|".join(re.escape(v) for v in variants), NUM, NUM, NUM),
                line)
            if m and model:
                v = variants[m.group(1)]
                overhead[model][v] = {"items_s": float(m.group(2)),
                                      "median_items_s": float(m.group(3)),
                                      "sum_ratio": float(m.group(4))}
                if v != "direct":
                    fig.ratio("%s batch %d: %s / libtorch direct" %
                              (model, overhead[model]["batch"], v),
                              m.group(4))
        elif part == 2:
            if line.strip().startswith("model \\ batch"):
                sizes = [int(x) for x in line.split()[3:-1]]
                continue
            m = re.match(r"^  (\S+)((?:\s+%s)+)\s+(\d+)$" % NUM, line)
            if m and sizes:
                rates = [float(x) for x in m.group(2).split()]
                if len(rates) == len(sizes):
                    sweep[m.group(1)] = {"sizes": sizes, "items_s": rates,
                                         "best": int(m.group(3))}
        elif part == 3:
            m = re.match(r"^  (\S+), (\d+) items$", line)
            if m:
                model = m.group(1)
                adaptive[model] = {"items": int(m.group(2))}
                continue
            m = re.match(r"^\s+(fixed|adaptive) (?:1\.\.)?(\d+)\s+(%s)\s+"
                         r"(%s)\s+(\d+)\s+(%s)" % (NUM, NUM, NUM), line)
            if m and model:
                adaptive[model][m.group(1)] = {
                    "size": int(m.group(2)), "whole": float(m.group(3)),
                    "second_half": float(m.group(4)),
                    "target": int(m.group(5)), "avg_batch": float(m.group(6))}
                continue
            m = re.match(r"^\s+adaptive / fixed\s+(%s)\s+(%s)" % (NUM, NUM),
                         line)
            if m and model:
                fig.ratio("%s: adaptive / best fixed, whole run" % model,
                          m.group(1))
                fig.ratio("%s: adaptive / best fixed, second half" % model,
                          m.group(2))


def parse_gpukvcache(text, fig):
    model = None
    models = fig.figures.setdefault("models", {})
    for line in text.splitlines():
        m = re.match(r"^(\S+): (\d+) frames, (\d+) distinct pictures, "
                     r"(\d+) repeats", line)
        if m:
            model = m.group(1)
            models[model] = {"frames": int(m.group(2)),
                             "repeats": int(m.group(4)), "rounds": []}
            continue
        if model is None:
            continue
        cur = models[model]
        m = re.match(r"^\s+(\d+)\s+(baseline/4|baseline|cached)\s+(\d+)\s+"
                     r"(%s)\s+(%s)\s+(%s)\s+(\d+)" % (NUM, NUM, NUM), line)
        if m:
            cur["rounds"].append({
                "round": int(m.group(1)), "pipeline": m.group(2),
                "batch": int(m.group(3)), "items_s": float(m.group(4)),
                "items_cpu_s": float(m.group(5)), "wall_s": float(m.group(6)),
                "engine_items": int(m.group(7))})
            continue
        m = re.search(r"ideal speed-up for these hits: (%s)" % NUM, line)
        if m:
            cur["ideal"] = float(m.group(1))
        m = re.search(r"speed-up cached/(baseline|baseline/4):\s+(%s) wall "
                      r"clock, (%s) CPU time" % (NUM, NUM), line)
        if m:
            cur["speedup " + m.group(1)] = {"wall": float(m.group(2)),
                                            "cpu": float(m.group(3))}
            fig.ratio("%s: cached / %s, wall clock" % (model, m.group(1)),
                      m.group(2))
            fig.ratio("%s: cached / %s, CPU time" % (model, m.group(1)),
                      m.group(3))
        m = re.search(r"hit ratio (%s)" % NUM, line)
        if m:
            cur["hit_ratio"] = float(m.group(1))
        m = re.search(r"outputs identical: (yes|no)", line)
        if m:
            cur["outputs_identical"] = m.group(1) == "yes"


def entries(n):
    """1048576 -> '1M', 65536 -> '64K'"""
    for unit, size in (("M", 1 << 20), ("K", 1 << 10)):
        if n >= size and n % size == 0:
            return "%d%s" % (n // size, unit)
    return str(n)


def parse_kvtable(text, fig):
    section = None
    per_cpu = False
    runs = fig.figures.setdefault("runs", [])
    m = re.search(r"load average (%s)" % NUM, text)
    if m:
        fig.figures["load_average"] = float(m.group(1))
    for line in text.splitlines():
        m = re.match(r"^(\d+) entries, (sequential integer|random 64-bit) "
                     r"keys", line)
        if m:
            section = {"entries": int(m.group(1)),
                       "keys": m.group(2).split()[0], "rows": []}
            runs.append(section)
            per_cpu = False
            continue
        if section is None:
            continue
        label = "%s %s keys" % (entries(section["entries"]), section["keys"])
        m = re.match(r"^\s+load\s+(%s) Mops/s\s+\(GHashTable (%s) Mops/s, "
                     r"x(%s)\)" % (NUM, NUM, NUM), line)
        if m:
            section["load"] = {"kvtable": float(m.group(1)),
                               "ghash": float(m.group(2))}
            fig.ratio("%s: load, vs GHashTable" % label, m.group(3))
            continue
        if line.strip().startswith("per CPU second"):
            per_cpu = True
            continue
        if not per_cpu:
            m = re.match(r"^\s+(find|insert)\s+(\d+)%%\s+(%s)\s+(%s|n/a)\s+"
                         r"(%s)\s+(?:x(%s)|n/a)\s+x(%s)" % ((NUM,) * 5), line)
            if m:
                op, hit = m.group(1), int(m.group(2))
                row = {"op": op, "hit": hit, "kvtable": float(m.group(3)),
                       "redis": None if m.group(4) == "n/a" else
                       float(m.group(4)), "ghash": float(m.group(5))}
                section["rows"].append(row)
                name = "%s: %s %d%%" % (label, op, hit)
                if m.group(6):
                    fig.ratio(name + ", vs Redis", m.group(6))
                fig.ratio(name + ", vs GHashTable", m.group(7))
        else:
            m = re.match(r"^\s+(find|insert)\s+(\d+)%%\s+(%s)\s+(%s)\s+"
                         r"x(%s)$" % (NUM, NUM, NUM), line)
            if m:
                fig.ratio("%s: %s %s%%, vs GHashTable per CPU-s" %
                          (label, m.group(1), m.group(2)), m.group(5))


FUSION = (
    ("CPU time (s)", r"cpu: without (%s) s, with (%s) s"),
    ("context switches", r"context switches: without (%s), with (%s)"),
    ("streaming threads (peak)",
     r"streaming threads \(peak alive\): without (%s), with (%s)"),
    ("CPU per buffer (us)",
     r"per-buffer cpu: without (%s) us, with (%s) us"),
)


def parse_fusion(text, fig):
    for label, what in FUSION:
        m = re.search(r"^RESULT " + what % (NUM, NUM), text, re.M)
        if m:
            without, with_ = float(m.group(1)), float(m.group(2))
            fig.figures[label] = {"without": without, "with": with_}
            if with_ > 0 and label != "CPU per buffer (us)":
                fig.ratio("%s: without / with gpuoptbin fusion" % label,
                          without / with_)


JITTER_VARIANTS = {
    "-": "without gpuoptbin",
    "background=<heavy,heavysink>": "with gpuoptbin",
    "enable-fusion=true": "with gpuoptbin, video not marked background",
    "realtime-priority=0 background=<heavy,heavysink>":
        "with gpuoptbin, nice fallback only",
}


def parse_jitter(text, fig):
    rounds = fig.figures.setdefault("rounds", [])
    trio = r"p50 (%s) us p99 (%s) us max (%s) us" % (NUM, NUM, NUM)
    for line in text.splitlines():
        m = re.match(r"^\s+round (\d+): without: %s \| with: %s \| with, "
                     r"video not marked background: %s" % (trio, trio, trio),
                     line)
        if m:
            g = [float(x) for x in m.groups()[1:]]
            rounds.append({"round": int(m.group(1))})
            for i, v in enumerate(list(JITTER_VARIANTS.values())[:3]):
                rounds[-1][v] = dict(zip(("p50", "p99", "max"),
                                         g[3 * i:3 * i + 3]))
            continue
        m = re.match(r"^\s+with, nice fallback only \(realtime-priority=0\): "
                     + trio, line)
        if m and rounds:
            rounds[-1][JITTER_VARIANTS[
                "realtime-priority=0 background=<heavy,heavysink>"]] = dict(
                zip(("p50", "p99", "max"), (float(x) for x in m.groups())))
    # the RESULT lines average the two rounds' p99
    p99 = {}
    m = re.search(r"^RESULT p99 jitter: without (%s) us, with (%s) us" %
                  (NUM, NUM), text, re.M)
    if m:
        p99["without gpuoptbin"] = float(m.group(1))
        p99["with gpuoptbin"] = float(m.group(2))
    for key, what in (("with gpuoptbin, video not marked background",
                       "video branch not marked background"),
                      ("with gpuoptbin, nice fallback only",
                       "nice fallback instead of SCHED_FIFO")):
        m = re.search(r"^RESULT p99 jitter, %s: (%s) us" % (what, NUM), text,
                      re.M)
        if m:
            p99[key] = float(m.group(1))
    fig.figures["p99_us"] = p99
    base = p99.get("without gpuoptbin")
    for key, v in p99.items():
        if base and key != "without gpuoptbin" and v > 0:
            fig.ratio("p99 jitter without / %s" % key, base / v)


def parse_profiling(text, fig):
    m = re.search(r"^RESULT profiling cpu: off (%s) s, on (%s) s: %s%%; (%s) "
                  r"ns per" % (NUM, NUM, NUM, NUM), text, re.M)
    if m:
        off, on = float(m.group(1)), float(m.group(2))
        fig.figures["cpu_s"] = {"off": off, "on": on}
        fig.figures["ns_per_element_buffer"] = float(m.group(3))
        if off > 0:
            fig.ratio("cpu with profiling / without", on / off, "lower")


def parse_pipeline(text, fig):
    rows = fig.figures.setdefault("rows", [])
    runs = []
    for line in text.splitlines():
        m = re.match(r"^\s+\(run \d+: pipeline (%s), loop (%s) items/s\)" %
                     (NUM, NUM), line)
        if m:
            runs.append([float(m.group(1)), float(m.group(2))])
            continue
        m = re.match(r"^  (\S+)\s+(\d+)\s+(%s)\s+(%s)\s+(%s)" %
                     (NUM, NUM, NUM), line)
        if m:
            rows.append({"model": m.group(1), "batch": int(m.group(2)),
                         "pipeline": float(m.group(3)),
                         "loop": float(m.group(4)), "runs": runs})
            runs = []
            fig.ratio("%s batch %s: pipeline / C++ loop" %
                      (m.group(1), m.group(2)), m.group(5))


def parse_tracer(text, fig):
    f = fig.figures
    f["pairs"] = [{"without": float(a), "with": float(b)} for a, b in
                  re.findall(r"^pair \d+: without (%s) s CPU, with the tracer "
                             r"(%s) s CPU" % (NUM, NUM), text, re.M)]
    m = re.search(r"\(sum ratio (%s)\); median ratio (%s) .*interquartile "
                  r"spread of the ratios (%s)" % (NUM, NUM, NUM), text)
    if m:
        f["spread"] = float(m.group(3))
        fig.ratio("CPU with the tracer / without, sum of the pairs",
                  m.group(1), "lower")
        fig.ratio("CPU with the tracer / without, median pair", m.group(2),
                  "lower")
    m = re.search(r"^direct: hooks (%s) ns per push .* one refresh (%s) us "
                  r"per s = (%s) %% of the pipeline's (%s) ms CPU" %
                  (NUM, NUM, NUM, NUM), text, re.M)
    if m:
        f["direct"] = {"hook_ns": float(m.group(1)),
                       "refresh_us": float(m.group(2)),
                       "overhead_percent": float(m.group(3)),
                       "pipeline_ms_cpu_per_s": float(m.group(4))}
        fig.ratio("CPU with the tracer / without, direct estimate",
                  1 + float(m.group(3)) / 100, "lower")


PARSERS = {
    "convert": parse_convert,
    "gpubatch": parse_gpubatch,
    "gpuinfer": parse_gpuinfer,
    "gpukvcache": parse_gpukvcache,
    "kvtable": parse_kvtable,
    "optbin-fusion": parse_fusion,
    "optbin-jitter": parse_jitter,
    "optbin-profiling": parse_profiling,
    "pipeline": parse_pipeline,
    "tracer": parse_tracer,
}


def parse(name, stdout):
    fig = Figures()
    if name in PARSERS:
        PARSERS[name](stdout, fig)
    return fig


def read_jitter_samples(lines):
    samples = {}
    for line in lines:
        props, _, values = line.partition("\t")
        samples.setdefault(JITTER_VARIANTS.get(props, props), []).extend(
            float(v) for v in values.split())
    return samples


def read_gpubatch_timeline(lines):
    """{run: {"ms": [...], "items": [...]}}: per batch, when the consumer
    was done with it and how many items it held."""
    timeline = {}
    for line in lines:
        props, _, values = line.partition("\t")
        m = re.search(r"max-batch-size=(\d+)", props)
        label = ("adaptive 1..%s" if "adaptive=true" in props else
                 "fixed %s") % (m.group(1) if m else "?")
        pairs = [v.split(":") for v in values.split()]
        timeline[label] = {"ms": [float(t) for t, _ in pairs],
                           "items": [int(n) for _, n in pairs]}
    return timeline


# benchmark: (environment variable naming its side output file, figure, reader)
SIDE_OUTPUTS = {
    "optbin-jitter": ("OPTBENCH_SAMPLES", "samples_us", read_jitter_samples),
    "gpubatch": ("BENCH_GPUBATCH_TIMELINE", "timeline",
                 read_gpubatch_timeline),
}


# --- running ---------------------------------------------------------------


def git(*args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.run(("git", "-C", root) + args, capture_output=True,
                          text=True).stdout.strip()


def machine():
    cpu = platform.processor()
    mem = None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 1048576, 1)
    osname = platform.system()
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    gpu = shutil.which("nvidia-smi") and subprocess.run(
        ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
        capture_output=True, text=True).stdout.strip()
    return {"hostname": platform.node(), "cpu": cpu,
            "cores": os.cpu_count(), "memory_gib": mem, "os": osname,
            "kernel": platform.release(), "gpu": gpu or None}


def list_benchmarks(build):
    out = subprocess.run(["meson", "introspect", "--benchmarks", build],
                         capture_output=True, text=True, check=True).stdout
    return [b["name"] for b in json.loads(out)]


def run_benchmark(build, name, tmp, rebuild):
    """Runs one benchmark through meson test (its own environment, timeout
    and dependencies) and returns its record."""
    logbase = "bench-report-" + re.sub(r"[^\w.-]", "_", name)
    log = os.path.join(build, "meson-logs", logbase + ".json")
    env = dict(os.environ)
    if name in SIDE_OUTPUTS:
        side = os.path.join(tmp, name + ".txt")
        env[SIDE_OUTPUTS[name][0]] = side
    record = {"load_average_start": loadavg(),
              "started": datetime.datetime.now(datetime.timezone.utc)
              .isoformat(timespec="seconds")}
    t0 = time.monotonic()
    proc = subprocess.run(["meson", "test", "-C", build, "--benchmark",
                           "--quiet", "--logbase", logbase] +
                          ([] if rebuild else ["--no-rebuild"]) + [name],
                          env=env)
    record["duration_s"] = round(time.monotonic() - t0, 1)
    record["load_average_end"] = loadavg()
    stdout, stderr, rc = "", "", proc.returncode
    if os.path.exists(log):
        with open(log) as f:
            for line in f:
                entry = json.loads(line)
                # "project:suite / name"
                if entry["name"].split(" / ")[-1] == name:
                    stdout = entry.get("stdout") or ""
                    stderr = entry.get("stderr") or ""
                    rc = entry.get("returncode", rc)
                    record["result"] = entry.get("result")
    record.update(returncode=rc, stdout=stdout, stderr_tail=stderr[-4000:])
    fig = parse(name, stdout)
    if name in SIDE_OUTPUTS and os.path.exists(side):
        with open(side) as f:
            lines = f.read().splitlines()
        fig.figures[SIDE_OUTPUTS[name][1]] = SIDE_OUTPUTS[name][2](lines)
    record.update(figures=fig.figures, ratios=fig.ratios)
    return record


def new_run(args):
    benchmarks = list_benchmarks(args.build)
    if args.only:
        unknown = set(args.only) - set(benchmarks)
        if unknown:
            sys.exit("no such benchmark in %s: %s (there are: %s)" % (
                args.build, ", ".join(sorted(unknown)), ", ".join(benchmarks)))
        benchmarks = [b for b in benchmarks if b in args.only]
    run = {
        "format": FORMAT,
        "date": datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD"),
        "commit_subject": git("log", "-1", "--format=%s"),
        "worktree_modified": bool(git("status", "--porcelain", "-uno")),
        "machine": machine(),
        "build_dir": os.path.abspath(args.build),
        "load_average_start": loadavg(),
        "benchmarks": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in benchmarks:
            print("bench-report: running %s (load average %s)" %
                  (name, " ".join("%.2f" % x for x in loadavg())), flush=True)
            run["benchmarks"][name] = run_benchmark(args.build, name, tmp,
                                                    args.rebuild)
    run["load_average_end"] = loadavg()
    return run


# --- comparing -------------------------------------------------------------


def compare(run, previous, threshold):
    """Each ratio of run against the previous run's. worse is the fraction by
    which it moved in the bad direction (negative: it got better)."""
    rows = []
    for bench, rec in sorted(run["benchmarks"].items()):
        old_ratios = ((previous or {}).get("benchmarks", {}).get(bench) or
                      {}).get("ratios", {})
        for name, r in rec.get("ratios", {}).items():
            row = {"benchmark": bench, "ratio": name, "value": r["value"],
                   "better": r["better"], "previous": None, "worse": None,
                   "flagged": False}
            old = old_ratios.get(name)
            if old and old["value"] > 0 and r["value"] > 0:
                row["previous"] = old["value"]
                change = (r["value"] - old["value"]) / old["value"]
                row["worse"] = -change if r["better"] == "higher" else change
                row["flagged"] = row["worse"] > threshold
            rows.append(row)
    gone = []  # of the benchmarks run both times
    for bench, rec in (previous or {}).get("benchmarks", {}).items():
        if bench in run["benchmarks"]:
            cur = run["benchmarks"][bench].get("ratios", {})
            gone += ["%s: %s" % (bench, n) for n in rec.get("ratios", {})
                     if n not in cur]
    return rows, gone


# --- plots -----------------------------------------------------------------


def bars(ax, groups, series, title, unit, log=False, horizontal=False):
    """Grouped bars: one group per label in groups, one bar per (label,
    values) in series (series whose values are all 0 or None are left out)."""
    series = [(label, [v or 0 for v in vals]) for label, vals in series
              if any(vals)]
    w = 0.8 / max(len(series), 1)
    draw = ax.barh if horizontal else ax.bar
    for i, (label, vals) in enumerate(series):
        off = (i - (len(series) - 1) / 2) * w
        draw([j + off for j in range(len(vals))], vals, w, label=label)
    ticks = ax.set_yticks if horizontal else ax.set_xticks
    ticks(range(len(groups)), groups, fontsize=7)
    if horizontal:
        ax.invert_yaxis()
    (ax.set_xscale if horizontal else ax.set_yscale)(
        "log" if log else "linear")
    (ax.set_xlabel if horizontal else ax.set_ylabel)(
        unit + (" (log)" if log else ""))
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        ax.legend(fontsize=7)


def plots(run, out):
    """Draws what the run's figures hold. Returns {benchmark: [(file,
    caption)]} and {benchmark: [what could not be drawn]}."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn, missing = {}, {}
    b = run["benchmarks"]

    def fig_of(bench):
        rec = b.get(bench)
        return rec["figures"] if rec else None

    def panels(n, width, height, rows=1):
        fig, axes = plt.subplots(rows, n, figsize=(width * n, height * rows),
                                 squeeze=False)
        return fig, [ax for row in axes for ax in row]

    def save(fig, bench, name, caption):
        fig.tight_layout()
        fig.savefig(os.path.join(out, name), dpi=90)
        plt.close(fig)
        drawn.setdefault(bench, []).append((name, caption))

    def lack(bench, what):
        missing.setdefault(bench, []).append(what)

    f = fig_of("convert")
    if f and f.get("scaled"):
        cases = f["scaled"]
        fig, (ax,) = panels(1, 9, 0.32 * len(cases) + 1.5)
        bars(ax, [c["case"] for c in cases],
             [(label, [c[key] for c in cases]) for key, label in (
                 ("one", "ours, 1 thread (CPU time)"),
                 ("all", "ours, all cores (wall clock)"),
                 ("vconv", "GstVideoConverter + norm"),
                 ("cv", "OpenCV + norm"))],
             "Conversion into slots, per case, against the baselines",
             "items/s", log=True, horizontal=True)
        save(fig, "convert", "convert.png",
             "Conversion throughput per case: ours on one thread and on all "
             "cores against GstVideoConverter and OpenCV, each followed by "
             "the project's normalisation.")
    elif "convert" in b:
        lack("convert", "conversion plot: no case lines in the output")

    f = fig_of("gpuinfer")
    g = fig_of("gpubatch")
    curves = []
    if f and f.get("sweep"):
        curves += [("%s (gpuinfer)" % m, s["sizes"], s["items_s"], None)
                   for m, s in f["sweep"].items()]
    elif "gpuinfer" in b:
        lack("gpuinfer", "batch-size sweep: part 2 not in the output")
    if g and g.get("fixed"):
        curves.append(("gpubatch, simulated consumer",
                       [x["size"] for x in g["fixed"]],
                       [x["items_s"] for x in g["fixed"]], g.get("adaptive")))
    elif "gpubatch" in b:
        lack("gpubatch", "fixed batch sizes: not in the output")
    if curves:
        fig, axes = panels(len(curves), 4, 3.4)
        for ax, (title, sizes, rates, adaptive) in zip(axes, curves):
            ax.plot(sizes, rates, "o-", label="fixed")
            ax.set_xscale("log", base=2)
            ax.set_xticks(sizes, [str(x) for x in sizes])
            if adaptive:
                ax.axhline(adaptive["items_s"], color="C1", linestyle="--",
                           label="adaptive (final target %d)" %
                           adaptive["target"])
                ax.legend(fontsize=7)
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("batch size")
            ax.set_ylabel("items/s")
        save(fig, "gpuinfer" if f else "gpubatch", "batch-size.png",
             "Throughput by batch size: gpuinfer's sweep per model "
             "(appsrc ! gpuinfer ! fakesink) and gpubatch's fixed sizes "
             "against its adaptive size for a simulated consumer.")

    if f and f.get("adaptive"):
        models = list(f["adaptive"])
        fig, axes = panels(len(models), 4, 3.2)
        for ax, m in zip(axes, models):
            a = f["adaptive"][m]
            bars(ax, ["whole run", "second half"],
                 [((("fixed %d" if k == "fixed" else "adaptive 1..%d") %
                    a[k]["size"]), [a[k]["whole"], a[k]["second_half"]])
                  for k in ("fixed", "adaptive") if k in a],
                 "%s, %d items" % (m, a["items"]), "items/s")
        save(fig, "gpuinfer", "adaptive.png",
             "Adaptive against the best fixed batch size "
             "(videotestsrc ! gpubatch ! gpuinfer): the whole run, sweep "
             "included, and the second half of the items.")
    elif "gpuinfer" in b:
        lack("gpuinfer", "adaptive against fixed: part 3 not in the output")

    g = fig_of("gpubatch")
    if g and g.get("timeline"):
        fig, (done, size) = panels(2, 5, 3.4)
        for label, batches in g["timeline"].items():
            xs = [0] + [ms / 1000 for ms in batches["ms"]]
            ys = [0]
            for n in batches["items"]:
                ys.append(ys[-1] + n)
            adaptive = label.startswith("adaptive")
            done.plot(xs, ys, linewidth=2.2 if adaptive else 1,
                      color="k" if adaptive else None, label=label)
            if adaptive:
                size.step(xs[1:], batches["items"], where="post", color="k")
        done.set_xlabel("s")
        done.set_ylabel("items done")
        done.set_title("Items through the simulated consumer", fontsize=9)
        done.legend(fontsize=6, ncol=2)
        size.set_xlabel("s")
        size.set_ylabel("items in the batch")
        size.set_title("Adaptive: size of each batch", fontsize=9)
        save(fig, "gpubatch", "adaptive-gpubatch.png",
             "gpubatch adaptive against each fixed batch size over time, "
             "for the simulated consumer (best at 5 items per batch).")
    elif "gpubatch" in b:
        lack("gpubatch", "adaptive against fixed over time: no timeline "
             "(BENCH_GPUBATCH_TIMELINE) in this run")

    f = fig_of("kvtable")
    if f and f.get("runs"):
        keys = sorted({r["keys"] for r in f["runs"]}, reverse=True)
        fig, axes = panels(2, 5, 3.2, rows=len(keys))
        cells = [(k, op) for k in keys for op in ("find", "insert")]
        for ax, (k, op) in zip(axes, cells):
            rows = [(r["entries"], x) for r in f["runs"] if r["keys"] == k
                    for x in r["rows"] if x["op"] == op]
            bars(ax, ["%s\n%d%%" % (entries(n), x["hit"]) for n, x in rows],
                 [(label, [x[key] for _, x in rows]) for key, label in (
                     ("kvtable", "kvtable"), ("ghash", "GHashTable"),
                     ("redis", "Redis"))],
                 "%s, %s keys (table size, hit %%)" % (op, k), "Mops/s",
                 log=True)
        save(fig, "kvtable", "kvtable.png",
             "KV table operations per second against GHashTable and Redis "
             "by table size and hit ratio (Redis: pipelined on loopback, "
             "measured once with its own key set and shown with the "
             "sequential keys).")
        if not any(x["redis"] for r in f["runs"] for x in r["rows"]):
            lack("kvtable", "Redis: no redis-server ran, so no Redis bars")
    elif "kvtable" in b:
        lack("kvtable", "KV table plot: no table sections in the output")

    f = fig_of("gpukvcache")
    models = [m for m, v in (f or {}).get("models", {}).items()
              if "speedup baseline" in v]
    if models:
        fig, (ax,) = panels(1, 6.5, 3.4)
        cur = f["models"]
        bars(ax, models,
             [("cached / %s (%s)" % (k, clock),
               [cur[m].get("speedup " + k, {}).get(key) for m in models])
              for k in ("baseline", "baseline/4")
              for key, clock in (("wall", "wall clock"),
                                 ("cpu", "CPU time"))],
             "Memoised gpuinfer (gpukvcache), half the frames repeat",
             "speed-up")
        for x, m in enumerate(models):
            if "ideal" in cur[m]:
                ax.hlines(cur[m]["ideal"], x - 0.45, x + 0.45, colors="k",
                          linestyles="--",
                          label="ideal for the hits" if x == 0 else None)
        ax.legend(fontsize=7)
        save(fig, "gpukvcache", "memo.png",
             "Memoisation speed-up of gpukvcache lookup/store around "
             "gpuinfer (baseline/4: the baseline at batch 4, as most "
             "cached batches run the engine), against the ideal for the "
             "cache hits.")
    elif "gpukvcache" in b:
        lack("gpukvcache", "speed-up plot: no model sections in the output")

    f = fig_of("optbin-jitter")
    if f and f.get("samples_us"):
        samples = {k: sorted(v) for k, v in f["samples_us"].items() if v}
        fig, (hist, tail) = panels(2, 5, 3.6)
        top = max(v[-1] for v in samples.values()) / 1000
        for label in ("without gpuoptbin", "with gpuoptbin"):
            if label in samples:
                hist.hist([v / 1000 for v in samples[label]],
                          bins=[top * i / 60 for i in range(61)], alpha=0.6,
                          label="%s (%d buffers)" % (label,
                                                     len(samples[label])))
        hist.set_yscale("log")
        hist.set_xlabel("arrival jitter (ms)")
        hist.set_ylabel("buffers (log)")
        hist.set_title("Histogram", fontsize=9)
        hist.legend(fontsize=7)
        for label, vals in samples.items():
            n = len(vals)
            tail.step([v / 1000 for v in vals],
                      [(n - i) / n for i in range(n)], where="post",
                      label=label)
        tail.set_yscale("log")
        tail.set_xlabel("arrival jitter (ms)")
        tail.set_ylabel("share of buffers at least this late")
        tail.set_title("Tail, every variant", fontsize=9)
        tail.legend(fontsize=7)
        fig.suptitle("10 ms audio at a synchronised sink under load",
                     fontsize=10)
        save(fig, "optbin-jitter", "jitter.png",
             "Arrival jitter of every audio buffer of both rounds, without "
             "and with gpuoptbin (and its variants without SCHED_FIFO or "
             "without marking the video branch background).")
    elif "optbin-jitter" in b:
        lack("optbin-jitter", "jitter histograms: no per-buffer samples "
             "(OPTBENCH_SAMPLES) in this run")

    f = fig_of("optbin-fusion")
    p = fig_of("optbin-profiling")
    pairs = []
    if f:
        pairs += [(k, "without", v["without"], "with", v["with"])
                  for k, v in f.items()]
    if p and p.get("cpu_s"):
        pairs.append(("CPU time (s), profiling", "off",
                      p["cpu_s"]["off"], "on", p["cpu_s"]["on"]))
    if pairs:
        fig, axes = panels(len(pairs), 2.4, 3)
        for ax, (title, a, x, c, y) in zip(axes, pairs):
            bars(ax, [a, c], [("", [x, y])], title, "")
        save(fig, "optbin-fusion" if f else "optbin-profiling",
             "optimizer.png",
             "gpuoptbin: CPU time, context switches, streaming threads and "
             "CPU per buffer of 64 chains without and with fusion; CPU time "
             "without and with profiling.")

    f = fig_of("pipeline")
    if f and f.get("rows"):
        rows = f["rows"]
        fig, (ax,) = panels(1, 6.5, 3.2)
        bars(ax, ["%s\nbatch %d" % (r["model"], r["batch"]) for r in rows],
             [("pipeline", [r["pipeline"] for r in rows]),
              ("C++ loop", [r["loop"] for r in rows])],
             "Demo pipeline against a C++ loop, steady state", "items/s",
             log=True)
        save(fig, "pipeline", "pipeline.png",
             "The demo pipeline (gpubatch, gpuinfer, gpuunbatch) against a "
             "plain loop running the same conversion and model.")
    elif "pipeline" in b:
        lack("pipeline", "pipeline plot: no result rows in the output")
    f = fig_of("tracer")
    if f and f.get("pairs"):
        fig, (ax,) = panels(1, 6.5, 3.2)
        pairs = f["pairs"]
        bars(ax, ["pair %d" % i for i in range(len(pairs))],
             [(k, [x[k] for x in pairs]) for k in ("without", "with")],
             "A 1 kHz pipeline without and with GST_TRACERS=gpustream",
             "CPU s")
        if f.get("direct"):
            ax.set_xlabel("direct estimate: %+.2f %% (hooks %.0f ns per "
                          "push, one refresh %.0f us per s)" % (
                              f["direct"]["overhead_percent"],
                              f["direct"]["hook_ns"],
                              f["direct"]["refresh_us"]), fontsize=8)
        save(fig, "tracer", "tracer.png",
             "CPU time of the same live 1 kHz pipeline run in pairs without "
             "and with the gpustream tracer, and the overhead estimated "
             "from the hooks' and a refresh's own cost.")
    elif "tracer" in b:
        lack("tracer", "tracer plot: no pair lines in the output")
    return drawn, missing


# --- report ----------------------------------------------------------------


def fmt_la(la):
    return " ".join("%.2f" % x for x in la) if la else "?"


def write_html(run, previous, rows, gone, drawn, missing, threshold, path):
    e = html.escape
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
           "<title>gst-gpustream benchmark report</title><style>",
           "body{font-family:sans-serif;max-width:70em;margin:auto}",
           "table{border-collapse:collapse;font-size:90%}",
           "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}",
           "td:first-child{text-align:left}.bad{background:#fcc}",
           "img{max-width:100%}",
           "</style></head><body>",
           "<h1>gst-gpustream benchmark report</h1>"]
    m = run.get("machine", {})
    out.append("<p>%s, commit <code>%s</code> %s%s<br>machine: %s, %s "
               "cores, %s GiB, %s, kernel %s, GPU: %s<br>load average "
               "(1/5/15 min) %s at the start, %s at the end</p>" % (
                   e(run["date"]), e(run["commit"][:12]),
                   e(run.get("commit_subject", "")),
                   " (tracked files modified)" if
                   run.get("worktree_modified") else "",
                   e(str(m.get("cpu"))), m.get("cores"),
                   m.get("memory_gib"), e(str(m.get("os"))),
                   e(str(m.get("kernel"))), e(str(m.get("gpu") or "none")),
                   fmt_la(run.get("load_average_start")),
                   fmt_la(run.get("load_average_end"))))
    flagged = [r for r in rows if r["flagged"]]
    if previous:
        out.append("<p>Compared with the run of %s (commit <code>%s</code>, "
                   "load average %s): %d of %d ratios got worse by more than "
                   "%.0f %%.</p>" % (
                       e(previous["date"]), e(previous["commit"][:12]),
                       fmt_la(previous.get("load_average_start")),
                       len(flagged), sum(r["previous"] is not None
                                         for r in rows), threshold * 100))
    else:
        out.append("<p>No previous run to compare with.</p>")
    if flagged:
        out.append("<h2>Flagged</h2><ul>%s</ul>" % "".join(
            "<li>%s: %s %.3f, was %.3f (%.1f %% worse)</li>" % (
                e(r["benchmark"]), e(r["ratio"]), r["value"], r["previous"],
                r["worse"] * 100) for r in flagged))
    if gone:
        out.append("<p>Ratios of the previous run missing from this one: "
                   "%s</p>" % e(", ".join(gone)))
    for bench, rec in sorted(run["benchmarks"].items()):
        out.append("<h2>%s</h2><p>exit status %s, %.0f s, load average %s "
                   "at the start, %s at the end</p>" % (
                       e(bench), rec.get("returncode"), rec.get(
                           "duration_s", 0),
                       fmt_la(rec.get("load_average_start")),
                       fmt_la(rec.get("load_average_end"))))
        if bench not in PARSERS:
            out.append("<p>No parser for this benchmark: its output is "
                       "kept below but nothing is plotted or compared.</p>")
        for name, caption in drawn.get(bench, []):
            out.append("<figure><img src='%s' alt='%s'><figcaption>%s"
                       "</figcaption></figure>" % (e(name), e(caption),
                                                   e(caption)))
        for what in missing.get(bench, []):
            out.append("<p><em>Not plotted: %s.</em></p>" % e(what))
        brows = [r for r in rows if r["benchmark"] == bench]
        if brows:
            out.append("<table><tr><th>ratio</th><th>better</th><th>value"
                       "</th><th>previous</th><th>change</th></tr>")
            for r in brows:
                change = ""
                if r["worse"] is not None:
                    change = "%+.1f %%" % (-r["worse"] * 100)
                out.append("<tr%s><td>%s</td><td>%s</td><td>%.3f</td>"
                           "<td>%s</td><td>%s</td></tr>" % (
                               " class='bad'" if r["flagged"] else "",
                               e(r["ratio"]), r["better"], r["value"],
                               "" if r["previous"] is None else
                               "%.3f" % r["previous"], change))
            out.append("</table>")
        elif bench in PARSERS:
            out.append("<p><em>No ratios found in the output.</em></p>")
        out.append("<details><summary>output</summary><pre>%s</pre>"
                   "</details>" % e(rec.get("stdout", "")))
    not_run = sorted(set(missing) - set(run["benchmarks"]))
    if not_run:
        out.append("<h2>Not in this run</h2><ul>%s</ul>" % "".join(
            "<li>%s: %s</li>" % (e(n), e("; ".join(missing[n])))
            for n in not_run))
    out.append("<p>Change: in the ratio's better direction. Flagged: worse "
               "by more than %.0f %%.</p></body></html>" % (threshold * 100))
    with open(path, "w") as f:
        f.write("\n".join(out))


def dumps(run):
    """Indented JSON with each list of numbers on one line."""
    return re.sub(r"\[[-+.\deE,\s]*\]",
                  lambda m: "".join(m.group(0).split()).replace(",", ", "),
                  json.dumps(run, indent=1)) + "\n"


def previous_run(runs_dir, run):
    """The newest run in runs_dir dated before run."""
    best = None
    for path in glob.glob(os.path.join(runs_dir, "*.json")):
        with open(path) as f:
            date = json.load(f).get("date", "")
        if date < run["date"] and (best is None or date > best[0]):
            best = (date, path)
    return best and best[1]


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-C", dest="build", default="build",
                    help="meson build directory (default: build)")
    ap.add_argument("--out", help="report directory (default: "
                    "BUILD/bench-report)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this benchmark (repeatable)")
    ap.add_argument("--no-rebuild", dest="rebuild", action="store_false",
                    help="run the benchmarks as built (meson test "
                    "--no-rebuild)")
    ap.add_argument("--from-json", metavar="RUN",
                    help="take this run's figures from a JSON file instead "
                    "of running the benchmarks")
    ap.add_argument("--previous", metavar="RUN",
                    help="compare with this JSON run (default: the newest "
                    "earlier run in OUT/runs)")
    ap.add_argument("--threshold", type=float, default=10.0, metavar="PCT",
                    help="flag a ratio worse by more than PCT %% "
                    "(default: 10)")
    ap.add_argument("--fail-on-regression", action="store_true",
                    help="exit with status 1 when a ratio is flagged")
    ap.add_argument("--no-plots", action="store_true",
                    help="compare and write the HTML without plots")
    ap.add_argument("--copy-plots", metavar="DIR",
                    help="also copy the PNG plots and the run's JSON "
                    "(as bench-run.json) into DIR, e.g. docs/perf")
    args = ap.parse_args()
    threshold = args.threshold / 100
    out = args.out or os.path.join(args.build, "bench-report")
    runs_dir = os.path.join(out, "runs")
    os.makedirs(runs_dir, exist_ok=True)

    if args.from_json:
        with open(args.from_json) as f:
            run = json.load(f)
        run_path = args.from_json
    else:
        run = new_run(args)
        stamp = run["date"].replace("-", "").replace(":", "")[:15]
        run_path = os.path.join(runs_dir, "%sZ-%s.json" %
                                (stamp, run["commit"][:10]))
        with open(run_path, "w") as f:
            f.write(dumps(run))
    prev_path = args.previous or previous_run(runs_dir, run)
    previous = None
    if prev_path:
        with open(prev_path) as f:
            previous = json.load(f)

    rows, gone = compare(run, previous, threshold)
    drawn, missing = ({}, {}) if args.no_plots else plots(run, out)
    for name in sorted(set(PARSERS) - set(run["benchmarks"])):
        missing.setdefault(name, []).append("not run (not built in this "
                                            "build directory, or not asked)")
    report = os.path.join(out, "index.html")
    write_html(run, previous, rows, gone, drawn, missing, threshold, report)
    if args.copy_plots:
        os.makedirs(args.copy_plots, exist_ok=True)
        for bench in drawn.values():
            for name, _ in bench:
                shutil.copy(os.path.join(out, name), args.copy_plots)
        if os.path.abspath(run_path) != os.path.abspath(
                os.path.join(args.copy_plots, "bench-run.json")):
            shutil.copy(run_path, os.path.join(args.copy_plots,
                                               "bench-run.json"))

    failed = [n for n, r in run["benchmarks"].items() if r.get("returncode")]
    flagged = [r for r in rows if r["flagged"]]
    print("bench-report: run %s" % run_path)
    print("bench-report: previous %s" % (prev_path or "(none)"))
    print("bench-report: %d ratios, %d compared, %d worse by more than "
          "%g %%" % (len(rows), sum(r["previous"] is not None for r in rows),
                     len(flagged), args.threshold))
    for r in flagged:
        print("  REGRESSION %s: %s = %.3f, was %.3f (%.1f %% worse)" % (
            r["benchmark"], r["ratio"], r["value"], r["previous"],
            r["worse"] * 100))
    for name in gone:
        print("  no longer measured: %s" % name)
    for bench, whats in sorted(missing.items()):
        for what in whats:
            print("  not plotted, %s: %s" % (bench, what))
    for n in failed:
        print("  FAILED %s: exit status %s" % (n, run["benchmarks"][n]
                                               ["returncode"]))
    print("bench-report: report %s" % report)
    if failed:
        return 2
    if flagged and args.fail_on_regression:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
