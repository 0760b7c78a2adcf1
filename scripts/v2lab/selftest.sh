#!/bin/sh
# cgbench v2lab self-test: checks that the lab gives a working cgroup2.
# Usage: scripts/v2lab/selftest.sh
# On the host it re-runs itself inside the lab (scripts/v2lab/run.sh); in the
# guest (CGBENCH_LAB=v2) it checks cpu.max throttling and io.max on the
# scratch disk, and ends with "N passed, N failed".
set -u

if [ "${CGBENCH_LAB:-}" != v2 ]; then
    here=$(cd "$(dirname "$0")" && pwd -P)
    exec "$here/run.sh" /bin/sh "$here/selftest.sh"
fi

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
CG=/sys/fs/cgroup
T=$CG/v2lab-selftest

# 1. cgroup2 with the controllers enabled for children
if [ "$(stat -f -c %T $CG)" = cgroup2fs ]; then ok "cgroup2 at $CG"; else ko "$CG is not cgroup2"; fi
for c in cpu io memory pids; do
    case " $(cat $CG/cgroup.subtree_control) " in
        *" $c "*) ok "controller $c enabled in the root's subtree_control" ;;
        *) ko "controller $c not in $CG/cgroup.subtree_control" ;;
    esac
done

# 2. cpu.max 10000/100000: a busy loop is throttled in (nearly) every period
mkdir -p $T
echo "10000 100000" > $T/cpu.max
sh -c "echo \$\$ > $T/cgroup.procs && exec timeout 3 sh -c 'while :; do :; done'"
periods=$(awk '$1 == "nr_periods" { print $2 }' $T/cpu.stat)
throttled=$(awk '$1 == "nr_throttled" { print $2 }' $T/cpu.stat)
usage=$(awk '$1 == "usage_usec" { print $2 }' $T/cpu.stat)
echo "cpu.stat: nr_periods=$periods nr_throttled=$throttled usage_usec=$usage (3 s busy loop, cpu.max 10000 100000)"
if [ "${periods:-0}" -ge 10 ] && [ $((throttled * 100)) -ge $((periods * 80)) ]; then
    ok "cpu.max throttles: $throttled of $periods periods"
else
    ko "cpu.max: only $throttled of $periods periods throttled"
fi
if [ "${usage:-0}" -le $((periods * 12000)) ]; then
    ok "cpu usage ${usage}us <= 12% of $periods periods"
else
    ko "cpu usage ${usage}us is more than 12% of $periods periods"
fi
rmdir $T

# 3. io.max wbps=2 MiB/s on the scratch disk holds an O_DIRECT writer near 2 MB/s
dev=$(cat /sys/block/vda/dev)
mkdir -p $T
echo "$dev wbps=2097152" > $T/io.max
echo "io.max: $(cat $T/io.max)"
out=$(sh -c "echo \$\$ > $T/cgroup.procs && exec dd if=/dev/zero of=/scratch/v2lab-selftest bs=1M count=8 oflag=direct" 2>&1 | tail -n1)
echo "dd: $out"
secs=$(echo "$out" | sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p')
rate=$(awk -v s="${secs:-0}" 'BEGIN { if (s > 0) printf "%.2f", 8 * 1048576 / s / 1e6; else print 0 }')
echo "io.stat: $(grep "^$dev " $T/io.stat)"
if awk -v r="$rate" 'BEGIN { exit !(r >= 1.5 && r <= 3.0) }'; then
    ok "io.max wbps=2097152 holds dd at $rate MB/s"
else
    ko "io.max: dd ran at $rate MB/s, expected about 2.1"
fi
rm -f /scratch/v2lab-selftest
rmdir $T

# 4. the guest environment
[ -w /v2lab-out ] && ok "/v2lab-out is writable" || ko "/v2lab-out is not writable"
[ "$(stat -f -c %T /scratch)" = "ext2/ext3" ] && ok "/scratch is ext4 on a block device" || ko "/scratch is not ext4"
case "${TMPDIR:-}" in /scratch/*) ok "TMPDIR=$TMPDIR" ;; *) ko "TMPDIR=${TMPDIR:-unset}" ;; esac
[ "$(cat /sys/class/net/lo/operstate 2>/dev/null)" != down ] && ok "loopback is up" || ko "loopback is down"
if command -v node >/dev/null 2>&1; then
    v=$(node -e 'console.log(process.version)') && ok "host node runs in the guest ($v)" || ko "node fails in the guest"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
