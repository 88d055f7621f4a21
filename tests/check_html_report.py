#!/usr/bin/python3
"""--report in a real browser: generate the HTML report of captures with anomalies, load it
in headless Chromium, and check that it renders without script errors and that what it
shows equals tcpstate's CSV output on the same input:

  * the headline figures equal `--summary --format csv`;
  * the anomaly rows (conn_id and anomalies) equal the anomalous rows of `--format csv`,
    and each opens a ladder SVG of that connection;
  * the state chart is there (two SVGs with bands) and its samples equal the snapshot rows
    of `--summary --format csv --interval I`, with I the report's own sampling interval.

Also checks the standard-input case (no ladders, and the report says why) and the size
bound. Keeps a screenshot in the artifacts directory.

  check_html_report.py BINARY [--root REPO] [--artifacts DIR]

Exit 0 on success, 1 on a failed check, 77 (skip) when /usr/bin/chromium is missing.
Standard library only.
"""
import argparse
import csv
import html.parser
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
INPUTS = [
    "testdata/kernel/lost_final_close_ack.pcap",
    "testdata/kernel/half_open_rst.pcap",
    "testdata/kernel/refused.pcap",
    "testdata/kernel/close_wait_leak.pcap",
    "testdata/kernel/syn_flood.pcap",
]
ANALYSIS = ["--close-wait-timeout", "2"]
SIZE_BOUND = 5 * 1024 * 1024

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message, file=sys.stderr)
    return condition


def run(binary, args, root, stdin=None):
    result = subprocess.run([binary] + args, cwd=root, stdin=stdin, capture_output=True,
                            timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"tcpstate {' '.join(args)} exited {result.returncode}: "
                         f"{result.stderr.decode(errors='replace')}")
    return result.stdout.decode()


def chromium(args, url, profile):
    command = [CHROMIUM] + CHROMIUM_FLAGS + [f"--user-data-dir={profile}"] + args + [url]
    return subprocess.run(command, capture_output=True, timeout=120)


def console_errors(stderr):
    """Lines of Chromium's log that report a script error or a console error."""
    bad = []
    for line in stderr.splitlines():
        if "Uncaught" in line or ("CONSOLE" in line and "ERROR" in line) or \
                re.search(r"console.*error", line, re.IGNORECASE):
            bad.append(line)
    return bad


