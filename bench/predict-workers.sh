#!/usr/bin/env bash
# snnc predict throughput with 1 and 2 worker threads: the SST-2 example model on the 1,821
# SST-2 test sentences, 3 interleaved repetitions each; prints each run and the median/range.
# Usage: bash bench/predict-workers.sh [reps]   (needs `npm run build`)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
tmp=$(mktemp -d)
node bin/snnc.js compile examples/sst2/model.snn -o "$tmp/out" > /dev/null
cut -d' ' -f2- examples/data/sst2/stsa.binary.test > "$tmp/in.txt"
uptime
for r in $(seq "$reps"); do
  for w in 1 2; do
    s=$(SNNC_QUIET=1 node bin/snnc.js predict "$tmp/out/model.wasm" --input "$tmp/in.txt" -o "$tmp/p$w.jsonl" --workers "$w" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.texts, j.textsPerSecond.toFixed(1))})')
    echo "run $r workers $w: $s texts/s"
  done
done | tee "$tmp/runs.txt"
cmp "$tmp/p1.jsonl" "$tmp/p2.jsonl" && echo "1 and 2 workers wrote identical output"
uptime
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
for (const w of [1, 2]) {
  const xs = lines.filter((l) => l.includes(`workers ${w}:`)).map((l) => Number(l.split(" ").at(-2))).sort((a, b) => a - b);
  console.log(`workers ${w}: median ${xs[Math.floor(xs.length / 2)]} texts/s, range ${xs[0]}-${xs.at(-1)} (${xs.length} runs)`);
}' "$tmp/runs.txt"
rm -rf "$tmp"
