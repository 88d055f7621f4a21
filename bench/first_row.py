#!/usr/bin/env python3
"""Run a command and report when its first data row (the line after the CSV header)
arrived on its stdout pipe, and when it finished. The output is read and discarded.

usage: first_row.py CMD [ARGS...]   ->   prints "first_row_s=X total_s=Y rows=N"
"""
import os
import subprocess
import sys
import time


def main():
    start = time.monotonic()
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, bufsize=0)
    fd = proc.stdout.fileno()
    newlines = 0
    first = None
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        newlines += chunk.count(b"\n")
        if first is None and newlines >= 2:
            first = time.monotonic() - start
    rc = proc.wait()
    total = time.monotonic() - start
    print(f"first_row_s={first if first is not None else float('nan'):.3f} total_s={total:.3f} "
          f"rows={max(newlines - 1, 0)} rc={rc}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
