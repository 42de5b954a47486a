"""The kiosk's packaging: the unit files pass `systemd-analyze verify` (only the programs they start
are absent on a build machine), they carry the locks the kiosk relies on, and the install script's
dry run prints what it would do without doing it."""

import re
import shutil
import subprocess
from pathlib import Path

KIOSK = Path(__file__).resolve().parent.parent / "packaging" / "kiosk"
UNITS = ["fieldkit-kiosk.service", "fieldkit-kiosk-fallback.service", "fieldkit-kiosk-cage.service"]
# On a build machine the kiosk's programs are not installed: the only findings allowed.
ABSENT = re.compile(r"Command (/opt/fieldkit/\.venv/bin/fieldkit|/usr/bin/cage) is not executable")


def _verify(folder: Path) -> list[str]:
    result = subprocess.run(["systemd-analyze", "verify", *(str(folder / u) for u in UNITS)],
                            capture_output=True, text=True)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip() and not ABSENT.search(line)]


def test_units_pass_systemd_analyze_verify():
    assert _verify(KIOSK) == []


def test_verify_does_catch_a_broken_unit(tmp_path):
    for unit in UNITS:
        shutil.copy(KIOSK / unit, tmp_path / unit)
    path = tmp_path / UNITS[0]
    path.write_text(path.read_text().replace("Restart=always", "Restart=sometimes"))
    assert any("restart" in line.lower() for line in _verify(tmp_path))


def test_the_kiosk_unit_carries_its_locks():
    unit = (KIOSK / "fieldkit-kiosk.service").read_text()
    for line in ("TTYPath=/dev/tty1", "StandardInput=tty", "Restart=always", "RestartSec=2",
                 "StartLimitIntervalSec=0", "PrivateNetwork=yes", "OnFailure=fieldkit-kiosk-fallback.service"):
        assert line in unit
    assert "NAutoVTs=0" in (KIOSK / "logind-kiosk.conf").read_text()
    assert "ReserveVT=0" in (KIOSK / "logind-kiosk.conf").read_text()
    assert "CtrlAltDelBurstAction=none" in (KIOSK / "system-kiosk.conf").read_text()


def test_install_dry_run_prints_and_changes_nothing(tmp_path):
    result = subprocess.run(["sh", str(KIOSK / "install.sh"), "--dry-run", "--library", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    commands = [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]
    assert any(c.startswith("systemctl mask ctrl-alt-del.target") for c in commands)
    assert any("kiosk set-pin" in c for c in commands)
    assert commands[-1] == "systemctl enable --now fieldkit-kiosk.service"
    assert not Path("/etc/systemd/system/fieldkit-kiosk.service").exists()
