#!/usr/bin/env python3
"""Run golden (end-to-end) cases of tcpstate; see tests/integration/cases.txt.

    run_golden.py --binary BIN [--root DIR] CASE...     run these cases
    run_golden.py --binary BIN --all                    run every case
    run_golden.py --binary BIN --update [CASE...]       rewrite the golden files (all if none)
    run_golden.py --list                                print the case names
    run_golden.py --check-files                         golden files without a case, cases
                                                        without a golden file

The binary runs with the repo root as working directory and the case's stdin (or
/dev/null). Its stdout must equal testdata/golden/<out or NAME>.out byte for byte, its
stderr testdata/golden/NAME.err (empty when that file does not exist), and its exit status
the case's. On a mismatch a unified diff is printed. Exit status: 0 all passed, 1 a
mismatch, 2 bad usage or case file.
"""
import argparse
import difflib
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.dirname(os.path.dirname(HERE))
CASES_FILE = os.path.join(HERE, "cases.txt")
GOLDEN_DIR = os.path.join("testdata", "golden")
TIMEOUT_S = 60


class Case:
    def __init__(self, name, exit_code, args, stdin=None, out=None, line=0):
        self.name, self.exit_code, self.args = name, exit_code, args
        self.stdin, self.out, self.line = stdin, out, line
        self.env = {}

    @property
    def out_name(self):
        return self.out or self.name


def parse_cases(path=CASES_FILE):
    cases, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{path}:{lineno}"
            words = shlex.split(line)
            if "--" not in words:
                sys.exit(f"{where}: missing '--' before the tcpstate arguments")
            sep = words.index("--")
            head, args = words[:sep], words[sep + 1:]
            if len(head) < 2 or not head[1].isdigit():
                sys.exit(f"{where}: expected NAME EXIT [stdin=PATH] [out=CASE] -- ARGS")
            case = Case(head[0], int(head[1]), args, line=lineno)
            for opt in head[2:]:
                key, _, value = opt.partition("=")
                if key == "stdin" and value:
                    case.stdin = value
                elif key == "out" and value:
                    case.out = value
                elif key == "env" and "=" in value:
                    name, _, setting = value.partition("=")
                    case.env[name] = setting
                else:
                    sys.exit(f"{where}: unknown option '{opt}'")
            if case.name in seen:
                sys.exit(f"{where}: duplicate case '{case.name}'")
            if ";" in line:
                sys.exit(f"{where}: ';' is not allowed (CMake reads the file as a list)")
            seen.add(case.name)
            cases.append(case)
    for case in cases:
        if case.out and case.out not in seen:
            sys.exit(f"{path}:{case.line}: out={case.out} is not a case")
    return cases


def command_line(binary, case):
    cmd = "tcpstate " + " ".join(shlex.quote(a) for a in case.args)
    if case.stdin:
        cmd += " < " + shlex.quote(case.stdin)
    return cmd


def run(binary, root, case):
    stdin = open(os.path.join(root, case.stdin), "rb") if case.stdin else subprocess.DEVNULL
    # The terminal width reaches the table through COLUMNS: only a case may set it.
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env.update(case.env)
    try:
        proc = subprocess.run([binary] + case.args, cwd=root, stdin=stdin, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=TIMEOUT_S, check=False)
    finally:
        if case.stdin:
            stdin.close()
    return proc.returncode, proc.stdout, proc.stderr


def read_golden(root, name, ext):
    path = os.path.join(root, GOLDEN_DIR, name + ext)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


def show_diff(label, expected, actual, exp_name):
    exp = expected.decode("utf-8", "replace").splitlines(keepends=True)
    act = actual.decode("utf-8", "replace").splitlines(keepends=True)
    diff = list(difflib.unified_diff(exp, act, fromfile=exp_name, tofile=f"actual {label}"))
    if not diff:  # differ only in bytes that do not decode, or a final newline
        diff = [f"--- {exp_name}\n+++ actual {label}\n", f"expected {expected!r}\n",
                f"actual   {actual!r}\n"]
    for d in diff:
        sys.stdout.write(d if d.endswith("\n") else d + "\n\\ No newline at end of file\n")


