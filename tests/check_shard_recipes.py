#!/usr/bin/python3
"""The shard recipes of the README and the man page, run as written (docs/shards/).

Usage:
    check_shard_recipes.py --tcpstate BIN --root REPO (--gen GEN_CAPTURE | --capture CAPTURE)
                           --scratch DIR

CAPTURE (a classic pcap; with --gen, 20,000 generated packets with a SYN flood) is cut into
three rotated files, the archive. Then:
  - parallel-shards.sh with GNU parallel (skipped, and said so, when parallel is missing);
  - the xargs -P form its comment gives;
  - slurm-shards.sbatch once per array task, with the environment Slurm gives a task
    (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT from its #SBATCH --array), then
    slurm-merge.sbatch;
  - the command and arguments of kubernetes-shards.yaml once per index (JOB_COMPLETION_INDEX,
    completions from the manifest), its /captures and /shards mapped to directories here,
    then the command of kubernetes-merge.yaml;
each must leave rows.csv and summary.csv equal to one unsharded run over the archive (rows
sorted by conn_id). tcpstate, tcpstate-merge and tcpstate-shard-worker are put on PATH as
the recipes expect. Exit status 1 on any difference. Standard library only.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys


def split_pcap(capture, parts, directory):
    """Rotated files of one capture: consecutive runs of its packets, each with its header."""
    data = open(capture, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    records = []
    offset = 24
    while offset + 16 <= len(data):
        length = struct.unpack(endian + "I", data[offset + 8:offset + 12])[0]
        records.append(data[offset:offset + 16 + length])
        offset += 16 + length
    os.makedirs(directory, exist_ok=True)
    per_file = (len(records) + parts - 1) // parts
    for part in range(parts):
        with open(os.path.join(directory, f"capture-{part:04d}.pcap"), "wb") as f:
            f.write(data[:24])
            f.writelines(records[part * per_file:(part + 1) * per_file])


def sorted_rows(text):
    lines = text.splitlines(keepends=True)
    return lines[0] + "".join(sorted(lines[1:], key=lambda line: int(line.split(",", 1)[0])))


class Recipes:
    def __init__(self, args):
        self.args = args
        args.root = os.path.abspath(args.root)
        self.docs = os.path.join(args.root, "docs", "shards")
        self.failures = 0
        bin_dir = os.path.join(args.scratch, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        for name, target in (("tcpstate", os.path.abspath(args.tcpstate)),
                             ("tcpstate-merge", os.path.join(args.root, "scripts", "tcpstate-merge")),
                             ("tcpstate-shard-worker", os.path.join(self.docs, "tcpstate-shard-worker"))):
            link = os.path.join(bin_dir, name)
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(target, link)
        self.env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"])
        for name in ("SHARD_INDEX", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"):
            self.env.pop(name, None)
        self.archive = os.path.join(args.scratch, "captures")
        shutil.rmtree(self.archive, ignore_errors=True)
        split_pcap(args.capture, 3, self.archive)
        inputs = sum((["-r", os.path.join(self.archive, f)]
                      for f in sorted(os.listdir(self.archive))), [])
        self.expected_rows = sorted_rows(self.tcpstate(inputs + ["--format", "csv"]))
        # Without the diagnosis' findings, which --shard leaves out.
        self.expected_summary = "".join(
            line for line in self.tcpstate(inputs + ["--summary", "--format", "csv"])
            .splitlines(keepends=True) if not line.startswith("diagnosis,"))

    def tcpstate(self, words):
        return subprocess.run([self.args.tcpstate, *words], capture_output=True, text=True,
                              check=True).stdout

    def sh(self, command, cwd, extra_env=None):
        env = dict(self.env, **(extra_env or {}))
        done = subprocess.run(command, cwd=cwd, env=env, shell=isinstance(command, str),
                              capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command!r} exited {done.returncode}: {done.stderr.strip()}")

    def outdir(self, name):
        path = os.path.join(self.args.scratch, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def compare(self, recipe, out):
        for file, expected in (("rows.csv", self.expected_rows),
                               ("summary.csv", self.expected_summary)):
            path = os.path.join(out, file)
            got = open(path).read() if os.path.exists(path) else None
            if got != expected:
                self.failures += 1
                print(f"FAIL {recipe}: {file} differs from the unsharded run")
                return
        print(f"ok   {recipe}")

    def recipe(self, name, run):
        try:
            run()
        except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as error:
            self.failures += 1
            print(f"FAIL {name}: {error}")

    def parallel(self):
        if shutil.which("parallel") is None:
            print("skip GNU parallel: not installed (apt-get install parallel)")
            return
        out = self.outdir("parallel")
        self.sh([os.path.join(self.docs, "parallel-shards.sh"), "3", self.archive, out], out)
        self.compare("GNU parallel, 3 processes", out)

    def xargs(self):
        out = self.outdir("xargs")
        self.sh(f"seq 0 3 | xargs -P 4 -I{{}} env SHARD_INDEX={{}} tcpstate-shard-worker 4 "
                f"{out} {self.archive} && tcpstate-merge {out}/rows.*-of-4.csv >{out}/rows.csv "
                f"&& tcpstate-merge {out}/summary.*-of-4.csv >{out}/summary.csv", out)
        self.compare("xargs -P, 4 processes", out)

    def slurm(self):
        out = self.outdir("slurm")
        script = os.path.join(self.docs, "slurm-shards.sbatch")
        array = re.search(r"^#SBATCH --array=(\d+)-(\d+)$", open(script).read(), re.M)
        first, last = int(array.group(1)), int(array.group(2))
        env = {"CAPTURES": self.archive, "OUT": out}
        for task in range(first, last + 1):
            self.sh([script], out, dict(env, SLURM_ARRAY_TASK_ID=str(task),
                                         SLURM_ARRAY_TASK_COUNT=str(last - first + 1)))
        self.sh([os.path.join(self.docs, "slurm-merge.sbatch")], out, env)
        self.compare(f"Slurm array job, {last - first + 1} tasks", out)

    def kubernetes(self):
        out = self.outdir("kubernetes")
        job = open(os.path.join(self.docs, "kubernetes-shards.yaml")).read()
        completions = int(re.search(r"^  completions: (\d+)$", job, re.M).group(1))
        command = json.loads(re.search(r"^ +command: (\[.*\])$", job, re.M).group(1))
        args = json.loads(re.search(r"^ +args: (\[.*\])$", job, re.M).group(1))
        mapped = [arg.replace("/captures", self.archive).replace("/shards", out) for arg in args]
        for index in range(completions):
            self.sh(command + mapped, out, {"JOB_COMPLETION_INDEX": str(index)})
        merge = open(os.path.join(self.docs, "kubernetes-merge.yaml")).read()
        merge_command = json.loads(re.search(r"^ +command: (\[.*\])$", merge, re.M).group(1))
        self.sh([word.replace("/shards", out) for word in merge_command], out)
        self.compare(f"Kubernetes Indexed Job, {completions} pods", out)

    def worker_refusals(self):
        """A worker with no index, or a merge with a shard missing, fails loudly."""
        out = self.outdir("refusals")
        worker = subprocess.run(["tcpstate-shard-worker", "2", out, self.archive], env=self.env,
                                capture_output=True, text=True, check=False)
        if worker.returncode != 2 or "no shard index" not in worker.stderr:
            self.failures += 1
            print(f"FAIL worker without an index: exit {worker.returncode}")
        self.sh(["tcpstate-shard-worker", "2", out, self.archive], out, {"SHARD_INDEX": "1"})
        merge = subprocess.run(["tcpstate-merge", *[os.path.join(out, "summary.1-of-2.csv")]],
                               env=self.env, capture_output=True, text=True, check=False)
        if merge.returncode != 1 or "missing shard(s) 0 of 2" not in merge.stderr:
            self.failures += 1
            print(f"FAIL merge of one shard of two: exit {merge.returncode} {merge.stderr}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tcpstate", required=True)
    parser.add_argument("--root", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--capture")
    source.add_argument("--gen")
    parser.add_argument("--scratch", required=True)
    args = parser.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    if args.gen:
        args.capture = os.path.join(args.scratch, "generated.pcap")
        subprocess.run([args.gen, "--packets", "20000", "--concurrency", "400", "--lifetime", "4",
                        "--seed", "16", "--syn-flood", "1000", "--flood-rate", "1000",
                        "--flood-start", "2", "--out", args.capture], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    recipes = Recipes(args)
    for name in ("parallel", "xargs", "slurm", "kubernetes", "worker_refusals"):
        recipes.recipe(name, getattr(recipes, name))
    print(f"{recipes.failures} failures")
    return 1 if recipes.failures else 0


if __name__ == "__main__":
    sys.exit(main())
