#!/usr/bin/env sh
# Cross-build a portable aarch64 (Raspberry Pi 5, Jetson Orin) wheel of llama-cpp-python on an x86_64
# Debian host, into $WHEEL_CACHE/aarch64/; reruns reuse the wheel. Usage: build_llama_wheel_aarch64.sh VERSION
#
# What makes it portable:
# - CPU: -march=armv8.2-a+dotprod+fp16 (GGML_NATIVE=OFF): Cortex-A76 (Pi 5) and A78AE (Orin) have both
#   extensions. ARMv8.0 cores (Pi 4's A72) lack them and would die with SIGILL.
# - OpenMP: built with GGML_OPENMP=OFF, so no libgomp.so.1 is needed on the target. ggml then uses its
#   own pthread thread pool (as upstream's macOS builds do). Chosen over bundling libgomp (patchelf,
#   RPATH $ORIGIN): nothing extra to ship or keep patched, and no second libgomp in a process that may
#   load GCC's own. (Not benchmarked against an OpenMP build on a real Pi.)
# - Shared libraries: llama_cpp/_ctypes_extensions.py opens lib<name>.so by that exact name, while the
#   libraries' NEEDED entries name the SONAME lib<name>.so.0, and a wheel (a zip) cannot hold symlinks,
#   so upstream ships .so, .so.0 and .so.0.x.y as three full copies. We keep only lib<name>.so, set each
#   SONAME to it and rewrite the NEEDED entries to match (patchelf); RUNPATH stays $ORIGIN. The
#   top-level include/ and lib/ (headers, cmake files and a 2nd copy of every library, installed by
#   llama.cpp's own install() into site-packages/) are never loaded by the Python package: dropped.
# - Tag: the lowest manylinux_2_N_aarch64 that the libraries' GLIBC symbol versions allow (computed
#   below; libstdc++ from GCC 12 is what Debian 12 / Pi OS Bookworm and Ubuntu 22.04 ship).
set -eu
VERSION="${1:?usage: $0 LLAMA_CPP_PYTHON_VERSION}"
WHEEL_CACHE="${WHEEL_CACHE:-$HOME/.cache/fieldkit/wheels}"
OUT="$WHEEL_CACHE/aarch64"
PYTHON="${PYTHON:-python3}"
TRIPLE=aarch64-linux-gnu
ARM_ARCH="${ARM_ARCH:-armv8.2-a+dotprod+fp16}"
mkdir -p "$OUT"
if ls "$OUT"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
    echo "llama-cpp-python $VERSION (aarch64): cached wheel in $OUT"
    exit 0
fi

need=""
for tool in $TRIPLE-gcc $TRIPLE-g++ $TRIPLE-readelf $TRIPLE-strip patchelf cmake; do
    command -v "$tool" >/dev/null 2>&1 || need="$need $tool"