def check(binary, root, case):
    code, out, err = run(binary, root, case)
    ok = True
    out_file = os.path.join(GOLDEN_DIR, case.out_name + ".out")
    err_file = os.path.join(GOLDEN_DIR, case.name + ".err")
    expected_out = read_golden(root, case.out_name, ".out")
    expected_err = read_golden(root, case.name, ".err")
    problems = []
    if code != case.exit_code:
        problems.append(f"exit status {code}, expected {case.exit_code}")
    if expected_out is None:
        problems.append(f"{out_file} does not exist (scripts/update-golden makes it)")
    elif out != expected_out:
        problems.append(f"stdout differs from {out_file}")
    if err != (expected_err or b""):
        problems.append(f"stderr differs from {err_file if expected_err is not None else 'empty'}")
    if not problems:
        return True
    ok = False
    print(f"FAIL golden.{case.name}: " + "; ".join(problems))
    print(f"  command (in {root}): {command_line(binary, case)}")
    if expected_out is not None and out != expected_out:
        show_diff("stdout", expected_out, out, out_file)
    elif expected_out is None:
        print("  stdout:\n" + out.decode("utf-8", "replace"))
    if err != (expected_err or b""):
        show_diff("stderr", expected_err or b"", err, err_file if expected_err is not None
                  else "(empty stderr)")
    return ok


def write_if_changed(path, data):
    old = None
    if os.path.exists(path):
        with open(path, "rb") as f:
            old = f.read()
    if old == data:
        return False
    with open(path, "wb") as f:
        f.write(data)
    return True


def update(binary, root, cases):
    """Rewrite .out/.err of the cases; shared-output cases are only checked."""
    os.makedirs(os.path.join(root, GOLDEN_DIR), exist_ok=True)
    failures = 0
    owners = [c for c in cases if not c.out]
    sharers = [c for c in cases if c.out]
    for case in owners:
        code, out, err = run(binary, root, case)
        if code != case.exit_code:
            print(f"golden.{case.name}: exit status {code}, but the case expects "
                  f"{case.exit_code}; fix cases.txt if that is intended")
            failures += 1
        changed = write_if_changed(os.path.join(root, GOLDEN_DIR, case.name + ".out"), out)
        err_path = os.path.join(root, GOLDEN_DIR, case.name + ".err")
        if err:
            changed |= write_if_changed(err_path, err)
        elif os.path.exists(err_path):
            os.remove(err_path)
            changed = True
        if changed:
            print(f"updated golden.{case.name}")
    for case in sharers:  # must still match the output they share, so just check
        code, out, err = run(binary, root, case)
        err_path = os.path.join(root, GOLDEN_DIR, case.name + ".err")
        if err:
            write_if_changed(err_path, err)
        elif os.path.exists(err_path):
            os.remove(err_path)
        if not check(binary, root, case):
            failures += 1
    return failures


def check_files(root, cases):
    wanted = set()
    for c in cases:
        wanted.add(c.out_name + ".out")
    have = set(os.listdir(os.path.join(root, GOLDEN_DIR)))
    names = {c.name for c in cases}
    bad = 0
    for f in sorted(have - {"README.md"}):
        stem, ext = os.path.splitext(f)
        if (ext == ".out" and f not in wanted) or (ext == ".err" and stem not in names) \
                or ext not in (".out", ".err"):
            print(f"{GOLDEN_DIR}/{f}: no case uses it (remove it or add the case)")
            bad += 1
    for f in sorted(wanted - have):
        print(f"{GOLDEN_DIR}/{f}: missing (scripts/update-golden makes it)")
        bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", help="the tcpstate executable")
    ap.add_argument("--root", default=DEFAULT_ROOT, help="repo root (working directory)")
    ap.add_argument("--all", action="store_true", help="run every case")
    ap.add_argument("--update", action="store_true", help="rewrite golden files")
    ap.add_argument("--list", action="store_true", help="print case names")
    ap.add_argument("--check-files", action="store_true",
                    help="report golden files without a case and cases without one")
    ap.add_argument("cases", nargs="*")
    opts = ap.parse_args()

    cases = parse_cases()
    by_name = {c.name: c for c in cases}
    if opts.list:
        print("\n".join(c.name for c in cases))
        return 0
    if opts.check_files:
        return 1 if check_files(opts.root, cases) else 0
    if not opts.binary:
        ap.error("--binary is required")
    binary = os.path.abspath(opts.binary)
    unknown = [n for n in opts.cases if n not in by_name]
    if unknown:
        ap.error("unknown case(s): " + ", ".join(unknown))
    selected = [by_name[n] for n in opts.cases] if opts.cases else (
        cases if (opts.all or opts.update) else None)
    if selected is None:
        ap.error("name cases or pass --all")

    if opts.update:
        failures = update(binary, opts.root, selected)
        failures += check_files(opts.root, cases) if not opts.cases else 0
        return 1 if failures else 0

    start = time.monotonic()
    failed = [c.name for c in selected if not check(binary, opts.root, c)]
    if len(selected) > 1:
        print(f"{len(selected) - len(failed)}/{len(selected)} golden cases passed "
              f"in {time.monotonic() - start:.2f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
