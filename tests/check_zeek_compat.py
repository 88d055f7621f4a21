#!/usr/bin/env python3
"""Compare tcpstate's Zeek columns with the conn.log Zeek itself wrote.

    check_zeek_compat.py TCPSTATE DATA_DIR

DATA_DIR holds index.json (one entry per Zeek test: the capture, Zeek's conn.log, whether
Zeek ran with -C) and the files it names (see its README.md). For every entry tcpstate
runs on the capture with --format zeek, which writes one row per connection as Zeek
delimits them; every TCP row of Zeek's log is matched to a tcpstate row by four-tuple, in
either orientation (Zeek's originator need not be tcpstate's), several rows on one
four-tuple in the order they began; then conn_state and history are compared, and
separately missed_bytes (Zeek's content gaps).

Zeek without -C drops segments with a bad checksum, so those entries run with
--verify-checksums; entries Zeek ran with -C (ignore_checksums) run without it. Entries
Zeek ran bare (BARE_ZEEK_TESTS) run with --zeek-server-ports none.

Prints each mismatch, "rows matched N/M" (conn_state and history; M: Zeek's TCP rows)
and "missed_bytes matched N/M". Exits 1 when a mismatch is not one of the EXCEPTIONS
(conn_state and history) or MISSED_EXCEPTIONS (missed_bytes) below, or when an exception
no longer occurs (so the lists cannot go stale), 2 on a usage or input error.
"""
import csv
import io
import ipaddress
import json
import subprocess
import sys
from pathlib import Path

# Deliberate, explained differences. Each names the Zeek test, the four-tuple (either
# orientation; ports as numbers) and what Zeek logged; `tcpstate` is what tcpstate gives
# for that row (None: tcpstate has no row for it).
FILTERED = ("the Zeek test installs a packet filter while it runs (dynamic filter, NetControl "
            "drop rule), so Zeek saw only the first packets of these connections or none; "
            "tcpstate reads the whole capture")
GRIDFTP = ("Zeek's GridFTP script stops analysing a data channel once it recognises it "
           "(GridFTP::skip_data), so Zeek never saw its close; tcpstate sees every packet")
ANALYSIS_PARTIAL = ("Zeek's 'X' says one of its application analyzers stopped early "
                    "(limits exceeded, here on HTTP inside GTP); tcpstate does no "
                    "application-layer analysis, so it never writes X")
EXCEPTIONS = [
    {"test": "core.tunnels.gtp.different_dl_and_ul",
     "tuple": (("10.131.17.170", 51803), ("173.199.115.168", 80)),
     "zeek": ("S3", "ShADadXf"), "tcpstate": ("S3", "ShADadf"), "reason": ANALYSIS_PARTIAL},
    # Every row of these two tests: Zeek's view was cut short by the test's own filter.
    {"test": "core.pcap.dynamic-filter", "any": True, "reason": FILTERED},
    {"test": "scripts.base.frameworks.netcontrol.packetfilter", "any": True, "reason": FILTERED},
    {"test": "scripts.base.protocols.ftp.gridftp",
     "tuple": (("192.168.57.103", 35391), ("192.168.57.101", 55968)),
     "zeek": ("S1", "ShADad"), "tcpstate": ("SF", "ShADadfF"), "reason": GRIDFTP},
]

# Zeek tests that ran Zeek bare (zeek -b, only base/protocols/conn loaded), where
# likely_server_ports is empty: tcpstate is told so, as it is told about -C. (A capture
# starting with a SYN-ACK from port 80 is then not turned round: 'H', where a default
# Zeek writes '^h'.)
BARE_ZEEK_TESTS = {
    "scripts.base.frameworks.logging.field-extension-complex",
    "scripts.base.frameworks.logging.field-extension-optional",
    "scripts.base.frameworks.logging.field-extension",
    "scripts.base.frameworks.logging.field-name-map",
    "scripts.base.frameworks.logging.scope_sep",
    "scripts.base.frameworks.logging.scope_sep_and_field_name_map",
}

# Deliberate differences in missed_bytes alone, in the same form: "zeek" and "tcpstate" are
# the two missed_bytes values (as text). A Zeek row tcpstate has no row for is already
# explained in EXCEPTIONS and is not repeated here.
MISSED_EXCEPTIONS = []


# Some of Zeek's logging tests rename the four-tuple columns.
FIELD_NAMES = [
    ("id.orig_h", "id_orig_h", "src", "src_ip"),
    ("id.orig_p", "id_orig_p", "src_port"),
    ("id.resp_h", "id_resp_h", "dst", "dst_ip"),
    ("id.resp_p", "id_resp_p", "dst_port"),
]


def fail(message):
    print(f"check_zeek_compat: {message}", file=sys.stderr)
    sys.exit(2)


def endpoint(address, port):
    return (ipaddress.ip_address(address), int(port))


def four_tuple(a, b):
    return frozenset((a, b)) if a != b else frozenset((a,))


def read_zeek_log(path):
    fields = None
    rows = []
    for line in path.read_text().splitlines():
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
            continue
        if line.startswith("#") or not line.strip():
            continue
        if fields is None:
            fail(f"{path}: no #fields line")
        values = dict(zip(fields, line.split("\t")))
        for standard, *renamed in FIELD_NAMES:
            for name in renamed:
                if name in values:
                    values.setdefault(standard, values[name])
        if values.get("proto") != "tcp":
            continue
        rows.append({
            "orig": endpoint(values["id.orig_h"], values["id.orig_p"]),
            "resp": endpoint(values["id.resp_h"], values["id.resp_p"]),
            "conn_state": values.get("conn_state", "-"),
            "history": values.get("history", "-"),
            "missed_bytes": values.get("missed_bytes", "-"),
        })
    return rows


