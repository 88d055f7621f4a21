#!/usr/bin/python3
"""Compare tcpstate's verdicts with the Linux kernel's own (testdata/kernel/*.json).

Usage:
    check_kernel_truth.py TCPSTATE_BINARY testdata/kernel [--verbose]
    check_kernel_truth.py --self-test testdata/kernel

Scenario JSONs with "pending_capture_gap_analysis": true are skipped and counted apart
(temporary, until tcpstate analyses capture gaps). For every other scenario JSON that lists
connections, runs
    TCPSTATE_BINARY -r CAPTURE --format jsonl <tcpstate_args>
and matches its rows to the expected connections by (client addr:port, server addr:port)
and incarnation order. Compares client_state and server_state (sides marked "unknowable" are
skipped and counted apart), the anomaly set exactly, and requires the expected notes to be a
subset of the row's notes. A connection tcpstate reports that the scenario does not list, or
one it misses, fails the scenario too. Prints one line per mismatch, the totals, and finally
"N passed, M failed" (scenarios). Exit status 1 on any failure.

--self-test runs the checker against two fake binaries made from the expected files: one
that echoes them (must pass) and one that corrupts them (must fail everywhere).
Standard library only.
"""
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

RUN_TIMEOUT = 120


def norm_addr(addr):
    addr = str(addr).strip().strip("[]")
    if "%" in addr:
        addr = addr.split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return addr
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.compressed


def split_ep(ep):
    """'127.0.0.1:80' or '[::1]:80' -> (normalised addr, int port)."""
    addr, port = ep.rsplit(":", 1)
    return norm_addr(addr), int(port)


def show_ep(ep):
    addr, port = ep
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def row_key(row):
    return ((norm_addr(row["client_addr"]), int(row["client_port"])),
            (norm_addr(row["server_addr"]), int(row["server_port"])))


def sort_key(row, index):
    cid = row.get("conn_id")
    if isinstance(cid, int):
        return (0, cid, index)
    if isinstance(cid, str) and cid.isdigit():
        return (0, int(cid), index)
    return (1, 0, index)  # keep output order


class Totals:
    def __init__(self):
        self.endpoints = 0
        self.endpoints_matched = 0
        self.unknowable = 0
        self.designed = 0
        self.found = 0
        self.extra = 0
        self.passed = 0
        self.failed = 0
        self.skipped = []
        self.pending = []


