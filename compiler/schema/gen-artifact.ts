// Writes runtime/wasm/artifact-schema.gen.ts from the artifact schema (compiler/schema/artifact.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactValidatorSource } from './artifact.js';

const out = join(import.meta.dirname, '..', '..', 'runtime', 'wasm', 'artifact-schema.gen.ts');
writeFileSync(out, artifactValidatorSource());
process.stdout.write(`wrote ${out}\n`);
