#!/usr/bin/env bash
# Build llama-cpp-python 0.3.36 from its PyPI sdist for the local model (there is no wheel).
# GGML_NATIVE is off because its AMX path dies with SIGILL on some CPUs; instead each
# instruction set is switched on only when /proc/cpuinfo lists it. pip caches the built wheel.
set -euo pipefail
PY=${1:-.venv/bin/python}
if "$PY" -c "import llama_cpp" 2>/dev/null; then
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
has avx512_vbmi && args+=" -DGGML_AVX512_VBMI=ON"
has avx512_vnni && args+=" -DGGML_AVX512_VNNI=ON"
has avx512_bf16 && args+=" -DGGML_AVX512_BF16=ON"
has avx_vnni && args+=" -DGGML_AVX_VNNI=ON"
echo "building llama-cpp-python (several minutes on 2 cores) with: $args"
CMAKE_ARGS="$args" "$PY" -m pip install --disable-pip-version-check -q \
  -c constraints.txt llama-cpp-python==0.3.36
