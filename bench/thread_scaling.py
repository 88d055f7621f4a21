#!/usr/bin/env python3
"""How `tcpstate --threads N` scales on this machine, and where it would saturate.

    bench/thread_scaling.py TCPSTATE CAPTURE [--counts 1,2,3,4,6] [--repeat 3] [--perf]

For each N in --counts, runs `TCPSTATE -r CAPTURE --format csv --threads N > /dev/null`
--repeat times and reports the best wall time, with the CPU seconds (user + system) and
peak RSS of that run, and checks that every N writes the same rows (md5 of the output).

With --perf (needs `perf`), one more run of the largest N under `perf record -e cpu-clock`
gives each thread's CPU seconds: the reader (it decodes), the merge (the main thread: it
hands segments to the shards, judges and writes the rows) and each shard. With S shards
on as many free CPUs, the wall time is about the largest of reader, merge and the shards'
CPU divided by S; the table says at how many shards the reader or the merge becomes the
limit. Prints Markdown. The capture should be in the page cache (cat it to /dev/null).
"""
import argparse
import hashlib
import os
import re
import resource
import subprocess
import sys
import tempfile
import time


def timed(command):
    """Runs `command`; returns (wall s, CPU s, peak RSS MiB, md5 of stdout)."""
    digest = hashlib.md5()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as process:
        for chunk in iter(lambda: process.stdout.read(1 << 20), b""):
            digest.update(chunk)
        if process.wait() != 0:
            raise SystemExit(f"{' '.join(command)} failed")
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of the children is the largest of any child so far: a fresh process per
    # measurement would be needed for exact peaks, so the peak is read from /usr/bin/time.
    return wall, cpu, digest.hexdigest()


def peak_rss_mib(command):
    with tempfile.NamedTemporaryFile("r") as report:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *command],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return int(report.read().split()[-1]) / 1024


def per_thread_cpu(command, scratch):
    """CPU seconds per thread id, from perf's cpu-clock samples, in thread start order."""
    data = os.path.join(scratch, "perf.data")
    frequency = 999
    subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(frequency), "-o", data,
                    "--", *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    report = subprocess.run(["perf", "report", "-i", data, "--sort", "pid", "--stdio",
                             "--show-nr-samples"], capture_output=True, text=True, check=True)
    threads = {}
    for line in report.stdout.splitlines():
        match = re.match(r"\s*[\d.]+%\s+(\d+)\s+(\d+):", line)
        if match:
            threads[int(match.group(2))] = int(match.group(1)) / frequency
    return [threads[tid] for tid in sorted(threads)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tcpstate")
    parser.add_argument("capture")
    parser.add_argument("--counts", default="1,2,3,4,6")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--perf", action="store_true")
    args = parser.parse_args()
    counts = [int(word) for word in args.counts.split(",")]
    print(f"{os.path.basename(args.capture)}, {os.cpu_count()} CPUs\n")
    print("| --threads | shards | wall s (best of %d) | CPU s | peak RSS MiB |" % args.repeat)
    print("|---|---|---|---|---|")
    outputs = set()
    for count in counts:
        command = [args.tcpstate, "-r", args.capture, "--format", "csv", "--threads", str(count)]
        best = min((timed(command) for _ in range(args.repeat)), key=lambda run: run[0])
        outputs.add(best[2])
        shards = count - 2 if count > 2 else 0
        print(f"| {count} | {shards} | {best[0]:.2f} | {best[1]:.2f} | "
              f"{peak_rss_mib(command):.0f} |")
    if len(outputs) != 1:
        print("\nFAIL: the thread counts wrote different rows")
        return 1
    if args.perf and counts[-1] > 2:
        command = [args.tcpstate, "-r", args.capture, "--format", "csv", "--threads",
                   str(counts[-1])]
        with tempfile.TemporaryDirectory() as scratch:
            seconds = per_thread_cpu(command, scratch)
        # Started in this order: the merge (main thread), the shards, then the reader.
        merge, shards, reader = seconds[0], seconds[1:-1], seconds[-1]
        work = sum(shards)
        print(f"\nPer thread, --threads {counts[-1]}: merge {merge:.2f} s, reader "
              f"{reader:.2f} s, shards {', '.join(f'{s:.2f}' for s in shards)} s "
              f"(together {work:.2f} s)\n")
        print("| shards on their own CPUs | shards' part, s | limit | wall s, estimated |")
        print("|---|---|---|---|")
        for count in (1, 2, 4, 8, 16):
            part = work / count
            limit = max(("shards", part), ("merge", merge), ("reader", reader),
                        key=lambda entry: entry[1])
            print(f"| {count} | {part:.2f} | {limit[0]} | {limit[1]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
