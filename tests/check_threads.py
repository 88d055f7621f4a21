#!/usr/bin/python3
"""The analysis split between threads writes one thread's output, exactly.

Usage:
    check_threads.py --tcpstate BIN --testdata testdata [--gen GEN_CAPTURE] --scratch DIR

For every capture under testdata/ (and the generated captures of check_shards.py, when
--gen is given: a SYN flood, capture loss, one direction only, compact SYN-only records,
an idle timeout), runs `tcpstate -r CAPTURE --threads N` for N = 3, 4 and 7 (one, two and
five shards) in every output format, with --summary and with --events, and checks that standard output,
standard error and the exit status are those of `--threads 1`, byte for byte.

Where one thread evicts connections (--max-connections), the shards cannot choose the
connection to evict, and the capture is read again on one thread from there on: the output
must still be one thread's (the generated captures evict early, and late in a flood).
Exit status 1 on any difference. Standard library only.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_shards import all_cases  # noqa: E402

THREAD_COUNTS = (3, 4, 7)
VIEWS = (
    ["--format", "csv"],
    ["--format", "jsonl"],
    ["--format", "zeek"],
    ["--format", "table"],
    ["--summary"],
    ["--summary", "--format", "jsonl"],
    ["--anomalies-only", "--format", "csv"],
    ["--events", "--format", "csv"],
    ["--events", "--format", "jsonl"],
    ["--events"],
)


def run(command):
    done = subprocess.run(command, capture_output=True, timeout=600, check=False)
    return done.returncode, done.stdout, done.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tcpstate", required=True)
    parser.add_argument("--testdata", required=True)
    parser.add_argument("--gen")
    parser.add_argument("--scratch", required=True)
    args = parser.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    cases = all_cases(args.testdata, args.gen, args.scratch)
    if args.gen:
        # Past 60,000 connections held, deep into the flood.
        cases.append(("generated_embryos_evicting",
                      [os.path.join(args.scratch, "generated_embryos.pcap")],
                      ["--max-connections", "60000"]))
    runs = failures = 0
    for name, inputs, extra in cases:
        reading = [word for path in inputs for word in ("-r", path)]
        for view in VIEWS:
            one = run([args.tcpstate, *reading, *extra, *view, "--threads", "1"])
            for threads in THREAD_COUNTS:
                runs += 1
                got = run([args.tcpstate, *reading, *extra, *view, "--threads", str(threads)])
                if got == one:
                    continue
                failures += 1
                print(f"FAIL {name} {' '.join(extra + view)} --threads {threads}: "
                      f"exit {got[0]} (one thread: {one[0]}), stdout "
                      f"{'same' if got[1] == one[1] else 'differs'}, stderr "
                      f"{'same' if got[2] == one[2] else 'differs: ' + got[2][:200].decode()}")
    print(f"{len(cases)} captures, {runs} threaded runs, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
