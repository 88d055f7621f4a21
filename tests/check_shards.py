#!/usr/bin/python3
"""The shards of a capture add up to the unsharded run, exactly.

Usage:
    check_shards.py --tcpstate BIN --merge scripts/tcpstate-merge --testdata testdata
                    [--gen GEN_CAPTURE] --scratch DIR

For every capture under testdata/ (and the generated captures, when --gen is given) and
N = 1, 2, 3, 7, runs `tcpstate -r CAPTURE --shard K/N` for K = 0..N-1 and checks that
  - the shards' CSV rows, merged by tcpstate-merge, are the unsharded run's rows sorted by
    conn_id, byte for byte (conn_id is the unsharded run's: no mapping);
  - every shard holds exactly the rows whose four-tuple hashes to it (shard_hash, written
    here once more from the man page's definition);
  - the shards' CSV and JSONL summaries, merged, are the unsharded summary byte for byte
    but for the diagnosis' findings, which --shard leaves out;
  - every shard exits with the unsharded run's status and says which shard it is;
  - for N = 3, the lines of --events, --anomalies-only and --format zeek of the shards
    are the unsharded run's lines, and the --interval snapshots (connections held, their
    states, rows written) add up to the unsharded run's.
The generated captures are the ones whose verdicts rest most on other connections: a SYN
flood, a one-direction capture (the capture's shape), capture loss (missed segments), a
connection limit that evicts, and a flood large enough for compact SYN-only records. Exit status 1 on any difference. Standard library only.
"""
import argparse
import ipaddress
import json
import os
import subprocess
import sys

SHARD_COUNTS = (1, 2, 3, 7)
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".pcap.gz", ".cap")
MASK = (1 << 64) - 1


def shard_hash(a, a_port, b, b_port):
    """The man page's definition, independently of src/conn/shard.cpp."""
    x = ipaddress.ip_address(a).packed + a_port.to_bytes(2, "big")
    y = ipaddress.ip_address(b).packed + b_port.to_bytes(2, "big")
    h = 0xCBF29CE484222325
    for byte in min(x, y) + max(x, y):
        h = ((h ^ byte) * 0x100000001B3) & MASK
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK
    return h ^ (h >> 33)


def run(command):
    done = subprocess.run(command, capture_output=True, timeout=600, check=False)
    return done.returncode, done.stdout, done.stderr


def sorted_rows(csv_bytes):
    lines = csv_bytes.decode().splitlines(keepends=True)
    if not lines:
        return ""
    return lines[0] + "".join(sorted(lines[1:], key=lambda line: int(line.split(",", 1)[0])))


def without_diagnosis(summary):
    """A summary as --shard writes it: the diagnosis' findings need every connection."""
    return "".join(line for line in summary.splitlines(keepends=True)
                   if not line.startswith(("diagnosis,", '{"type":"finding"')))


