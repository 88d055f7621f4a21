#!/usr/bin/env python3
"""The diagnosis against real kernel traffic (testdata/diagnosis/, made by
scripts/make-diagnosis-captures): every finding a scenario was designed to raise is raised,
with its severity and at least its designed numbers, the same in the table, CSV and JSONL
views, and --fail-on exits as the severities say; nothing else is raised unless the scenario
allows it. Existing kernel captures (testdata/kernel/) raise exactly the findings their
traffic calls for, and the healthy ones none at all.

Usage: check_diagnosis.py TCPSTATE ROOT
"""
import csv
import io
import json
import os
import subprocess
import sys

# Ordinary traffic: each must raise nothing with the default thresholds.
HEALTHY = ["normal_close_by_client", "normal_close_by_client_ipv6", "normal_close_by_server",
           "nginx_http", "keepalive", "simultaneous_close", "simultaneous_open",
           "tuple_reuse_client_tw", "zero_window", "midstream"]
SEVERITIES = ["info", "warning", "error"]
# Existing kernel captures (testdata/kernel/README.md) and what their traffic must raise:
# (capture, tcpstate args, [(kind, subject, severity, detail that must be in the headline)]),
# exactly these findings. The kinds the diagnosis scenarios do not make are proven here.
SERVER = "server 127.0.0.1:8080"
KERNEL_EXPECTED = [
    ("busy_server_capture_drops", [],
     [("time_wait_load", SERVER, "warning", "the server closes first"),
      ("capture_quality", "capture", "info", "segments the peers acknowledged are missing")]),
    ("syn_flood", ["--syn-flood-threshold", "20"],
     [("syn_flood", SERVER, "error", "60 handshakes began during a SYN flood")]),
    ("syn_flood", [],
     [("syn_backlog", SERVER, "warning", "60 server endpoint(s) left in SYN_RECEIVED")]),
    ("peer_vanishes", [], [("half_open", SERVER, "error", "the server in 1")]),
    ("half_open_rst", [], [("half_open", SERVER, "error", "the server in 1")]),
    ("half_open_new_syn", [], [("half_open", SERVER, "error", "the client in 1")]),
    ("close_wait_leak", ["--close-wait-timeout", "2"],
     [("close_wait_leak", SERVER, "warning", "1 server endpoint(s)")]),
    ("close_skips_time_wait", ["--finding-min-connections", "1"],
     [("missing_time_wait", SERVER, "warning", "by the client in 1"),
      ("abortive_close", SERVER, "warning", "cutting TIME_WAIT short")]),
    ("refused", ["--finding-min-connections", "1"],
     [("connection_refused", "server 127.0.0.1:8090", "warning", "refused with RST")]),
    ("syn_dropped", ["--finding-min-connections", "1"],
     [("syn_unanswered", SERVER, "warning", "got nothing back")]),
    ("capture_one_way_client", [],
     [("capture_quality", "capture", "info", "in one direction only")]),
]


def run(binary, args):
    return subprocess.run([binary] + args, capture_output=True, text=True, timeout=60)


def jsonl_findings(binary, pcap, args):
    out = run(binary, ["-r", pcap, "--summary", "--format", "jsonl"] + args)
    if out.returncode != 0:
        raise AssertionError(f"exit {out.returncode}: {out.stderr}")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    if lines[0].get("type") != "summary":
        raise AssertionError("the summary line does not come first")
    return [line for line in lines[1:] if line.get("type") == "finding"]


def csv_findings(binary, pcap, args):
    out = run(binary, ["-r", pcap, "--summary", "--format", "csv"] + args)
    rows = [r for r in csv.DictReader(io.StringIO(out.stdout)) if r["section"] == "diagnosis"]
    found = {}
    for row in rows:
        found.setdefault(row["key"], {})[row["metric"]] = row["value"]
    return found


def table_section(binary, pcap, args):
    out = run(binary, ["-r", pcap, "--summary"] + args).stdout
    return out[out.index("\nDiagnosis ("):] if "\nDiagnosis (" in out else ""


