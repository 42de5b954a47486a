#!/usr/bin/env bash
# Smoke-test an aarch64 offline bundle on this x86_64 host under qemu user emulation:
#   scripts/test_aarch64.sh dist/fieldkit-<version>-linux-aarch64.tar.gz
#   scripts/test_aarch64.sh --root-only        (just make or check the cached arm64 root)
# KEEP=1 keeps the run's overlay (it is kept anyway when a step fails).
# In a Debian bookworm arm64 root (debootstrap, cached in $AARCH64_ROOT), with no network: unpack the
# bundle, ./install.sh /opt/fk, fieldkit ingest <the bundle's sample manual>, fieldkit ask; the answer
# must give a torque value and a page. Prints the time of each phase. Needs root (apt-get installs
# qemu-user-static and debootstrap when missing) and a kernel with binfmt_misc per user namespace
# (Linux 6.7+). The first run makes the root (~20 min on 2 cores); a bundle run takes ~15 min.
#
# How arm64 programs run without touching the host: binfmt_misc is not mounted here, and running only
# the first program through qemu-aarch64-static is not enough (python -m venv, pip, install.sh and
# debootstrap itself start further arm64 programs, which qemu-user 7.2 cannot follow; proot -q 5.1
# mistranslates statx/faccessat2 paths). So each step runs in new user+mount+pid(+net) namespaces,
# with an identity uid/gid map (files keep their real owners), a private binfmt_misc instance in which
# qemu-aarch64-static is registered (flag F: opened now, so it works inside the chroot), and then
# chroot into the root. The host's binfmt_misc (unmounted) and network are left alone. The bundle
# steps run on an overlay over the cached root, so that root stays clean and reruns are quick, and see
# a Raspberry Pi 5's /proc/cpuinfo (qemu-user passes the host's x86 one through; see FK_CPUINFO).
set -euo pipefail

SELF="$(readlink -f "$0")"
BINFMT=':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF'
ARM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# --- inside the namespaces (the script calls itself) ------------------------------------------------
if [ "${1:-}" = __ns_wait ]; then
    # Started before the parent wrote our uid map: once it has, exec again to hold root's capabilities.
    shift
    for _ in $(seq 500); do [ -n "$(cat /proc/self/uid_map)" ] && exec "$SELF" __ns "$@"; sleep 0.01; done
    echo "test_aarch64.sh: uid map never written" >&2; exit 1
fi
if [ "${1:-}" = __ns ]; then
    root="$2"; shift 2
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    printf '%s' "$BINFMT" > /proc/sys/fs/binfmt_misc/register
    if [ -n "${FK_OVERLAY:-}" ]; then   # FK_OVERLAY=dir: changes go to dir/upper, the root stays as is
        mkdir -p "$FK_OVERLAY/upper" "$FK_OVERLAY/work" "$FK_OVERLAY/merged"
        mount -t overlay overlay -o "lowerdir=$root,upperdir=$FK_OVERLAY/upper,workdir=$FK_OVERLAY/work" \
            "$FK_OVERLAY/merged"
        root="$FK_OVERLAY/merged"
    fi
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --rbind /sys "$root/sys"
    # qemu-user shows the host's x86 /proc/cpuinfo; arm64 programs that parse it (onnxruntime's cpuinfo
    # library) find no ARM processor and crash. Show them a Raspberry Pi 5's (Cortex-A76) instead.
    if [ -n "${FK_CPUINFO:-}" ]; then mount --bind "$FK_CPUINFO" "$root/proc/cpuinfo"; fi
    if [ -n "${FK_BIND:-}" ]; then      # FK_BIND=hostdir: visible read-only as /mnt/host
        mkdir -p "$root/mnt/host"
        mount --bind "$FK_BIND" "$root/mnt/host"
        mount -o remount,bind,ro "$root/mnt/host"
    fi
    # Not exec: this shell stays PID 1 of the pid namespace. A PID 1 ignores signals it has no handler
    # for, so qemu could not kill itself after a guest crash ("uncaught target signal 11") and would hang.
    chroot "$root" /usr/bin/env -i HOME=/root PATH="$ARM_PATH" LANG=C.UTF-8 TERM="${TERM:-dumb}" \
        ${FK_ENV:-} "$@"
    exit $?
fi

# run_arm NET ROOT CMD...: run the arm64 CMD chrooted in ROOT as root; NET=off adds a network namespace
# (only a loopback, down). FK_OVERLAY, FK_BIND and FK_ENV (VAR=value ...) as above.
run_arm() {
    local net="$1" root="$2"; shift 2
    local flags=(--user --mount --pid --fork --kill-child) me pid
    [ "$net" = off ] && flags+=(--net)
    me="$(readlink /proc/self/ns/user)"
    unshare "${flags[@]}" -- "$SELF" __ns_wait "$root" "$@" &
    pid=$!
    for _ in $(seq 500); do
        [ "$(readlink "/proc/$pid/ns/user" 2>/dev/null || echo gone)" != "$me" ] && break
        sleep 0.01
    done
    echo "0 0 4294967295" > "/proc/$pid/uid_map" 2>/dev/null || true
    echo "0 0 4294967295" > "/proc/$pid/gid_map" 2>/dev/null || true
    wait "$pid"
}

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
declare -a PHASES=()
phase_done() { local s; s="$(since "$2")"; PHASES+=("$(printf '%-8s %7s s' "$1" "$s")"); echo "--- $1: $s s"; }

