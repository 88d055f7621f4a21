#!/usr/bin/env python3
"""Compare tcpstate's `--format csv` output with gen_capture's expected outcomes.

Rows are matched by four-tuple (client address and port, server address and port) and,
for a reused four-tuple, by incarnation order (tcpstate's conn_id, the generator's
first_packet). Every column present in both files among the compared ones is checked;
anomalies and notes are compared as sets. Prints each kind of disagreement with a count
and a few examples, then a total; exits 1 on any mismatch.

--capture-loss: the capture was written with packets left out (gen_capture --capture-loss
or --one-direction), the expected CSV holds the truth of the full traffic and says per row
whether what the capture kept proves it (provable, reason, dropped). Counts differ with
loss by nature, so only states, close kind, closer and anomalies are compared, and only on
provable rows; on every row, provable or not, tcpstate must not report an anomaly the truth
does not have (a false anomaly). Incarnations of a reused four-tuple, or a client/server
swap, that tcpstate tells apart differently are tolerated only among unprovable rows, and
then checked for false anomalies as a group. Prints figures and a breakdown of wrong states
and false anomalies by the kinds of packets the capture missed.

usage: check_outcomes.py EXPECTED.csv TCPSTATE.csv [--examples N] [--columns a,b,...]
                         [--capture-loss]
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
LOSS_COMPARED = ["client_state", "server_state", "close", "closed_by", "anomalies"]


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


KEEP = set(COMPARED) | {"first_packet", "conn_id", "kind", "provable", "reason", "dropped"}


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
    parser.add_argument("--columns", default=None)
    parser.add_argument("--capture-loss", action="store_true",
                        help="the capture misses packets: compare as described above")
    args = parser.parse_args()
    if args.capture_loss:
        return check_lossy(args)
    args.columns = args.columns or ",".join(COMPARED)

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


def anomalies_of(row):
    return value(row, "anomalies")


def check_lossy(args):
    expected, exp_cols = load(args.expected, "first_packet")
    actual, act_cols = load(args.actual, "conn_id")
    if "provable" not in exp_cols:
        print("the expected CSV has no provable column: generate it with --capture-loss "
              "or --one-direction")
        return 2
    wanted = args.columns.split(",") if args.columns else LOSS_COMPARED
    columns = [c for c in wanted if c in exp_cols and c in act_cols]

    problems = collections.defaultdict(list)
    counts = collections.Counter()
    # Figures: rows, and what the wrong ones had lost.
    rows = collections.Counter()
    wrong_by_dropped = collections.Counter()  # (column, dropped roles) on provable rows
    false_by_cause = collections.Counter()    # (anomaly, provable?, reason or dropped roles)
    missed_by_dropped = collections.Counter()

    def cause(row):
        if row.get("provable") == "1":
            return "provable, dropped: " + (row.get("dropped") or "nothing")
        return "unprovable: " + (row.get("reason") or "?")

    def note(kind, example, n=1):
        counts[kind] += n
        problems[kind].append(example)

    def false_anomalies(exp_rows, act_rows, where):
        truth = frozenset().union(*(anomalies_of(r) for r in exp_rows))
        for act in act_rows:
            for anomaly in sorted(anomalies_of(act) - truth):
                # The row the false anomaly belongs to: the one matched, else the first.
                row = exp_rows[0] if len(exp_rows) == 1 else exp_rows[min(
                    act_rows.index(act), len(exp_rows) - 1)]
                false_by_cause[(anomaly, cause(row))] += 1
                note(("false anomaly", f"{anomaly} ({row.get('kind', '?')}, {cause(row)})"),
                     f"{where} conn_id={act.get('conn_id')}")

    for key, exp_rows in expected.items():
        for row in exp_rows:
            rows["provable" if row.get("provable") == "1" else "unprovable"] += 1
        all_unprovable = all(r.get("provable") != "1" for r in exp_rows)
        act_rows = actual.get(key, [])
        if not act_rows:
            reverse = (key[2], key[3], key[0], key[1])
            if reverse in actual and all_unprovable:
                rows["swapped, unprovable"] += len(exp_rows)
                false_anomalies(exp_rows, actual[reverse], fmt_key(key) + " (swapped)")
                continue
            kind = "client/server swapped" if reverse in actual else "missing from tcpstate"
            for row in exp_rows:
                note((kind, row.get("kind", "?")),
                     f"{fmt_key(key)} first_packet={row.get('first_packet')}")
            continue
        if len(act_rows) != len(exp_rows):
            if all_unprovable or any(r.get("provable") != "1" for r in exp_rows):
                rows["incarnations differ, unprovable"] += len(exp_rows)
                false_anomalies(exp_rows, act_rows, fmt_key(key) + " (incarnations)")
                continue
            note(("incarnations", f"expected {len(exp_rows)} got {len(act_rows)}"),
                 f"{fmt_key(key)} first_packets {[r.get('first_packet') for r in exp_rows]}")
        for exp, act in zip(exp_rows, act_rows):
            where = f"{fmt_key(key)} first_packet={exp.get('first_packet')}"
            false_anomalies([exp], [act], where)
            if exp.get("provable") != "1":
                continue
            row_wrong = False
            for column in columns:
                want, got = value(exp, column), value(act, column)
                if column == "anomalies":
                    missed = want - got
                    for anomaly in sorted(missed):
                        missed_by_dropped[(anomaly, exp.get("dropped") or "nothing")] += 1
                        note(("missed anomaly", f"{anomaly} ({exp.get('kind', '?')})"),
                             f"{where} conn_id={act.get('conn_id')}")
                    continue
                if want != got:
                    row_wrong = True
                    wrong_by_dropped[(column, exp.get("dropped") or "nothing")] += 1
                    note((column, f"{exp.get('kind', '?')}: expected {want}, tcpstate {got}"),
                         f"{where} conn_id={act.get('conn_id')} dropped={exp.get('dropped')}")
            rows["wrong"] += row_wrong

    for key, act_rows in actual.items():
        if key not in expected and (key[2], key[3], key[0], key[1]) not in expected:
            note(("unexpected in tcpstate", ""), fmt_key(key), len(act_rows))

    for kind, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"MISMATCH {kind[0]} [{kind[1]}]: {count}")
        for example in problems[kind][: args.examples]:
            print(f"    {example}")
    if wrong_by_dropped:
        print("wrong states/close on provable rows, by column and packets the capture missed:")
        for (column, dropped), n in wrong_by_dropped.most_common():
            print(f"    {n:7d}  {column:13s} {dropped}")
    if missed_by_dropped:
        print("anomalies missed on provable rows, by packets the capture missed:")
        for (anomaly, dropped), n in missed_by_dropped.most_common():
            print(f"    {n:7d}  {anomaly:18s} {dropped}")
    if false_by_cause:
        print("false anomalies, by kind and by what the capture missed:")
        for (anomaly, why), n in false_by_cause.most_common():
            print(f"    {n:7d}  {anomaly:18s} {why}")
    false_total = sum(false_by_cause.values())
    wrong_rows = sum(n for (column, _), n in wrong_by_dropped.items())
    bad = sum(counts.values())
    print(f"compared columns: {','.join(columns)} (on provable rows; false anomalies on all)")
    print(f"expected rows {sum(rows[k] for k in ('provable', 'unprovable'))} "
          f"(provable {rows['provable']}, unprovable {rows['unprovable']}), "
          f"tcpstate rows {sum(len(v) for v in actual.values())}; "
          f"tolerated: swapped {rows['swapped, unprovable']}, "
          f"incarnations {rows['incarnations differ, unprovable']}")
    print(f"provable rows with a wrong state, close or closer {rows['wrong']} "
          f"({wrong_rows} values), missed anomalies "
          f"{sum(missed_by_dropped.values())}, false anomalies {false_total}, "
          f"mismatches {bad}")
    print("RESULT: " + ("OK" if bad == 0 else "MISMATCH"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
