#!/usr/bin/env bash
# The README's main job on a fresh machine: train a small spiking TextCNN on SST-2 (shipped
# under examples/data/sst2), compile it to WebAssembly, classify text, print ops and energy.
# Needs no hardware and no network beyond `npm ci`. Outputs go to out/quickstart/.
set -euo pipefail
cd "$(dirname "$0")/.."
snnc() { node bin/snnc.js "$@"; }
OUT=out/quickstart
mkdir -p "$OUT"

echo "== 1/4 train: tailored TextCNN (TF.js) on 4-bit inputs, first-layer convs pruned to 25%,"
echo "          -> spiking TextCNN at T = 8 (the recipe of examples/sst2/model.snn)"
snnc train --dataset sst2 --epochs "${EPOCHS:-4}" --timesteps 8 --quantize-ann-input \
  --prune-conv 0.25 --prune-epochs 2 --threshold-search 0.5,0.6,0.7,0.8,0.9,1 \
  --checkpoint-dir "$OUT/checkpoints" -o "$OUT/sst2.snn"

echo "== 2/4 compile to WebAssembly (integer weights, sparse tables, level-grouped first layer)"
snnc compile "$OUT/sst2.snn" -o "$OUT/wasm" --calibrate sst2:dev --calibrate-limit 200

echo "== 3/4 classify"
snnc run "$OUT/wasm/model.wasm" "a gorgeous , witty , seductive movie ."
snnc run "$OUT/wasm/model.wasm" "the plot is nothing but boilerplate clichés from start to finish ."

echo "== 4/4 evaluate on the SST-2 test set"
snnc eval "$OUT/wasm/model.wasm" --data sst2:test --model "$OUT/sst2.snn"
