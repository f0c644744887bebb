#!/usr/bin/env bash
# Fills fuzz/corpus/pipeline with the seed corpus: every example and every
# input of the CLI case catalogue and the fuzz regressions.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=fuzz/corpus/pipeline
mkdir -p "$dir"
cp examples/*.yaml tests/fuzz/* "$dir"/
for d in tests/cmd/*.in; do
  [ -f "$d/ocgen.yaml" ] && cp "$d/ocgen.yaml" "$dir/$(basename "$d" .in).yaml"
done
echo "$(ls "$dir" | wc -l) seeds in $dir"