class Checker:
    def __init__(self, args):
        self.args = args
        self.failures = 0
        self.runs = 0

    def fail(self, what, message):
        self.failures += 1
        print(f"FAIL {what}: {message}")

    def merge(self, paths):
        code, out, err = run([sys.executable, self.args.merge, *paths])
        return code, out.decode(), err.decode()

    def check(self, name, inputs, extra):
        base = [self.args.tcpstate, *sum((["-r", path] for path in inputs), []), *extra]
        views = {
            "rows": ["--format", "csv"],
            "summary.csv": ["--summary", "--format", "csv"],
            "summary.jsonl": ["--summary", "--format", "jsonl"],
        }
        whole = {view: run(base + words) for view, words in views.items()}
        header_line = whole["rows"][1].decode().split("\n", 1)[0].split(",")
        columns = {column: i for i, column in enumerate(header_line)}
        for count in SHARD_COUNTS:
            what = f"{name} N={count}"
            paths = {view: [] for view in views}
            for index in range(count):
                for view, words in views.items():
                    code, out, err = run(base + words + ["--shard", f"{index}/{count}"])
                    self.runs += 1
                    if code != whole[view][0]:
                        self.fail(what, f"shard {index} {view}: exit {code}, unsharded "
                                  f"{whole[view][0]}: {err.decode().strip()}")
                    path = os.path.join(self.args.scratch, f"{index}.{view}")
                    with open(path, "wb") as f:
                        f.write(out)
                    paths[view].append(path)
                    if view == "summary.csv" and f"capture,,shard,{index}/{count}\n".encode() \
                            not in out:
                        self.fail(what, f"shard {index}: the summary does not say its shard")
                    if view == "rows":
                        self.check_membership(what, index, count, out.decode(), columns)
            if count == 3:
                self.check_other_views(what, base, count)
                self.check_snapshots(what, base, count)
            code, merged, err = self.merge(paths["rows"])
            if code != 0 or merged != sorted_rows(whole["rows"][1]):
                self.fail(what, f"merged rows differ from the unsharded rows {err.strip()}")
            for view in ("summary.csv", "summary.jsonl"):
                code, merged, err = self.merge(paths[view])
                if code != 0 or merged != without_diagnosis(whole[view][1].decode()):
                    self.fail(what, f"merged {view} differs from the unsharded one {err.strip()}")

    def check_other_views(self, what, base, count):
        """Events, --anomalies-only and Zeek rows: the shards' lines are one run's lines."""
        views = {
            "events": ["--events", "--format", "jsonl"],
            "anomalies-only": ["--anomalies-only", "--format", "jsonl"],
            "zeek": ["--format", "zeek"],
        }
        for view, words in views.items():
            def lines(output):
                # Zeek's #open and #close lines carry the time of the run.
                return [line for line in output.decode().splitlines()
                        if not line.startswith(("#open", "#close"))]
            code, whole, _ = run(base + words)
            shards = []
            for index in range(count):
                shard_code, out, _ = run(base + words + ["--shard", f"{index}/{count}"])
                self.runs += 1
                if shard_code != code:
                    self.fail(what, f"{view} shard {index}: exit {shard_code}, unsharded {code}")
                shards.extend(line for line in lines(out) if not line.startswith("#"))
            expected = [line for line in lines(whole) if not line.startswith("#")]
            if sorted(shards) != sorted(expected):
                self.fail(what, f"the shards' {view} lines are not the unsharded run's")
            if view == "zeek":
                self.check_zeek_merge(what, base + words, count, lines(whole))

    def check_zeek_merge(self, what, command, count, whole_lines):
        """tcpstate-merge of the shards' Zeek logs is one run's log, rows by _conn_id."""
        paths = []
        for index in range(count):
            _, out, _ = run(command + ["--shard", f"{index}/{count}"])
            path = os.path.join(self.args.scratch, f"{index}.zeek")
            with open(path, "wb") as f:
                f.write(out)
            paths.append(path)
        code, merged, err = self.merge(paths)
        header = [line for line in whole_lines if line.startswith("#")]
        rows = sorted((line for line in whole_lines if not line.startswith("#")),
                      key=lambda line: int(line.split("\t", 1)[0]))
        merged_lines = [line for line in merged.splitlines()
                        if not line.startswith(("#open", "#close"))]
        if code != 0 or merged_lines != header + rows or "#close" not in merged:
            self.fail(what, f"merged Zeek logs differ from the unsharded one {err.strip()}")

    def check_snapshots(self, what, base, count):
        """--interval: each shard's snapshots count its connections; they add up to one run's."""
        words = ["--summary", "--interval", "1", "--format", "jsonl"]

        def snapshots(output):
            return [json.loads(line) for line in output.decode().splitlines()
                    if line.startswith('{"type":"snapshot"')]

        def add(total, more):
            for key, value in more.items():
                if isinstance(value, dict):
                    add(total.setdefault(key, {}), value)
                else:
                    total[key] = total.get(key, 0) + value

        whole = snapshots(run(base + words)[1])
        totals = [{} for _ in whole]
        for index in range(count):
            shard = snapshots(run(base + words + ["--shard", f"{index}/{count}"])[1])
            self.runs += 1
            if [s["time"] for s in shard] != [s["time"] for s in whole]:
                self.fail(what, f"shard {index}: snapshots at other times than one run's")
                return
            for total, snapshot, one_run in zip(totals, shard, whole):
                # Packets are the capture's: every shard reads them all.
                if snapshot["capture"] != one_run["capture"]:
                    self.fail(what, f"shard {index}: the snapshot's capture counts differ")
                add(total, {k: v for k, v in snapshot.items()
                            if k not in ("type", "time", "capture")})
        for total, snapshot in zip(totals, whole):
            expected = {k: v for k, v in snapshot.items() if k not in ("type", "time", "capture")}
            if total != expected:
                self.fail(what, f"snapshot at {snapshot['time']}: the shards add up to {total}, "
                          f"one run has {expected}")
                return

    def check_refusals(self, capture):
        """tcpstate-merge refuses what is not every shard of one run, exactly once."""
        summaries = []
        for index in range(3):
            path = os.path.join(self.args.scratch, f"refusal.{index}.csv")
            with open(path, "wb") as f:
                f.write(run([self.args.tcpstate, "-r", capture, "--summary", "--format", "csv",
                             "--shard", f"{index}/3"])[1])
            summaries.append(path)
        rows = os.path.join(self.args.scratch, "refusal.rows.csv")
        with open(rows, "wb") as f:
            f.write(run([self.args.tcpstate, "-r", capture, "--format", "csv"])[1])
        cases = {
            "a shard missing": (summaries[:2], "missing shard(s) 2 of 3"),
            "a shard twice": (summaries + summaries[:1], "shard(s) given twice: 0"),
            "rows and a summary": ([rows, summaries[0]], "different kinds"),
        }
        for what, (paths, message) in cases.items():
            code, _, err = self.merge(paths)
            if code != 1 or message not in err:
                self.fail(f"tcpstate-merge with {what}", f"exit {code}, {err.strip()!r}")

    def check_membership(self, what, index, count, rows, columns):
        for line in rows.splitlines()[1:]:
            fields = line.split(",")
            hashed = shard_hash(fields[columns["client_addr"]], int(fields[columns["client_port"]]),
                                fields[columns["server_addr"]], int(fields[columns["server_port"]]))
            if hashed % count != index:
                self.fail(what, f"shard {index} holds conn_id {fields[0]} of shard "
                          f"{hashed % count}")


