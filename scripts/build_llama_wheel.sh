#!/usr/bin/env sh
# Build llama-cpp-python once into a wheel cache; reruns reuse the wheel (the build takes ~8 min on 2 cores).
# On x86_64 a native build segfaults in AMX kernels on our CPUs and would not run on other laptops:
# build for AVX2/FMA/F16C instead. On aarch64 (Pi 5, Jetson) the defaults are right.
set -eu
VERSION="$1"
WHEEL_CACHE="${WHEEL_CACHE:-$HOME/.cache/fieldkit/wheels}"
PIP="${PIP:-pip}"
mkdir -p "$WHEEL_CACHE"
if ls "$WHEEL_CACHE"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
    echo "llama-cpp-python $VERSION: cached wheel in $WHEEL_CACHE"
    exit 0
fi
if [ "$(uname -m)" = "x86_64" ]; then
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
    export CMAKE_ARGS
fi
echo "building llama-cpp-python $VERSION (CMAKE_ARGS=${CMAKE_ARGS:-default}); this takes several minutes"
"$PIP" wheel --no-deps --no-binary llama-cpp-python -w "$WHEEL_CACHE" "llama-cpp-python==$VERSION"