def run_tcpstate(binary, trace, verify, bare):
    command = [binary, "-r", str(trace), "--format", "zeek"]
    if verify:
        command.append("--verify-checksums")
    if bare:
        command += ["--zeek-server-ports", "none"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode not in (0, 3):
        fail(f"{' '.join(command)}: exit {result.returncode}: {result.stderr.strip()}")
    fields = None
    rows = []
    for line in result.stdout.splitlines():
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
            continue
        if line.startswith("#") or not line:
            continue
        values = dict(zip(fields or [], line.split("\t")))
        rows.append({
            "conn_id": int(values["_conn_id"]),
            "orig": endpoint(values["id.orig_h"], values["id.orig_p"]),
            "resp": endpoint(values["id.resp_h"], values["id.resp_p"]),
            "conn_state": values["conn_state"],
            "history": values["history"],
            "missed_bytes": values["missed_bytes"],
        })
    # A connection's rows are written together and in order: sorting on conn_id alone
    # (a stable sort) keeps each four-tuple's rows in the order they began.
    rows.sort(key=lambda r: r["conn_id"])
    return rows


def describe(a, b):
    def text(e):
        address, port = e
        return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"
    return f"{text(a)} - {text(b)}"


def exception_for(test, zeek_row, ours):
    for entry in EXCEPTIONS:
        if entry["test"] != test:
            continue
        if "tuple" in entry:
            a, b = entry["tuple"]
            if four_tuple(endpoint(*a), endpoint(*b)) != four_tuple(zeek_row["orig"], zeek_row["resp"]):
                continue
        if entry.get("any"):
            return entry
        if entry.get("zeek") is not None and entry["zeek"] != (
                zeek_row["conn_state"], zeek_row["history"]):
            continue
        expected = entry.get("tcpstate")
        actual = None if ours is None else (ours["conn_state"], ours["history"])
        if expected is None and actual is not None:
            continue
        if expected is not None and expected != actual:
            continue
        return entry
    return None


def compare_missed_bytes(test, zeek_row, mine, unexpected, used):
    """True when the two rows agree on missed_bytes; reports a difference otherwise."""
    if zeek_row["missed_bytes"] == mine["missed_bytes"]:
        return True
    line = (f"{test}: {describe(zeek_row['orig'], zeek_row['resp'])}: zeek missed_bytes "
            f"{zeek_row['missed_bytes']}, tcpstate {mine['missed_bytes']}")
    for entry in MISSED_EXCEPTIONS:
        a, b = entry["tuple"]
        if (entry["test"] == test
                and four_tuple(endpoint(*a), endpoint(*b)) == four_tuple(zeek_row["orig"],
                                                                         zeek_row["resp"])
                and (entry["zeek"], entry["tcpstate"]) == (zeek_row["missed_bytes"],
                                                           mine["missed_bytes"])):
            used.add(id(entry))
            print(f"excepted {line}")
            return False
    unexpected.append(line)
    print(f"MISMATCH {line}")
    return False


def main():
    if len(sys.argv) != 3:
        fail("usage: check_zeek_compat.py TCPSTATE DATA_DIR")
    binary, data = sys.argv[1], Path(sys.argv[2])
    try:
        index = json.loads((data / "index.json").read_text())
    except (OSError, ValueError) as error:
        fail(f"{data / 'index.json'}: {error}")

    matched = total = missed_matched = 0
    unexpected = []
    used = set()
    for entry in index:
        test = entry["test"]
        zeek_rows = read_zeek_log(data / entry["baseline"])
        ours = run_tcpstate(binary, data / entry["trace"], not entry["ignore_checksums"],
                            test in BARE_ZEEK_TESTS)
        by_tuple = {}
        for row in ours:
            by_tuple.setdefault(four_tuple(row["orig"], row["resp"]), []).append(row)
        for zeek_row in zeek_rows:
            total += 1
            key = four_tuple(zeek_row["orig"], zeek_row["resp"])
            candidates = by_tuple.get(key, [])
            mine = candidates.pop(0) if candidates else None
            if mine is not None:
                if compare_missed_bytes(test, zeek_row, mine, unexpected, used):
                    missed_matched += 1
            if mine is not None and (mine["conn_state"], mine["history"]) == (
                    zeek_row["conn_state"], zeek_row["history"]):
                matched += 1
                continue
            exception = exception_for(test, zeek_row, mine)
            got = "no row" if mine is None else f"{mine['conn_state']} {mine['history']}"
            line = (f"{test}: {describe(zeek_row['orig'], zeek_row['resp'])}: zeek "
                    f"{zeek_row['conn_state']} {zeek_row['history']}, tcpstate {got}")
            if exception is None:
                unexpected.append(line)
                print(f"MISMATCH {line}")
            else:
                used.add(id(exception))
                print(f"excepted {line}")
        for rows in by_tuple.values():
            for row in rows:
                line = (f"{test}: {describe(row['orig'], row['resp'])}: tcpstate "
                        f"{row['conn_state']} {row['history']} has no Zeek row")
                exception = exception_for(test, {"orig": row["orig"], "resp": row["resp"],
                                                 "conn_state": None, "history": None}, row)
                if exception is None:
                    unexpected.append(line)
                    print(f"MISMATCH {line}")
                else:
                    used.add(id(exception))
                    print(f"excepted {line}")
    stale = [e for e in EXCEPTIONS + MISSED_EXCEPTIONS if id(e) not in used]
    for entry in stale:
        print(f"STALE exception no longer needed: {entry['test']} {entry.get('tuple', '')}")
    print(f"rows matched {matched}/{total}")
    print(f"missed_bytes matched {missed_matched}/{total}")
    return 1 if unexpected or stale else 0


if __name__ == "__main__":
    sys.exit(main())