def testdata_captures(root):
    for folder, _, files in sorted(os.walk(root)):
        for file in sorted(files):
            if file.endswith(CAPTURE_SUFFIXES):
                path = os.path.join(folder, file)
                yield os.path.relpath(path, root), [path]


def generated_captures(gen, scratch):
    traffic = ["--concurrency", "400", "--lifetime", "4", "--seed", "20240601", "--p-reuse",
               "0.05", "--p-retx", "0.2", "--syn-flood", "2000", "--flood-rate", "1000",
               "--flood-start", "3"]
    captures = {
        "generated": ["--packets", "40000", *traffic],
        "generated_lossy": ["--packets", "40000", *traffic, "--capture-loss", "0.01",
                            "--loss-seed", "1"],
        "generated_client_only": ["--packets", "20000", *traffic, "--one-direction", "client"],
        # 90k spoofed SYNs: past 65,536 held connections, SYN-only ones are kept compact
        # (embryo_table.hpp), in every shard alike.
        "generated_embryos": ["--packets", "100000", "--concurrency", "100", "--lifetime", "2",
                              "--seed", "20241204", "--syn-flood", "90000", "--flood-rate",
                              "30000", "--flood-start", "1"],
    }
    for name, words in captures.items():
        path = os.path.join(scratch, name + ".pcap")
        subprocess.run([gen, *words, "--out", path], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        yield name, [path], []
    # A connection limit far below the connections open at once: evictions in every shard
    # follow the whole capture's table, not the shard's.
    yield "generated_evicting", [os.path.join(scratch, "generated.pcap")], \
        ["--max-connections", "300"]
    yield "generated_idle", [os.path.join(scratch, "generated.pcap")], ["--idle-timeout", "2"]


def all_cases(testdata, gen, scratch):
    """(name, inputs, extra options) of every capture under testdata/, two inputs merged by
    time, and the generated captures when `gen` (the generator) is given."""
    cases = [(name, inputs, []) for name, inputs in testdata_captures(testdata)]
    split = os.path.join(testdata, "split")
    cases.append(("split (two inputs merged by time)",
                  [os.path.join(split, "close_wait_leak.1.pcap"),
                   os.path.join(split, "close_wait_leak.2.pcap")], []))
    if gen:
        cases.extend(generated_captures(gen, scratch))
    return cases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tcpstate", required=True)
    parser.add_argument("--merge", required=True)
    parser.add_argument("--testdata", required=True)
    parser.add_argument("--gen")
    parser.add_argument("--scratch", required=True)
    args = parser.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    checker = Checker(args)
    cases = all_cases(args.testdata, args.gen, args.scratch)
    for name, inputs, extra in cases:
        checker.check(name, inputs, extra)
    checker.check_refusals(os.path.join(args.testdata, "kernel", "syn_flood.pcap"))
    print(f"{len(cases)} captures, {checker.runs} shard runs, {checker.failures} failures")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
