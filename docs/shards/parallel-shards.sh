#!/bin/sh
# A capture archive over N processes on one machine, with GNU parallel; then merged.
#
#   parallel-shards.sh N CAPTURES OUTDIR
#
# CAPTURES is a capture file or a directory of them (rotated files of one link: every
# process reads them all, merged by time). Leaves OUTDIR/rows.csv and OUTDIR/summary.csv,
# equal to one unsharded `tcpstate --format csv` run's rows (sorted by conn_id) and
# `--summary --format csv`, and each shard's files beside them. Without GNU parallel,
# xargs does the same:
#   seq 0 $((N - 1)) | xargs -P "$N" -I{} env SHARD_INDEX={} tcpstate-shard-worker ...
set -eu
[ $# -eq 3 ] || { echo "usage: parallel-shards.sh N CAPTURES OUTDIR" >&2; exit 2; }
n=$1
captures=$2
out=$3
# --halt now,fail=1: one failed shard fails the whole run, as a missing shard would make
# the merge wrong (tcpstate-merge refuses it anyway).
seq 0 $((n - 1)) | parallel -j "$n" --halt now,fail=1 \
    SHARD_INDEX={} tcpstate-shard-worker "$n" "$out" "$captures"
tcpstate-merge "$out"/rows.*-of-"$n".csv >"$out/rows.csv"
tcpstate-merge "$out"/summary.*-of-"$n".csv >"$out/summary.csv"
