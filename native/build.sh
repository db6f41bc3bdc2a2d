#!/usr/bin/env bash
# Builds ExecuTorch's C++ runtime from source into the Node-API addon
# executorch.node, cached outside the clone under
#   ${XDG_CACHE_HOME:-$HOME/.cache}/pte-explorer/native/<key>/
# where <key> hashes the sources, every file under native/ and the compiler
# version; a second run with the same inputs is a cache hit. Prints the addon's
# path on its last line.
#
# Sources: the pinned archives in ../shared/vendor/ (or $PTE_EXPLORER_VENDOR),
# checked against their SHA256SUMS, or a source tree of your own:
#   EXECUTORCH_SRC=/path/to/executorch   (with its submodules checked out)
#   CMSIS_NN_SRC=/path/to/CMSIS-NN       (default: the vendor archive)
# Other knobs: JOBS (parallel compile jobs, default: all cores).
set -euo pipefail
native="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$native")"
started=$SECONDS

# Debian packages, only those missing (as root on a fresh machine).
missing=()
for pkg in cmake ninja-build g++ python3-yaml xz-utils; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "native: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cache="$(node "$native/locate.js" --cache)"
source_id="$(node "$native/locate.js" --source-id)" || {
  echo "native: no ExecuTorch sources. Set EXECUTORCH_SRC (and CMSIS_NN_SRC), or provide the vendor archives in $(dirname "$root")/shared/vendor" >&2
  exit 1
}
key="$(node "$native/locate.js" --key "$source_id")"
out="$cache/$key/executorch.node"
if [ -f "$out" ]; then
  echo "native: cache hit ($key, $((SECONDS - started)) s)" >&2
  echo "$source_id" >"$cache/last-source-id"
  echo "$out"
  exit 0
fi

# Lay out the sources: ExecuTorch (named `executorch`, since its headers are
# included as <executorch/...>) with its submodules inside, CMSIS-NN beside it.
src="$cache/src/$source_id"
vendor="${PTE_EXPLORER_VENDOR:-$(dirname "$root")/shared/vendor}"
if [ -n "${EXECUTORCH_SRC:-}" ]; then
  mkdir -p "$src"
  ln -sfn "$(cd "$EXECUTORCH_SRC" && pwd)" "$src/executorch"
  if [ -n "${CMSIS_NN_SRC:-}" ]; then
    ln -sfn "$(cd "$CMSIS_NN_SRC" && pwd)" "$src/CMSIS-NN"
  elif [ ! -d "$src/CMSIS-NN" ]; then
    (cd "$vendor" && sha256sum --quiet -c <(grep ' CMSIS-NN.tar.xz$' SHA256SUMS))
    tar -xJf "$vendor/CMSIS-NN.tar.xz" -C "$src"
  fi
elif [ ! -f "$src/.complete" ]; then
  echo "native: unpacking the vendor archives into $src" >&2
  (cd "$vendor" && sha256sum --quiet -c SHA256SUMS)
  rm -rf "$src"
  mkdir -p "$src"
  tar -xJf "$vendor/executorch.tar.xz" -C "$src"
  for lib in flatbuffers flatcc json gflags; do
    tar -xJf "$vendor/$lib.tar.xz" -C "$src/executorch/third-party"
  done
  for lib in XNNPACK cpuinfo pthreadpool FXdiv FP16; do
    tar -xJf "$vendor/$lib.tar.xz" -C "$src/executorch/backends/xnnpack/third-party"
  done
  tar -xJf "$vendor/CMSIS-NN.tar.xz" -C "$src"
  touch "$src/.complete"
fi
et="$src/executorch"
test -f "$et/runtime/executor/method.cpp" || { echo "native: $et is not an ExecuTorch source tree" >&2; exit 1; }
test -f "$et/third-party/flatbuffers/CMakeLists.txt" || { echo "native: $et/third-party/flatbuffers is empty (git submodule update --init --recursive)" >&2; exit 1; }
if [ -e "$et/.git" ]; then
  et_commit="$(git -C "$et" rev-parse HEAD)"
else
  et_commit="$(sed -n 's/^| executorch.tar.xz | [^|]* | \([0-9a-f]*\).*/\1/p' "$vendor/PROVENANCE.md" 2>/dev/null || true)"
fi

# The build folder is per source tree, not per key, so editing native/ rebuilds
# only what changed. CMake ties a build folder to one source folder: another
# clone sharing the cache gets its own.
build="$cache/build/$source_id"
if [ -f "$build/CMakeCache.txt" ] && ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$native" "$build/CMakeCache.txt"; then
  build="$build-$(printf '%s' "$native" | sha256sum | cut -c1-8)"
fi
mkdir -p "$build/gen"
node "$native/codegen/generate.js" --et "$et" --out "$build/gen/registered_kernels.cpp"

node_include="$(dirname "$(node -p 'process.execPath')")/../include/node"
[ -f "$node_include/node_api.h" ] || node_include=/usr/include/node
napi_include="$(cd "$root" && node -p "require('path').dirname(require.resolve('node-addon-api/package.json'))")"

configure=(-G Ninja -DCMAKE_BUILD_TYPE=Release
  -DET_ROOT="$et" -DCMSIS_NN_ROOT="$src/CMSIS-NN" -DET_COMMIT="${et_commit:-unknown}"
  -DNODE_INCLUDE="$node_include" -DNAPI_INCLUDE="$napi_include"
  -DKERNELS_CPP="$build/gen/registered_kernels.cpp")
# Configure once per set of arguments; later edits of CMakeLists.txt make ninja
# re-run CMake by itself.
if [ ! -f "$build/build.ninja" ] || [ "$(cat "$build/configure.args" 2>/dev/null)" != "${configure[*]}" ]; then
  rm -f "$build/configure.args"
  cmake -S "$native" -B "$build" "${configure[@]}" >"$build/configure.log" 2>&1 \
    || { tail -40 "$build/configure.log" >&2; echo "native: configure failed; log: $build/configure.log" >&2; exit 1; }
  echo "${configure[*]}" >"$build/configure.args"
fi
cmake --build "$build" --target executorch_addon -j "${JOBS:-$(nproc)}" >"$build/build.log" 2>&1 \
  || { grep -B2 -A12 -m5 'error' "$build/build.log" >&2 || tail -40 "$build/build.log" >&2; echo "native: build failed; log: $build/build.log" >&2; exit 1; }

mkdir -p "$cache/$key"
strip --strip-unneeded -o "$out.tmp" "$build/executorch.node"
mv "$out.tmp" "$out"
echo "$source_id" >"$cache/last-source-id"
echo "native: built $out ($(du -h "$out" | cut -f1), $((SECONDS - started)) s)" >&2
echo "$out"
