// The N-MNIST-sized spiking CNN of bench/nir-import.ts as a NIR graph, generated
// deterministically (xorshift32 weights): Input [2, 34, 34] -> Conv2d 2->12 5x5 -> LIF ->
// SumPool2d 3 -> Conv2d 12->32 5x5 -> LIF -> SumPool2d 2 -> Conv2d 32->10 3x3 -> LIF -> Output.

import { arr, type NirFile, type NirNode } from '../compiler/frontend/nir/types.js';
import { xorshift32 } from '../core/prng.js';

/** The CNN as a NIR graph; weights uniform in +-scale/sqrt(fan-in), thresholds 1, IF-like LIF (tau large). */
export function cnnGraph(seed = 1): NirFile {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = xorshift32(s)) / 4294967296) * 2 - 1;
  const conv = (cout: number, cin: number, k: number, scale: number): NirNode => {
    const w = new Float64Array(cout * cin * k * k);
    const a = scale / Math.sqrt(cin * k * k);
    for (let i = 0; i < w.length; i++) w[i] = Math.fround(rnd() * a);
    return {
      type: 'Conv2d',
      params: { weight: { shape: [cout, cin, k, k], data: w }, bias: arr(new Float64Array(cout)), stride: arr([1, 1]), padding: arr([0, 0]), dilation: arr([1, 1]), groups: arr([1]) },
      metadata: {},
    };
  };
  const pool = (k: number): NirNode => ({ type: 'SumPool2d', params: { kernel_size: arr([k, k]), stride: arr([k, k]), padding: arr([0, 0]) }, metadata: {} });
  const lif = (shape: number[]): NirNode => {
    const n = shape.reduce((a, b) => a * b, 1);
    const fill = (x: number) => ({ shape, data: new Float64Array(n).fill(x) });
    return { type: 'LIF', params: { tau: fill(2e-2), r: fill(2e-2 / 1e-4), v_leak: fill(0), v_threshold: fill(1), v_reset: fill(0) }, metadata: {} };
  };
  const nodes: Record<string, NirNode> = {
    input: { type: 'Input', params: { shape: arr([2, 34, 34]) }, metadata: {} },
    conv1: conv(12, 2, 5, 3),
    lif1: lif([12, 30, 30]),
    pool1: pool(3),
    conv2: conv(32, 12, 5, 2),
    lif2: lif([32, 6, 6]),
    pool2: pool(2),
    conv3: conv(10, 32, 3, 2),
    lif3: lif([10, 1, 1]),
    output: { type: 'Output', params: { shape: arr([10]) }, metadata: {} },
  };
  const order = Object.keys(nodes);
  const edges = order.slice(1).map((id, i) => [order[i], id] as [string, string]);
  return { version: '1.0.0', graph: { type: 'NIRGraph', params: {}, metadata: {}, nodes, edges } };
}