def run_tcpstate(binary, capture, args):
    cmd = [binary, "-r", capture, "--format", "jsonl", *args]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"could not run {' '.join(cmd)}: {e}"
    if r.returncode != 0:
        msg = r.stderr.strip().splitlines()
        return None, (f"{' '.join(cmd)} exited {r.returncode}"
                      + (f": {msg[-1]}" if msg else ""))
    rows = []
    for n, line in enumerate(r.stdout.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            return None, f"output line {n} is not JSON: {e}"
        if not isinstance(obj, dict):
            return None, f"output line {n} is not a JSON object"
        if "client_addr" not in obj:
            continue  # a summary or other non-connection record
        missing = [k for k in ("client_port", "server_addr", "server_port", "client_state",
                               "server_state", "anomalies", "notes") if k not in obj]
        if missing:
            return None, f"output line {n} lacks {', '.join(missing)}"
        rows.append(obj)
    return rows, None


def check_scenario(binary, directory, path, totals, verbose):
    with open(path) as f:
        doc = json.load(f)
    name = doc.get("scenario") or os.path.basename(path)[:-5]
    # Temporary: capture-gap scenarios (the capture misses packets the network delivered)
    # carry "pending_capture_gap_analysis": true until tcpstate's analysis of such gaps lands;
    # they are skipped and counted apart. Remove the field from a JSON to check it.
    if doc.get("pending_capture_gap_analysis"):
        totals.pending.append(name)
        print(f"{name}: skipped (pending_capture_gap_analysis: the capture-gap analysis "
              f"has not landed yet)")
        return
    expected = doc.get("connections") or []
    if not expected:
        totals.skipped.append(name)
        if verbose:
            print(f"{name}: skipped ({doc.get('not_produced', 'no connections')})")
        return
    problems = []
    exp_by_key = {}
    for e in expected:
        key = (split_ep(e["client"]), split_ep(e["server"]))
        exp_by_key.setdefault(key, []).append(e)
    for lst in exp_by_key.values():
        lst.sort(key=lambda e: e.get("incarnation", 0))
        for e in lst:
            totals.designed += len(e.get("anomalies", []))
            for side in ("client", "server"):
                if side in (e.get("unknowable") or {}):
                    totals.unknowable += 1
                else:
                    totals.endpoints += 1

    rows, err = run_tcpstate(binary, os.path.join(directory, doc["capture"]),
                             doc.get("tcpstate_args", []))
    if err:
        print(f"{name}: {err}")
        totals.failed += 1
        return
    got_by_key = {}
    for i, row in sorted(enumerate(rows), key=lambda p: sort_key(p[1], p[0])):
        got_by_key.setdefault(row_key(row), []).append(row)

    for key in sorted(set(exp_by_key) | set(got_by_key)):
        exp = exp_by_key.get(key, [])
        got = got_by_key.get(key, [])
        conn = f"{show_ep(key[0])}->{show_ep(key[1])}"
        for i in range(max(len(exp), len(got))):
            label = f"conn {conn}" + (f" #{i}" if max(len(exp), len(got)) > 1 else "")
            if i >= len(exp):
                r = got[i]
                problems.append(f"{label}: reported by tcpstate but not in the capture's "
                                f"expected list (states {r['client_state']}/"
                                f"{r['server_state']}, anomalies {sorted(r['anomalies'])})")
                totals.extra += len(r["anomalies"])
                continue
            e = exp[i]
            if i >= len(got):
                reversed_rows = got_by_key.get((key[1], key[0]), [])
                hint = " (tcpstate has it with client and server swapped)" if reversed_rows else ""
                problems.append(f"{label}: missing from tcpstate's output{hint}")
                continue
            r = got[i]
            unknowable = e.get("unknowable") or {}
            for side in ("client", "server"):
                if side in unknowable:
                    continue
                want, have = e[f"{side}_state"], str(r[f"{side}_state"]).upper()
                if want == have:
                    totals.endpoints_matched += 1
                else:
                    problems.append(f"{label}: {side}_state tcpstate={have} kernel={want}")
            want_a, have_a = set(e.get("anomalies", [])), set(r["anomalies"])
            totals.found += len(want_a & have_a)
            totals.extra += len(have_a - want_a)
            if want_a != have_a:
                problems.append(f"{label}: anomalies tcpstate={sorted(have_a)} "
                                f"kernel={sorted(want_a)}")
            want_n = set(e.get("notes", []))
            lacking = want_n - set(r["notes"])
            if lacking:
                problems.append(f"{label}: notes tcpstate={sorted(set(r['notes']))} "
                                f"lack {sorted(lacking)}")
    for p in problems:
        print(f"{name}: {p}")
    if problems:
        totals.failed += 1
    else:
        totals.passed += 1
        if verbose:
            print(f"{name}: ok ({len(expected)} connection(s))")


def check(binary, directory, verbose):
    files = sorted(f for f in os.listdir(directory) if f.endswith(".json"))
    if not files:
        print(f"no scenario JSON files in {directory}")
        print("0 passed, 1 failed")
        return 1
    totals = Totals()
    for f in files:
        check_scenario(binary, directory, os.path.join(directory, f), totals, verbose)
    if totals.skipped:
        print(f"skipped (not produced): {' '.join(totals.skipped)}")
    if totals.pending:
        print(f"skipped (pending_capture_gap_analysis): {len(totals.pending)}")
    print(f"endpoints matched {totals.endpoints_matched}/{totals.endpoints}"
          f" ({totals.unknowable} unknowable skipped), anomalies found "
          f"{totals.found}/{totals.designed} designed, extra anomalies {totals.extra}")
    print(f"{totals.passed} passed, {totals.failed} failed")
    return 1 if totals.failed else 0


FAKE = r'''#!/usr/bin/python3
# Fake tcpstate for check_kernel_truth.py --self-test: prints the expected file as JSONL.
import json, sys
args = sys.argv[1:]
cap = args[args.index("-r") + 1]
corrupt = CORRUPT
doc = json.load(open(cap[:-5] + ".json"))
for i, c in enumerate(doc["connections"]):
    ca, cp = c["client"].rsplit(":", 1)
    sa, sp = c["server"].rsplit(":", 1)
    row = {"conn_id": i, "client_addr": ca.strip("[]"), "client_port": int(cp),
           "server_addr": sa.strip("[]"), "server_port": int(sp),
           "client_state": c["client_state"], "server_state": c["server_state"],
           "close": "unknown", "closed_by": "unknown",
           "anomalies": c["anomalies"], "notes": c["notes"] + ["extra_note"]}
    if corrupt:
        row["server_state"] = "LISTEN"
        row["anomalies"] = c["anomalies"][1:] + ["half_open"]
    print(json.dumps(row))
if corrupt:
    print(json.dumps({"conn_id": 999, "client_addr": "127.9.9.9", "client_port": 1,
                      "server_addr": "127.0.0.1", "server_port": 2, "client_state": "CLOSED",
                      "server_state": "CLOSED", "close": "none", "closed_by": "none",
                      "anomalies": [], "notes": []}))
'''


def self_test(directory):
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for corrupt in (False, True):
            fake = os.path.join(tmp, f"fake-{corrupt}")
            with open(fake, "w") as f:
                f.write(FAKE.replace("CORRUPT", str(corrupt)))
            os.chmod(fake, 0o755)
            print(f"--- fake tcpstate, corrupt={corrupt}")
            results.append(check(fake, directory, verbose=False))
    ok = results == [0, 1]
    print(f"self-test {'ok' if ok else 'FAILED'}: echo exit {results[0]} (want 0), "
          f"corrupt exit {results[1]} (want 1)")
    return 0 if ok else 1


def main(argv):
    verbose = "--verbose" in argv
    args = [a for a in argv if a != "--verbose"]
    if len(args) == 2 and args[0] == "--self-test":
        return self_test(args[1])
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    return check(args[0], args[1], verbose)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
