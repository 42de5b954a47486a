#!/bin/sh
# Install fieldkit from this bundle with no network: ./install.sh PREFIX
# Makes PREFIX/.venv with this machine's python3, installs the wheels in wheelhouse/ (each one's sha256
# checked against requirements.txt), and links PREFIX/bin/fieldkit. Run it again to repair an install.
set -eu
PREFIX="${1:?usage: ./install.sh PREFIX   (for example /opt/fieldkit or \$HOME/fieldkit)}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-python3}"
field() { sed -n "s/.*\"$1\": \"\([^\"]*\)\".*/\1/p" "$HERE/bundle.json"; }
want_arch="$(field arch)"; want_py="$(field python)"
have_arch="$(uname -m)"
if [ "$have_arch" != "$want_arch" ]; then
    echo "install.sh: this bundle is for $want_arch; this machine is $have_arch: use fieldkit-*-linux-$have_arch.tar.gz" >&2
    exit 1
fi
if ! have_py="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)"; then
    echo "install.sh: $PYTHON not found: install Python $want_py (Debian/Pi OS: apt install python3 python3-venv)" >&2
    exit 1
fi
if [ "$have_py" != "$want_py" ]; then
    echo "install.sh: this bundle holds wheels for Python $want_py; $PYTHON is $have_py: build one with 'make bundle PYVER=$have_py' or set PYTHON=python$want_py" >&2
    exit 1
fi
if ! "$PYTHON" -m venv "$PREFIX/.venv"; then
    echo "install.sh: could not make a virtual environment in $PREFIX/.venv (Debian/Pi OS: apt install python3-venv; or choose a PREFIX you can write)" >&2
    exit 1
fi
"$PREFIX/.venv/bin/python" -m pip install --isolated --quiet --no-index --no-deps --require-hashes \
    --find-links "$HERE/wheelhouse" -r "$HERE/requirements.txt"
mkdir -p "$PREFIX/bin" "$PREFIX/share/fieldkit"
ln -sf "$PREFIX/.venv/bin/fieldkit" "$PREFIX/bin/fieldkit"
cp -R "$HERE/kiosk" "$HERE/sample" "$HERE/bundle.json" "$PREFIX/share/fieldkit/"
echo "fieldkit $(field fieldkit) installed in $PREFIX; try:"
echo "  $PREFIX/bin/fieldkit ingest $PREFIX/share/fieldkit/sample/fk200-gpu-maintenance.pdf"
echo "  $PREFIX/bin/fieldkit ask \"What torque for the oil drain plug?\""
echo "  $PREFIX/bin/fieldkit doctor"
