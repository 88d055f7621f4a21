#!/usr/bin/env python3
"""Per-shard cost of `tcpstate --shard K/N` on one capture: CPU and wall time of each shard.

    bench/shard_timing.py TCPSTATE CAPTURE [--counts 1,2,4] [--repeat 3]

For each N in --counts and each K, runs `TCPSTATE -r CAPTURE --format csv --threads 1
--shard K/N > /dev/null` (one core per shard, as a job runner gives it) and reports the
best of --repeat runs: CPU seconds (user + system) and wall seconds, and packets/s and
bytes/s per core from the unsharded run's CPU time. Also times an unsharded run, and the
N shards started at once (the wall time of the whole job on this machine). Prints a
Markdown table. The capture should be in the page cache (cat it to /dev/null first).
"""
import argparse
import os
import resource
import subprocess
import time


def timed(commands):
    """Runs the commands at once; returns (CPU seconds of all, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(os.devnull, "wb") as devnull:
        running = [subprocess.Popen(c, stdout=devnull) for c in commands]
        for process in running:
            if process.wait() != 0:
                raise SystemExit(f"{process.args} failed")
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def best(commands, repeat):
    runs = [timed(commands) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def capture_size(path):
    """Packets and bytes on the wire (record original lengths) of a classic pcap."""
    import struct
    packets = 0
    wire = 0
    with open(path, "rb") as f:
        header = f.read(24)
        endian = "<" if header[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        while True:
            record = f.read(16)
            if len(record) < 16:
                break
            captured, original = struct.unpack(endian + "II", record[8:16])
            f.seek(captured, 1)
            packets += 1
            wire += original
    return packets, wire


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tcpstate")
    parser.add_argument("capture")
    parser.add_argument("--counts", default="1,2,4")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    packets, wire = capture_size(args.capture)
    base = [args.tcpstate, "-r", args.capture, "--format", "csv", "--threads", "1"]
    cpu, wall = best([base], args.repeat)
    print(f"capture: {packets} packets, {wire} bytes on the wire\n")
    print("| run | CPU s (per shard) | wall s (per shard) | all shards at once: wall s |")
    print("|---|---|---|---|")
    print(f"| unsharded | {cpu:.2f} | {wall:.2f} | |")
    print(f"\nper core, unsharded: {packets / cpu / 1e6:.2f} M packets/s, "
          f"{wire * 8 / cpu / 1e9:.2f} Gbit/s\n")
    for count in (int(n) for n in args.counts.split(",")):
        shards = [best([base + ["--shard", f"{k}/{count}"]], args.repeat) for k in range(count)]
        _, together = best([base + ["--shard", f"{k}/{count}"] for k in range(count)],
                           args.repeat)
        cpus = ", ".join(f"{c:.2f}" for c, _ in shards)
        walls = ", ".join(f"{w:.2f}" for _, w in shards)
        print(f"| N={count} | {cpus} | {walls} | {together:.2f} |")


if __name__ == "__main__":
    main()
