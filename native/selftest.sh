#!/usr/bin/env bash
# Self-check of the native binaries on this host: builds them, runs each briefly, validates the JSON
# contract, and (as root on cgroup v1) checks the launcher really runs workloads inside their limits.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=$here/build
scratch=${CGBENCH_SELFTEST_DIR:-/var/tmp}
groups=()
tmp=$(mktemp -d /tmp/cgbench-selftest.XXXXXX)

# A group can only be removed once empty, so anything left in it is killed first.
remove_group() {
    local g=$1 pid
    [[ -d $g ]] || return 0
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done < "$g/cgroup.procs"
        rmdir "$g" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "selftest: could not remove $g" >&2
}
cleanup() {
    local g
    for g in "${groups[@]}"; do remove_group "$g"; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

# Validates one JSON line with the keys given; the harness relies on exactly this shape.
check_json() {
    local label=$1 out=$2; shift 2
    [[ $(printf '%s\n' "$out" | wc -l) -eq 1 ]] || fail "$label: expected one line, got: $out"
    node -e '
        const o = JSON.parse(process.argv[1]);
        for (const k of process.argv.slice(2)) if (!(k in o)) throw new Error("missing key " + k);
    ' "$out" "$@" || fail "$label: invalid JSON or missing keys: $out"
}
jget() { node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; console.log(v === null ? "null" : v)' "$1" "$2"; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f ms", ns / 1e6 }'; }
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.0f MB/s", b / (ns / 1e9) / 1e6 }'; }
expect_rc() {
    local want=$1 label=$2 rc=0; shift 2
    "$@" >/dev/null 2>"$tmp/err" || rc=$?
    [[ $rc -eq $want ]] || fail "$label: exit $rc, want $want ($(cat "$tmp/err"))"
    echo "ok   $label -> exit $rc: $(head -1 "$tmp/err")"
}

make -s -C "$here"

# --- workloads -------------------------------------------------------------------------------
out=$("$bin/cgbench-cpu" --iterations 10000000 --threads 2)
check_json cpu "$out" workload wall_ns ops iterations threads
[[ $(jget "$out" ops) -eq 20000000 ]] || fail "cpu: ops should be N*T: $out"
echo "ok   cpu 1e7 x 2 threads: $(ms "$(jget "$out" wall_ns)")"
out=$("$bin/cgbench-cpu")
check_json cpu "$out" workload wall_ns ops iterations threads
cpu_full_ns=$(jget "$out" wall_ns)
echo "ok   cpu 2^30 x 1 thread: $(ms "$cpu_full_ns")"

out=$("$bin/cgbench-memory" --mode anon --mib 16)
check_json memory-anon "$out" workload mode wall_ns bytes pages majflt minflt
echo "ok   memory anon 16 MiB: $(ms "$(jget "$out" wall_ns)"), $(jget "$out" minflt) minor faults"

for access in mmap read; do
    out=$("$bin/cgbench-memory" --mode pagecache --mib 16 --passes 2 --dir "$scratch" --access "$access")
    check_json "memory-pagecache-$access" "$out" workload mode access wall_ns bytes passes prepare_ns majflt minflt
    [[ $(jget "$out" bytes) -eq $((32 << 20)) ]] || fail "pagecache: bytes should be N*K MiB: $out"
    echo "ok   memory pagecache 16 MiB x 2 ($access): $(ms "$(jget "$out" wall_ns)"), $(mbps "$(jget "$out" bytes)" "$(jget "$out" wall_ns)")"
done

for mode in write read; do
    out=$("$bin/cgbench-io" --mode "$mode" --mib 8 --dir "$scratch")
    check_json "io-$mode" "$out" workload mode wall_ns bytes ops block_bytes prepare_ns
    echo "ok   io $mode 8 MiB O_DIRECT: $(ms "$(jget "$out" wall_ns)"), $(mbps "$(jget "$out" bytes)" "$(jget "$out" wall_ns)")"
done
if ls "$scratch"/cgbench-io-*.dat "$scratch"/cgbench-pagecache-*.dat >/dev/null 2>&1; then
    fail "scratch files left in $scratch"
fi

out=$("$bin/cgbench-latency" --duration-ms 300)
check_json latency "$out" workload wall_ns ops threads p50_ns p90_ns p99_ns p999_ns max_ns mean_ns
echo "ok   latency 300 ms: $(jget "$out" ops) requests, p50 $(ms "$(jget "$out" p50_ns)"), p99 $(ms "$(jget "$out" p99_ns)")"

# --- error contract ----------------------------------------------------------------------------
expect_rc 2 "cpu unknown option" "$bin/cgbench-cpu" --bogus 1
expect_rc 2 "memory missing --mode" "$bin/cgbench-memory" --mib 1
expect_rc 3 "io on tmpfs" "$bin/cgbench-io" --mode write --mib 1 --dir /dev/shm
expect_rc 2 "load without a target" "$bin/cgbench-load" --rate 10
expect_rc 2 "load rate and closed" "$bin/cgbench-load" --tcp 127.0.0.1:1 --rate 10 --closed
expect_rc 2 "echo unknown option" "$bin/cgbench-echo" --bogus
expect_rc 125 "launch unknown option" "$bin/cgbench-launch" --bogus -- true
expect_rc 127 "launch missing program" "$bin/cgbench-launch" -- /nonexistent/program

# --- launcher ------------------------------------------------------------------------------------
out=$("$bin/cgbench-launch" --status "$tmp/st" -- /bin/sh -c 'echo $$')
[[ $out == 1 ]] || fail "launcher: the workload should be pid 1 in its pid namespace, got '$out'"
st=$(cat "$tmp/st")
check_json launch-status "$st" exit_code signal wall_ns utime_us stime_us maxrss_kib majflt minflt nvcsw nivcsw
echo "ok   launch --ns all: workload is pid 1, launch-to-exit $(ms "$(jget "$st" wall_ns)")"

rc=0; "$bin/cgbench-launch" --ns none --status "$tmp/st" -- /bin/sh -c 'exit 7' || rc=$?
[[ $rc -eq 7 && $(jget "$(cat "$tmp/st")" exit_code) -eq 7 ]] || fail "launcher: exit code not propagated ($rc)"
echo "ok   launch propagates exit code 7"

# --- cgroup v1: the workload runs inside its limits --------------------------------------------
# Groups are created below this shell's own group in each hierarchy, so the test stays inside
# whatever accounting the caller is already under.
v1_group() {
    local ctl=$1 rel
    rel=$(awk -F: -v c="$ctl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
    printf '/sys/fs/cgroup/%s%s/cgbench-selftest-%s' "$ctl" "${rel%/}" "$$"
}
if [[ $(id -u) -ne 0 || ! -f /sys/fs/cgroup/cpu/cgroup.procs || ! -f /sys/fs/cgroup/memory/cgroup.procs ]]; then
    echo "skip cgroup checks (need root and cgroup v1 cpu + memory hierarchies)"
    exit 0
fi

cg=$(v1_group cpu)
groups+=("$cg")
mkdir "$cg"
out=$("$bin/cgbench-launch" --join "$cg/cgroup.procs" --status "$tmp/st" -- /bin/sh -c 'echo $$')
[[ $out == 1 ]] || fail "launcher with --join: expected 1, got '$out'"
echo "ok   launch --join $cg"

# 20 % quota: the loop may use 20 ms of CPU per 100 ms, so its wall time must be about 5x the
# CPU time it used. Judged against CPU time, not an unthrottled run: on a busy host the baseline's
# wall time is inflated by other load while the throttled run still gets its 20 %.
echo 100000 > "$cg/cpu.cfs_period_us"
echo 20000 > "$cg/cpu.cfs_quota_us"
iters=$((1 << 28))
base=$("$bin/cgbench-cpu" --iterations $iters)
limited=$("$bin/cgbench-launch" --join "$cg/cgroup.procs" --status "$tmp/st" -- "$bin/cgbench-cpu" --iterations $iters)
check_json cpu-limited "$limited" wall_ns
st=$(cat "$tmp/st")
b=$(jget "$base" wall_ns) l=$(jget "$limited" wall_ns)
cpu_ns=$(( ($(jget "$st" utime_us) + $(jget "$st" stime_us)) * 1000 ))
throttled=$(awk '$1 == "nr_throttled" { print $2 }' "$cg/cpu.stat")
[[ $throttled -gt 0 ]] || fail "cpu quota: nr_throttled is 0"
awk -v l="$l" -v c="$cpu_ns" 'BEGIN { exit !(l >= 0.6 * c * 5) }' ||
    fail "cpu quota: wall $(ms "$l") for $(ms "$cpu_ns") of CPU is not throttled to ~20 %"
echo "ok   cpu 2^28 at 20% quota: $(ms "$b") unthrottled -> $(ms "$l") for $(ms "$cpu_ns") CPU" \
    "(granted $(awk -v l="$l" -v c="$cpu_ns" 'BEGIN { printf "%.0f", 100 * c / l }')% of a CPU), nr_throttled=$throttled"

out=$("$bin/cgbench-launch" --join "$cg/cgroup.procs" -- "$bin/cgbench-latency" --duration-ms 500 --threads 2)
check_json latency-limited "$out" p99_ns
echo "ok   latency 2 threads at 20% quota: p50 $(ms "$(jget "$out" p50_ns)"), p99 $(ms "$(jget "$out" p99_ns)")"

# 64 MiB of anon memory in a 32 MiB group without swap must end in an OOM kill (signal 9).
mg=$(v1_group memory)
groups+=("$mg")
mkdir "$mg"
echo $((32 << 20)) > "$mg/memory.limit_in_bytes"
[[ -f $mg/memory.memsw.limit_in_bytes ]] && echo $((32 << 20)) > "$mg/memory.memsw.limit_in_bytes"
rc=0
"$bin/cgbench-launch" --join "$mg/cgroup.procs" --status "$tmp/st" -- "$bin/cgbench-memory" --mode anon --mib 64 \
    > "$tmp/out" || rc=$?
st=$(cat "$tmp/st")
check_json launch-oom "$st" signal
[[ $rc -eq 137 && $(jget "$st" signal) -eq 9 && ! -s $tmp/out ]] || fail "OOM: rc=$rc status=$st"
oom_kills=$(awk '$1 == "oom_kill" { print $2 }' "$mg/memory.oom_control")
[[ ${oom_kills:-0} -ge 1 ]] || fail "OOM: memory.oom_control shows no oom_kill"
echo "ok   memory anon 64 MiB in 32 MiB group: killed by signal 9 (oom_kill=$oom_kills), maxrss $(jget "$st" maxrss_kib) KiB"

echo "all native self-checks passed"