done
if [ -n "$need" ]; then
    echo "missing:$need; installing Debian's cross toolchain"
    [ "$(id -u)" = 0 ] || { echo "run as root, or: apt-get install gcc-$TRIPLE g++-$TRIPLE binutils-$TRIPLE patchelf cmake" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        gcc-$TRIPLE g++-$TRIPLE binutils-$TRIPLE libc6-dev-arm64-cross patchelf cmake ninja-build >/dev/null
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT INT TERM
"$PYTHON" -m venv "$TMP/venv"
"$TMP/venv/bin/pip" install -q "wheel>=0.42"

CMAKE_ARGS="-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64"
CMAKE_ARGS="$CMAKE_ARGS -DCMAKE_C_COMPILER=$TRIPLE-gcc -DCMAKE_CXX_COMPILER=$TRIPLE-g++"
CMAKE_ARGS="$CMAKE_ARGS -DCMAKE_FIND_ROOT_PATH=/usr/$TRIPLE -DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER"
CMAKE_ARGS="$CMAKE_ARGS -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY"
CMAKE_ARGS="$CMAKE_ARGS -DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=$ARM_ARCH -DGGML_OPENMP=OFF"
CMAKE_ARGS="$CMAKE_ARGS -DGGML_BACKEND_DL=OFF -DGGML_CPU_ALL_VARIANTS=OFF"
CMAKE_ARGS="$CMAKE_ARGS -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF"
export CMAKE_ARGS
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
export CMAKE_BUILD_PARALLEL_LEVEL
# The compiled wheel (tagged for this host by scikit-build-core) is kept in $OUT/raw/, so that a rerun
# after a failure in the steps below does not compile again.
RAW="$OUT/raw"
if ! ls "$RAW"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
    echo "cross-building llama-cpp-python $VERSION for aarch64 (CMAKE_ARGS=$CMAKE_ARGS); this takes 15-25 min on 2 cores"
    start=$(date +%s)
    # --no-cache-dir: pip's wheel cache may hold the host (x86_64) build of the same sdist.
    "$TMP/venv/bin/pip" wheel -q --no-cache-dir --no-deps --no-binary llama-cpp-python -w "$TMP/raw" \
        "llama-cpp-python==$VERSION"
    echo "compiled in $(( $(date +%s) - start )) s"
    mkdir -p "$RAW"
    mv "$TMP"/raw/llama_cpp_python-"$VERSION"-*.whl "$RAW/"
fi

"$TMP/venv/bin/python" -m wheel unpack -d "$TMP/unpacked" "$RAW"/llama_cpp_python-"$VERSION"-*.whl
ROOT="$TMP/unpacked/llama_cpp_python-$VERSION"
rm -rf "$ROOT/include" "$ROOT/lib"
LIB="$ROOT/llama_cpp/lib"
cd "$LIB"
# Keep lib<name>.so (the ctypes name); drop lib<name>.so.N[.x.y] and point SONAME/NEEDED at lib<name>.so.
for f in lib*.so; do
    "$TRIPLE-strip" --strip-unneeded "$f"
    soname="$("$TRIPLE-readelf" -d "$f" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
    if [ -n "$soname" ] && [ "$soname" != "$f" ]; then
        patchelf --set-soname "$f" "$f"
        for g in lib*.so; do
            if "$TRIPLE-readelf" -d "$g" | grep -q "(NEEDED).*\[$soname\]"; then
                patchelf --replace-needed "$soname" "$f" "$g"
            fi
        done
    fi
done
for f in lib*.so.*; do
    if [ -e "$f" ]; then rm -f "$f"; fi
done

# Checks: every library is AArch64, needs no libgomp and finds its siblings via $ORIGIN.
glibc_max=17
for f in lib*.so; do
    "$TRIPLE-readelf" -h "$f" | grep -q 'Machine:.*AArch64' || { echo "$f is not aarch64" >&2; exit 1; }
    if "$TRIPLE-readelf" -d "$f" | grep -q '(NEEDED).*libgomp'; then echo "$f needs libgomp" >&2; exit 1; fi
    "$TRIPLE-readelf" -d "$f" | grep -q '(RUNPATH).*\$ORIGIN' || patchelf --set-rpath '$ORIGIN' "$f"
    for needed in $("$TRIPLE-readelf" -d "$f" | sed -n 's/.*(NEEDED).*\[\(lib\(llama\|ggml\|mtmd\)[^]]*\)\]/\1/p'); do
        [ -e "$needed" ] || { echo "$f needs $needed, which is not in the wheel" >&2; exit 1; }
    done
    for v in $("$TRIPLE-readelf" -V "$f" | sed -n 's/.*Name: GLIBC_2\.\([0-9]*\).*/\1/p'); do
        if [ "$v" -gt "$glibc_max" ]; then glibc_max=$v; fi
    done
done
glibcxx="$(for f in lib*.so; do "$TRIPLE-readelf" -V "$f"; done | sed -n 's/.*Name: GLIBCXX_\([0-9.]*\).*/\1/p' | sort -t. -k3,3n | tail -1)"
PLAT="manylinux_2_${glibc_max}_aarch64"
cd - >/dev/null

cat > "$ROOT/llama_cpp_python-$VERSION.dist-info/fieldkit-build.txt" <<EOF
built by fieldkit scripts/build_llama_wheel_aarch64.sh on $(uname -m) with $("$TRIPLE-gcc" --version | head -1)
CMAKE_ARGS=$CMAKE_ARGS
max symbol versions: GLIBC_2.$glibc_max GLIBCXX_$glibcxx -> $PLAT
EOF
mkdir -p "$TMP/packed"
"$TMP/venv/bin/python" -m wheel pack -d "$TMP/packed" "$ROOT" >/dev/null
"$TMP/venv/bin/python" -m wheel tags --remove --platform-tag "$PLAT" "$TMP"/packed/*.whl >/dev/null
whl="$(ls "$TMP"/packed/llama_cpp_python-"$VERSION"-*.whl)"
cp "$ROOT/llama_cpp_python-$VERSION.dist-info/fieldkit-build.txt" "$OUT/llama_cpp_python-$VERSION-aarch64.build.txt"
mv "$whl" "$OUT/"
rm -rf "$RAW"
echo "built $OUT/$(basename "$whl") ($(du -h "$OUT/$(basename "$whl")" | cut -f1)):"
cat "$OUT/llama_cpp_python-$VERSION-aarch64.build.txt"
