#!/usr/bin/env sh
# Install the fieldkit kiosk on a Pi OS / Jetson (Debian/Ubuntu) box, offline.
#   packaging/kiosk/install.sh [--dry-run] [--flavour tty|cage] [--venv /opt/fieldkit/.venv] [--library DIR]
# It creates the `fieldkit` user, copies an ingested library to /var/lib/fieldkit (read-only to the
# kiosk), installs the units and the console locks, asks for the exit PIN, and enables the service.
# --dry-run prints every command instead of running it.
set -eu
DRY=""; FLAVOUR=tty; VENV=/opt/fieldkit/.venv; LIBRARY=""
HERE=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY=1 ;;
        --flavour) FLAVOUR="$2"; shift ;;
        --venv) VENV="$2"; shift ;;
        --library) LIBRARY="$2"; shift ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done
run() { if [ -n "$DRY" ]; then echo "+ $*"; else "$@"; fi; }
[ -x "$VENV/bin/fieldkit" ] || [ -n "$DRY" ] || { echo "no fieldkit in $VENV: install it first (make install)" >&2; exit 2; }
case "$FLAVOUR" in tty) UNIT=fieldkit-kiosk.service ;; cage) UNIT=fieldkit-kiosk-cage.service ;;
    *) echo "--flavour is tty or cage" >&2; exit 2 ;; esac

if [ -n "$DRY" ] || ! id fieldkit >/dev/null 2>&1; then
    run useradd --system --home /var/lib/fieldkit --shell /usr/sbin/nologin fieldkit
fi
run install -d -o root -g fieldkit -m 0750 /var/lib/fieldkit /etc/fieldkit
run install -d -o fieldkit -g fieldkit -m 0750 /var/lib/fieldkit/checklists /var/log/fieldkit
if [ -n "$LIBRARY" ]; then
    run cp -a "$LIBRARY" /var/lib/fieldkit/library
    run chown -R root:fieldkit /var/lib/fieldkit/library
    run chmod -R a-w,g+rX /var/lib/fieldkit/library
fi
[ "$VENV" = /opt/fieldkit/.venv ] || run ln -sfn "$(dirname "$VENV")" /opt/fieldkit
run install -m 0644 "$HERE/$UNIT" "$HERE/fieldkit-kiosk-fallback.service" /etc/systemd/system/
run install -d /etc/systemd/logind.conf.d /etc/systemd/system.conf.d
run install -m 0644 "$HERE/logind-kiosk.conf" /etc/systemd/logind.conf.d/fieldkit-kiosk.conf
run install -m 0644 "$HERE/system-kiosk.conf" /etc/systemd/system.conf.d/fieldkit-kiosk.conf
run systemctl mask ctrl-alt-del.target
run systemctl disable getty@tty1.service
[ "$FLAVOUR" = cage ] && run apt-get install -y --no-install-recommends cage foot
echo "Set the PIN that leaves the kiosk:"
run env FIELDKIT_KIOSK_CONFIG=/etc/fieldkit/kiosk.json "$VENV/bin/fieldkit" kiosk set-pin --log /var/log/fieldkit/answers.jsonl
run chown root:fieldkit /etc/fieldkit/kiosk.json
run chmod 0640 /etc/fieldkit/kiosk.json
run systemctl daemon-reload
run systemctl enable --now "$UNIT"
echo "fieldkit kiosk installed ($UNIT); leave it with F12 and the PIN, or: systemctl stop $UNIT"