class Dom(html.parser.HTMLParser):
    """Collects the elements the checks need, with their attributes and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, attrs dict, text list)
        self.stack = []

    def handle_starttag(self, tag, attrs):
        element = (tag, dict(attrs), [])
        self.elements.append(element)
        if tag not in ("meta", "br", "img", "input", "link", "line", "path", "hr"):
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), []))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element[2].append(data)

    def find(self, tag=None, **attrs):
        found = []
        for element_tag, element_attrs, text in self.elements:
            if tag is not None and element_tag != tag:
                continue
            ok = True
            for key, value in attrs.items():
                key = key.rstrip("_").replace("_", "-")
                if value is True:
                    ok = key in element_attrs
                elif key == "class":
                    ok = value in (element_attrs.get("class") or "").split()
                else:
                    ok = element_attrs.get(key) == value
                if not ok:
                    break
            if ok:
                found.append((element_tag, element_attrs, "".join(text)))
        return found


def summary_figures(text):
    figures = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["section"] == "capture":
            figures[row["metric"]] = row["value"]
    return figures


def snapshot_samples(text):
    """Snapshot rows of `--summary --format csv --interval`: [(time, {side: {state: n}})]."""
    samples = {}
    order = []
    for row in csv.DictReader(io.StringIO(text)):
        if row["section"] != "snapshot" or ":" not in row["metric"]:
            continue
        side, state = row["metric"].split(":", 1)
        if side not in ("client", "server"):
            continue
        if row["key"] not in samples:
            samples[row["key"]] = {"client": {}, "server": {}}
            order.append(row["key"])
        samples[row["key"]][side][state] = int(row["value"])
    return [(time, samples[time]) for time in order]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parent.parent))
    parser.add_argument("--artifacts", default=None)
    options = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        print(f"SKIP: {CHROMIUM} is missing (apt-get install chromium)")
        return 77
    binary = os.path.abspath(options.binary)
    root = options.root
    artifacts = pathlib.Path(options.artifacts or os.path.join(root, "build", "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    read = [arg for path in INPUTS for arg in ("-r", path)]

    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        report = scratch / "report.html"
        run(binary, read + ANALYSIS + ["--summary", "--report", str(report)], root)
        size = report.stat().st_size
        check(size < SIZE_BOUND, f"report is {size} bytes, over the {SIZE_BOUND} bound")
        source = report.read_text()
        check("http://" not in source and "https://" not in source,
              "the report refers to the network")
        shutil.copy(report, artifacts / "html_report.html")

        connections = list(csv.DictReader(io.StringIO(run(binary, read + ANALYSIS +
                                                          ["--format", "csv"], root))))
        figures = summary_figures(run(binary, read + ANALYSIS + ["--summary", "--format", "csv"],
                                      root))

        url = report.as_uri()
        profile = scratch / "profile"
        dumped = chromium(["--dump-dom"], url, profile)
        check(dumped.returncode == 0, f"chromium --dump-dom exited {dumped.returncode}")
        errors = console_errors(dumped.stderr.decode(errors="replace"))
        check(not errors, "console errors: " + "; ".join(errors))
        dom = Dom()
        dom.feed(dumped.stdout.decode())

        # The scripts ran, and no error reached window.onerror.
        check(dom.find("body", data_ready="1"), "the page script did not run to its end")
        js_errors = dom.find(id="js-errors")
        check(js_errors and not js_errors[0][2].strip(),
              "window.onerror caught: " + (js_errors[0][2] if js_errors else "?"))

        # Headline figures.
        for key, metric in [("packets", "packets_read"), ("tcp_segments", "tcp_segments"),
                            ("connections", "connections"),
                            ("connections_with_anomalies", "connections_with_anomalies")]:
            shown = dom.find("dd", data_key=key)
            check(shown and shown[0][2].strip() == figures[metric],
                  f"headline {key}: report {shown[0][2] if shown else None}, "
                  f"csv {figures[metric]}")

        # Anomaly rows: the same connections and anomalies as the CSV.
        expected = {row["conn_id"]: row["anomalies"] for row in connections if row["anomalies"]}
        rows = dom.find("tr", class_="anomaly-row")
        shown = {attrs["data-conn-id"]: attrs["data-anomalies"] for _, attrs, _ in rows}
        check(len(expected) > 0, "the test captures have no anomaly")
        check(shown == expected, f"anomaly rows {shown} != csv {expected}")
        check(len(rows) == len(shown), "an anomaly row appears twice")
        ladders = {attrs["data-conn-id"]: attrs for _, attrs, _ in dom.find("svg", class_="ladder")}
        check(set(ladders) == set(expected), f"ladders {sorted(ladders)} != {sorted(expected)}")
        by_id = {row["conn_id"]: row for row in connections}
        for conn_id, attrs in ladders.items():
            row = by_id[conn_id]
            packets = int(row["client_packets"]) + int(row["server_packets"])
            check(int(attrs["data-packets"]) == min(packets, 200),
                  f"ladder {conn_id}: {attrs['data-packets']} packets, csv {packets}")
        check(len(dom.find("line", class_="c")) > 0 and len(dom.find("line", class_="s")) > 0,
              "ladders without arrows")

        # The diagnosis: the findings --summary --format jsonl gives, in its order, and every
        # example link leads to an anomaly row (which opens its ladder).
        findings = [json.loads(line) for line in run(binary, read + ANALYSIS + [
            "--summary", "--format", "jsonl"], root).splitlines()[1:]]
        shown_findings = [(attrs["data-kind"], attrs["data-severity"])
                          for _, attrs, _ in dom.find("div", class_="finding")]
        check(len(findings) > 0, "the test captures raise no finding")
        check(shown_findings == [(f["kind"], f["severity"]) for f in findings],
              f"findings {shown_findings} != jsonl {[(f['kind'], f['severity']) for f in findings]}")
        row_ids = {attrs.get("id") for _, attrs, _ in rows}
        links = dom.find("a", class_="conn-link")
        check(len(links) > 0, "no finding links to its evidence")
        for _, attrs, _ in links:
            check(attrs["href"].removeprefix("#") in row_ids, f"link {attrs['href']} leads nowhere")

        # The chart, and its numbers against --interval.
        charts = dom.find("svg", class_="state-chart")
        check(len(charts) == 2, f"{len(charts)} state charts, expected 2")
        check(len(dom.find("path", class_="band")) >= 2, "state charts without bands")
        data = dom.find("script", id="chart-data")
        check(data, "no chart data")
        chart = json.loads(data[0][2])
        states = chart["states"]
        interval = repr(chart["interval_s"])
        snapshots = snapshot_samples(run(binary, read + ANALYSIS + [
            "--summary", "--format", "csv", "--interval", interval], root))
        # The report's last sample is the capture's end; the others are the snapshots.
        boundary_samples = len(chart["time"]) - 1
        check(boundary_samples == len(snapshots),
              f"chart has {boundary_samples} interval samples, --interval {interval} gave "
              f"{len(snapshots)}")
        check(100 <= len(chart["time"]) <= 401, f"{len(chart['time'])} samples, expected ~200")
        for i, (time, counts) in enumerate(snapshots[:boundary_samples]):
            check(chart["time"][i] == time, f"sample {i}: time {chart['time'][i]} != {time}")
            for side in ("client", "server"):
                row = dict(zip(states, chart[side][i]))
                if not check(row == counts[side], f"sample {i} {side}: {row} != {counts[side]}"):
                    break

        # The screenshot, for a human to look at.
        screenshot = artifacts / "html_report.png"
        if screenshot.exists():
            screenshot.unlink()
        shot = chromium([f"--screenshot={screenshot}", "--window-size=1400,2000",
                         "--hide-scrollbars"], url, scratch / "profile2")
        check(shot.returncode == 0 and screenshot.exists() and screenshot.stat().st_size > 10000,
              "no screenshot")

        # Standard input cannot be read twice: no ladders, and the report says why.
        stdin_report = scratch / "stdin.html"
        with open(os.path.join(root, INPUTS[0]), "rb") as stdin:
            run(binary, ["-r", "-", "--summary", "--report", str(stdin_report)], root, stdin=stdin)
        text = stdin_report.read_text()
        check("class=\"anomaly-row\"" in text, "stdin report without anomaly rows")
        check("class=\"ladder\"" not in text, "stdin report has ladders")
        check("cannot be read twice" in text, "stdin report does not say why there are no ladders")

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print(f"ok: report {size} bytes, {len(expected)} anomalous connections, "
          f"{len(chart['time'])} samples at {interval} s; screenshot {screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
