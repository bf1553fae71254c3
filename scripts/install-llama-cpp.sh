#!/usr/bin/env bash
# Build llama-cpp-python 0.3.36 from its PyPI sdist for the local model (there is no wheel).
# GGML_NATIVE is off because its AMX path dies with SIGILL on some CPUs; instead each
# instruction set is switched on only when /proc/cpuinfo lists it. The built wheel is kept in
# .wheels/<flags-hash>/ so a rebuild happens only when the CPU features differ, and a wheel
# built for another CPU (pip's own cache ignores CMAKE_ARGS) is never reused.
set -euo pipefail
PY=${1:-.venv/bin/python}
VERSION=0.3.36
if "$PY" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$VERSION')" 2>/dev/null; then
  exit 0
fi
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { [[ "$flags" == *" $1 "* ]]; }
args="-DGGML_NATIVE=OFF"
has avx && args+=" -DGGML_AVX=ON"
has avx2 && args+=" -DGGML_AVX2=ON"
has fma && args+=" -DGGML_FMA=ON"
has f16c && args+=" -DGGML_F16C=ON"
has bmi2 && args+=" -DGGML_BMI2=ON"
has avx512f && args+=" -DGGML_AVX512=ON"
{ has avx512vbmi || has avx512_vbmi; } && args+=" -DGGML_AVX512_VBMI=ON"
has avx512_vnni && args+=" -DGGML_AVX512_VNNI=ON"
has avx512_bf16 && args+=" -DGGML_AVX512_BF16=ON"
has avx_vnni && args+=" -DGGML_AVX_VNNI=ON"
key=$(printf '%s %s' "$VERSION" "$args" | sha256sum | cut -c1-12)
dir=".wheels/llama-cpp-$key"
if ! ls "$dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $VERSION (about 10 minutes on 2 cores) with: $args"
  rm -rf "$dir.tmp"
  CMAKE_ARGS="$args" "$PY" -m pip wheel --disable-pip-version-check -q --no-cache-dir \
    --no-deps -w "$dir.tmp" "llama-cpp-python==$VERSION"
  mv "$dir.tmp" "$dir"
fi
"$PY" -m pip install --disable-pip-version-check -q -c constraints.txt "$dir"/llama_cpp_python-*.whl
