#!/usr/bin/env python3
"""Compares `tcpstate --format csv` with the fates written by the independent generator in
../shared/bench (gen_pcap -T FILE): every generated connection must be one tcpstate row with
the close kind and end states its fate implies, and the same packet count.

Connections are matched by four-tuple and, for a reused four-tuple, by the order of their
first packets. Exit 0 when every connection matches, 1 otherwise (with examples)."""
import argparse
import collections
import functools
import csv
import ipaddress
import sys
from datetime import datetime


def fate_of(row):
    """The generator's fate as tcpstate's columns show it, or None."""
    close = row["close"]
    states = (row["client_state"], row["server_state"])
    if close in ("fin", "rst", "refused"):
        return close
    if close == "unanswered" and states == ("SYN_SENT", "CLOSED"):
        return "syn_unanswered"
    if close == "open" and states == ("ESTABLISHED", "ESTABLISHED"):
        return "open"
    # One FIN, acknowledged: its sender in FIN_WAIT_2 (or CLOSED once that timed out), the
    # receiver in CLOSE_WAIT.
    if close == "open" and "CLOSE_WAIT" in states:
        return "half_closed"
    return None


@functools.lru_cache(maxsize=None)
def address(text):
    return ipaddress.ip_address(text).compressed


def seconds(iso):
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("truth", help="gen_pcap -T output")
    parser.add_argument("tcpstate_csv", help="tcpstate -r CAPTURE --format csv output")
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args()

    expected = collections.defaultdict(list)
    with open(args.truth, newline="") as handle:
        for row in csv.DictReader(handle):
            key = (address(row["client_ip"]), int(row["client_port"]), address(row["server_ip"]),
                   int(row["server_port"]))
            expected[key].append((float(row["first_ts"]), row["fate"], int(row["packets"])))
    seen = collections.defaultdict(list)
    with open(args.tcpstate_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            key = (address(row["client_addr"]), int(row["client_port"]), address(row["server_addr"]),
                   int(row["server_port"]))
            packets = int(row["client_packets"]) + int(row["server_packets"])
            seen[key].append((seconds(row["first_seen"]), fate_of(row), packets, row["conn_id"]))

    total = sum(len(v) for v in expected.values())
    matched = 0
    problems = []
    for key, truths in expected.items():
        rows = sorted(seen.pop(key, []))
        truths.sort()
        for i, (_, fate, packets) in enumerate(truths):
            if i >= len(rows):
                problems.append(f"{key}: no row for the connection with fate {fate}")
                continue
            _, got, got_packets, conn_id = rows[i]
            if got == fate and got_packets == packets:
                matched += 1
            else:
                problems.append(f"conn_id {conn_id} {key}: fate {fate} with {packets} packets, "
                                f"tcpstate shows {got} with {got_packets}")
        for extra in rows[len(truths):]:
            problems.append(f"conn_id {extra[3]} {key}: a row the generator did not make")
    for key, rows in seen.items():
        for extra in rows:
            problems.append(f"conn_id {extra[3]} {key}: a row the generator did not make")

    print(f"{matched} of {total} generated connections match (fate and packets); "
          f"{len(problems)} problems")
    for line in problems[: args.examples]:
        print("  " + line)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
