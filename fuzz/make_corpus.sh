#!/usr/bin/env bash
# Regenerates the generated seeds of fuzz/corpus/ (docs/testing.md, "Fuzzing"); hand-written seeds (named
# for what they show) stay. Run from anywhere after building both trees:
#   scripts/setup.sh build && scripts/fuzz.sh --build-only && fuzz/make_corpus.sh
# Files made on purpose are copied under names that say what they are;
# mass-produced candidates (the damaged snapshots alone are thousands) go through the fuzzer's -merge=1,
# which keeps only those that reach code the corpus does not reach yet, named by their SHA-1.
# Usage: fuzz/make_corpus.sh [BUILD_DIR] [FUZZ_BUILD_DIR]   (default: build, build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
FUZZ_BUILD="${2:-build-fuzz}"
PYTHON=/usr/bin/python3  # Debian's, with torch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

merge() {  # <target> <candidate folder>
  echo "make_corpus: $1: $(ls "$2" | wc -l) candidates"
  "$FUZZ_BUILD/fuzz/fuzz_$1" -merge=1 "fuzz/corpus/$1" "$2" 2>&1 | grep -E "^MERGE-OUTER: [0-9]+ new files"
}

# ---- archive_reader: the files archive_corruption_test makes (valid and damaged), and real snapshots -----
mkdir -p "$tmp/archive_reader"
TRAINKIT_FUZZ_SEEDS_DIR="$tmp/archive_reader" "$BUILD/tests/unit/state/state_test" "[corrupt]" > /dev/null
mkdir -p "$tmp/run"
cat > "$tmp/run/m.toml" <<'EOF'
[trainer]
stop = "4 iteration"
[model]
hidden = [4]
[data]
train_limit = 64
validation = ""
batch_size = 16
[optimizer]
name = "adam"
[[extension]]
use = "snapshot"
trigger = "2 iteration"
[[extension]]
use = "snapshot"
name = "torch"
format = "torch"
filename = "torch_iter_{iteration}"
trigger = "2 iteration"
EOF
"$BUILD/bin/trainkit" run "$tmp/run/m.toml" > /dev/null
merge archive_reader "$tmp/archive_reader"
for f in "$tmp/run/result/snapshot_iter_"*; do cp "$f" "fuzz/corpus/archive_reader/trainkit_run_${f##*/}"; done

# ---- manifest: the samples, the TOML examples of docs/ and README.md, the manifests inside the tests -----
mkdir -p "$tmp/manifest"
"$PYTHON" - "$tmp/manifest" <<'EOF'
import hashlib, pathlib, re, sys
out = pathlib.Path(sys.argv[1])
texts = [p.read_text() for p in pathlib.Path("samples").rglob("*.toml")]
for doc in [pathlib.Path("README.md"), *pathlib.Path("docs").glob("*.md")]:
    texts += re.findall(r"```toml\n(.*?)```", doc.read_text(), re.S)
for test in pathlib.Path("tests").rglob("*.cpp"):
    texts += [t for t in re.findall(r'R"\((.*?)\)"', test.read_text(), re.S) if re.search(r"^\s*\[", t, re.M)]
for text in texts:
    (out / hashlib.sha1(text.encode()).hexdigest()).write_text(text)
EOF
merge manifest "$tmp/manifest"

# ---- torch_file: what Python's torch.save writes, and trainkit's torch snapshots ------------------------
mkdir -p fuzz/corpus/torch_file
"$PYTHON" fuzz/make_torch_seeds.py fuzz/corpus/torch_file
for f in "$tmp/run/result/torch_iter_"*; do cp "$f" "fuzz/corpus/torch_file/trainkit_run_${f##*/}"; done

# ---- plugin_probe: small plugins built from the fixture plugin's source, stripped or not, broken ---------
out=fuzz/corpus/plugin_probe
mkdir -p "$out"
plugin() {  # <name> <cc arguments>...
  local name="$1"
  shift
  cc -shared -fPIC -Os -fvisibility=hidden -I sdk/include -Wl,--no-undefined -Wl,-z,noseparate-code "$@" \
    tests/fixtures/plugins/c_plugin.c -o "$out/$name"
}
plugin good -Wl,--version-script=sdk/cmake/trainkit_plugin.version
strip --strip-all -o "$out/good_stripped" "$out/good"
plugin abi_v2 -Wl,--version-script=tests/fixtures/plugins/abi_v2.version \
  -DFIXTURE_ENTRY_SYMBOL=trainkit_plugin_entry_v2 -DFIXTURE_ABI_MAJOR=2
plugin no_section -DFIXTURE_NO_MARKER -Wl,--version-script=sdk/cmake/trainkit_plugin.version
plugin no_entry -DFIXTURE_NO_ENTRY -Wl,--version-script=sdk/cmake/trainkit_plugin.version
# Issue 11's file that crashed the system loader: byte 0x60 (in the first program header) XOR 0xff.
"$PYTHON" -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[0x60] ^= 0xff; open(sys.argv[2], "wb").write(b)' \
  "$out/good" "$out/damaged_program_header"
cp tests/fixtures/plugins/not_elf.txt "$out/not_elf"
