#!/usr/bin/env python3
"""Compare tcpstate's `--format csv` output with gen_capture's expected outcomes.

Rows are matched by four-tuple (client address and port, server address and port) and,
for a reused four-tuple, by incarnation order (tcpstate's conn_id, the generator's
first_packet). Every column present in both files among the compared ones is checked;
anomalies and notes are compared as sets. Prints each kind of disagreement with a count
and a few examples, then a total; exits 1 on any mismatch.

usage: check_outcomes.py EXPECTED.csv TCPSTATE.csv [--examples N] [--columns a,b,...]
"""
import argparse
import collections
import csv
import ipaddress
import sys

COMPARED = [
    "client_state", "server_state", "close", "closed_by", "client_packets",
    "server_packets", "client_retransmits", "server_retransmits", "anomalies", "notes",
]
SET_COLUMNS = {"anomalies", "notes"}


def norm_addr(text):
    return str(ipaddress.ip_address(text))


def key_of(row):
    return (norm_addr(row["client_addr"]), int(row["client_port"]),
            norm_addr(row["server_addr"]), int(row["server_port"]))


def value(row, column):
    text = row.get(column, "")
    if column in SET_COLUMNS:
        return frozenset(part for part in text.split(";") if part)
    return text


KEEP = set(COMPARED) | {"first_packet", "conn_id", "kind"}


def load(path, order_column):
    # Rows are kept as small dicts of the compared columns only: millions of rows fit.
    groups = collections.defaultdict(list)
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or [])
        kept = [c for c in reader.fieldnames or [] if c in KEEP]
        for row in reader:
            groups[key_of(row)].append({c: row[c] for c in kept})
    for rows in groups.values():
        if order_column in columns:
            rows.sort(key=lambda r: int(r[order_column]))
    return groups, columns


def fmt_key(key):
    ca, cp, sa, sp = key
    return f"{ca}:{cp} -> {sa}:{sp}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("expected")
    parser.add_argument("actual")
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--columns", default=",".join(COMPARED))
    args = parser.parse_args()

    expected, exp_cols = load(args.expected, "first_packet")
    actual, act_cols = load(args.actual, "conn_id")
    columns = [c for c in args.columns.split(",") if c in exp_cols and c in act_cols]

    problems = collections.defaultdict(list)  # kind -> examples
    counts = collections.Counter()
    total_expected = sum(len(v) for v in expected.values())
    total_actual = sum(len(v) for v in actual.values())
    matched = 0

    for key, exp_rows in expected.items():
        act_rows = actual.get(key, [])
        if not act_rows:
            reverse = (key[2], key[3], key[0], key[1])
            kind = "client/server swapped" if reverse in actual else "missing from tcpstate"
            for row in exp_rows:
                counts[(kind, row.get("kind", "?"))] += 1
                problems[(kind, row.get("kind", "?"))].append(
                    f"{fmt_key(key)} first_packet={row.get('first_packet')}")
            continue
        if len(act_rows) != len(exp_rows):
            kind = ("incarnations", f"expected {len(exp_rows)} got {len(act_rows)}")
            counts[kind] += 1
            problems[kind].append(
                f"{fmt_key(key)} expected kinds "
                f"{[r.get('kind') for r in exp_rows]} first_packets "
                f"{[r.get('first_packet') for r in exp_rows]}")
        for exp, act in zip(exp_rows, act_rows):
            row_ok = True
            for column in columns:
                want, got = value(exp, column), value(act, column)
                if want != got:
                    row_ok = False
                    show = (lambda v: ";".join(sorted(v)) or "-") if column in SET_COLUMNS else str
                    kind = (column, f"{exp.get('kind', '?')}: expected {show(want)}, tcpstate {show(got)}")
                    counts[kind] += 1
                    problems[kind].append(
                        f"{fmt_key(key)} first_packet={exp.get('first_packet')} conn_id={act.get('conn_id')}")
            matched += row_ok

    for key, act_rows in actual.items():
        if key not in expected:
            reverse = (key[2], key[3], key[0], key[1])
            if reverse in expected:
                continue  # counted as swapped above
            counts[("unexpected in tcpstate", "")] += len(act_rows)
            problems[("unexpected in tcpstate", "")].append(fmt_key(key))

    for kind, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"MISMATCH {kind[0]} [{kind[1]}]: {count}")
        for example in problems[kind][: args.examples]:
            print(f"    {example}")
    bad = sum(counts.values())
    print(f"compared columns: {','.join(columns)}")
    print(f"expected rows {total_expected}, tcpstate rows {total_actual}, "
          f"rows fully matching {matched}, mismatches {bad}")
    print("RESULT: " + ("OK" if bad == 0 else "MISMATCH"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