[ "$(id -u)" = 0 ] || { echo "test_aarch64.sh: run as root (namespaces, chroot, debootstrap)" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: $0 BUNDLE.tar.gz | --root-only" >&2; exit 2; }
CACHE="${AARCH64_ROOT:-$HOME/.cache/fieldkit/arm64-root}"
ROOT="$CACHE/bookworm"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
T0="$(now)"

# --- phase 1: the arm64 root (cached) ----------------------------------------------------------------
t="$(now)"
missing=()
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -e "$ROOT/.fieldkit-root-ok" ]; then
    echo "making the Debian bookworm arm64 root in $ROOT (once; a few minutes)"
    rm -rf "$ROOT.new"
    mkdir -p "$CACHE"
    debootstrap --arch=arm64 --foreign --variant=minbase --include=python3,python3-venv \
        bookworm "$ROOT.new" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1 \
        || { tail -20 "$CACHE/debootstrap.log"; exit 1; }
    cp /usr/bin/qemu-aarch64-static "$ROOT.new/usr/bin/"   # for manual `chroot ROOT /usr/bin/qemu-aarch64-static ...`
    if [ -L "$ROOT.new/proc" ]; then rm "$ROOT.new/proc"; mkdir "$ROOT.new/proc"; fi
    # container=lxc: debootstrap skips its mknod probe (not allowed in a user namespace; /dev is bound).
    FK_ENV="container=lxc" run_arm on "$ROOT.new" /bin/bash /debootstrap/debootstrap --second-stage \
        >> "$CACHE/debootstrap.log" 2>&1 \
        || { tail -20 "$CACHE/debootstrap.log"; exit 1; }
    touch "$ROOT.new/.fieldkit-root-ok"
    mv "$ROOT.new" "$ROOT"
fi
run_arm off "$ROOT" /bin/sh -c 'echo "arm64 root: $(uname -m), Debian $(cat /etc/debian_version), $(python3 -V)"'
phase_done root "$t"
[ "$1" = --root-only ] && exit 0

# --- phase 2..5: the bundle, with no network ---------------------------------------------------------
BUNDLE="$(readlink -f "$1")"
[ -f "$BUNDLE" ] || { echo "test_aarch64.sh: no such bundle: $1" >&2; exit 2; }
NAME="$(basename "$BUNDLE")"
TOP="${NAME%.tar.gz}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fk-arm64.XXXXXX")"
trap 'rc=$?; if [ $rc = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "kept $WORK (the overlay: $WORK/overlay/upper)"; fi' EXIT
export FK_OVERLAY="$WORK/overlay" FK_BIND="$(dirname "$BUNDLE")" FK_CPUINFO="$WORK/cpuinfo"
for ((i = 0; i < $(nproc); i++)); do   # a Raspberry Pi 5's /proc/cpuinfo, one block per host core
    printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\n' \
        "$i" "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp"
    printf 'CPU variant\t: 0x4\nCPU part\t: 0xd0b\nCPU revision\t: 1\n\n'
done > "$FK_CPUINFO"
printf 'Revision\t: d04170\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n' >> "$FK_CPUINFO"
echo "bundle $NAME; overlay in $WORK"

t="$(now)"
run_arm off "$ROOT" /bin/sh -c "mkdir /srv/fk-bundle && cd /srv/fk-bundle && tar xzf '/mnt/host/$NAME' && ls"
[ -x "$FK_OVERLAY/upper/srv/fk-bundle/$TOP/install.sh" ] || { echo "FAIL: no $TOP/install.sh in the bundle" >&2; exit 1; }
phase_done unpack "$t"

t="$(now)"
run_arm off "$ROOT" /bin/sh -c "cd /srv/fk-bundle/$TOP && ./install.sh /opt/fk"
phase_done install "$t"

SAMPLE="$(cd "$FK_OVERLAY/upper/srv/fk-bundle/$TOP" && ls sample/*.pdf | head -1)"
export FK_ENV="FIELDKIT_HOME=/srv/fk-home"
t="$(now)"
run_arm off "$ROOT" /opt/fk/bin/fieldkit ingest "/srv/fk-bundle/$TOP/$SAMPLE"
phase_done ingest "$t"

t="$(now)"
QUESTION="What torque for the oil drain plug?"
run_arm off "$ROOT" /opt/fk/bin/fieldkit ask "$QUESTION" 2>&1 | tee "$WORK/answer.txt"
phase_done ask "$t"

echo "=== phase times (qemu-aarch64 $(qemu-aarch64-static --version | sed -n 's/.*version \([^ ]*\).*/\1/p'), $(nproc) host cores)"
printf '  %s\n' "${PHASES[@]}"
printf '  %-8s %7s s\n' total "$(since "$T0")"
torque='[0-9]+([.,][0-9]+)? ?(N·m|N m|Nm|N-m|lb-ft|ft-lb|lbf-ft|ft-lbf|in-lb)'
# A torque value in what the answer keeps (not in fieldkit's "(removed a generated sentence: ...)" notes),
# with a page citation "[manual, p. N ...]" on one of the next 3 lines.
cited="$(awk -v re="$torque" '/^\(removed/ { next } $0 ~ re { t = NR; v = $0 }
    /\[[^]]*p\. ?[0-9]+/ && t && NR - t <= 3 { print v; print; exit }' "$WORK/answer.txt")"
if [ -n "$cited" ]; then
    echo "PASS: the answer gives a torque value with a page citation:"
    printf '  %s\n' "$cited"
else
    echo "FAIL: the answer gives no torque value with a page citation" >&2
    exit 1
fi