def check_scenario(binary, root, doc):
    pcap = os.path.join(root, "testdata", "diagnosis", doc["capture"])
    args = doc["tcpstate_args"]
    findings = jsonl_findings(binary, pcap, args)
    expected = doc["expected_findings"]
    allowed = set(doc.get("allowed_findings", []))
    problems = []
    for want in expected:
        match = [f for f in findings if f["kind"] == want["kind"] and f["subject"] == want["subject"]]
        if not match:
            problems.append(f"missing {want['kind']} for {want['subject']}")
            continue
        got = match[0]
        if want.get("severity") and got["severity"] != want["severity"]:
            problems.append(f"{want['kind']}: severity {got['severity']}, want {want['severity']}")
        for name, least in want.get("metrics_at_least", {}).items():
            value = got["metrics"].get(name)
            if value is None or value < least:
                problems.append(f"{want['kind']}: {name}={value}, want at least {least}")
        if not got["conn_ids"]:
            problems.append(f"{want['kind']}: no example conn_ids")
        if not got["remedies"] or not got["explanation"]:
            problems.append(f"{want['kind']}: no explanation or remedies")
    kinds = {w["kind"] for w in expected} | allowed
    for got in findings:
        if got["kind"] not in kinds:
            problems.append(f"unexpected {got['kind']} for {got['subject']}: {got['headline']}")
    # The other views say the same.
    rows = csv_findings(binary, pcap, args)
    table = table_section(binary, pcap, args)
    for got in findings:
        key = f"{got['kind']} {got['subject']}"
        if rows.get(key, {}).get("severity") != got["severity"]:
            problems.append(f"CSV lacks {key} as {got['severity']}")
        if f"  {got['severity']}  {got['kind']}  {got['subject']}\n" not in table:
            problems.append(f"the table's Diagnosis section lacks {key}")
    # --fail-on: exit 1 exactly when a finding is at least that severe.
    worst = max((SEVERITIES.index(f["severity"]) for f in findings), default=-1)
    for level, name in enumerate(SEVERITIES):
        code = run(binary, ["-r", pcap, "--summary", "--format", "csv", "--fail-on", name] +
                   args).returncode
        want = 1 if worst >= level else 0
        if code != want:
            problems.append(f"--fail-on {name}: exit {code}, want {want}")
    return findings, problems


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, root = sys.argv[1], sys.argv[2]
    failed = 0
    directory = os.path.join(root, "testdata", "diagnosis")
    names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
    if not names:
        print("no scenarios in testdata/diagnosis", file=sys.stderr)
        return 1
    for name in names:
        with open(os.path.join(directory, name)) as f:
            doc = json.load(f)
        findings, problems = check_scenario(binary, root, doc)
        status = "FAIL" if problems else "ok"
        print(f"{status:4} {doc['scenario']}: " +
              ", ".join(f"{f['kind']}/{f['severity']}" for f in findings))
        for problem in problems:
            print(f"     {problem}")
        failed += bool(problems)
    for name in HEALTHY:
        pcap = os.path.join(root, "testdata", "kernel", name + ".pcap")
        findings = jsonl_findings(binary, pcap, [])
        code = run(binary, ["-r", pcap, "--fail-on", "info", "-q"]).returncode
        ok = not findings and code == 0
        print(f"{'ok' if ok else 'FAIL':4} healthy {name}: "
              + (", ".join(f"{f['kind']} {f['headline']}" for f in findings) or "no finding")
              + ("" if code == 0 else f", --fail-on info exit {code}"))
        failed += not ok
    for name, args, wanted in KERNEL_EXPECTED:
        pcap = os.path.join(root, "testdata", "kernel", name + ".pcap")
        got = [(f["kind"], f["subject"], f["severity"], f["headline"])
               for f in jsonl_findings(binary, pcap, args)]
        ok = len(got) == len(wanted) and all(
            g[:3] == w[:3] and w[3] in g[3] for g, w in zip(sorted(got), sorted(wanted)))
        print(f"{'ok' if ok else 'FAIL':4} kernel {name} {' '.join(args)}: "
              + ", ".join(f"{g[0]}/{g[2]}" for g in got))
        if not ok:
            print(f"     got {got}")
            print(f"     want {wanted}")
        failed += not ok
    # The thresholds decide: the same burst against Linux's default range is no pressure, and
    # the server's burst below the default TIME_WAIT threshold is only a projection (info).
    burst = os.path.join(directory, "diag_port_range_burst.pcap")
    if os.path.exists(burst) and any(f["kind"] == "ephemeral_port_pressure"
                                     for f in jsonl_findings(binary, burst, [])):
        print("FAIL the default port range (28,232 ports) is under pressure from 240 ports")
        failed += 1
    closes = os.path.join(directory, "diag_server_closes_first.pcap")
    if os.path.exists(closes):
        load = [f for f in jsonl_findings(binary, closes, []) if f["kind"] == "time_wait_load"]
        if len(load) != 1 or load[0]["severity"] != "info":
            print(f"FAIL below --time-wait-threshold's default, want one info finding: {load}")
            failed += 1
    print("all ok" if not failed else f"{failed} failure(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
