// Issue #15, finding 8: `deploy --no-build` said "gcc is not installed" when it is.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeModelFile } from '../../compiler/frontend/model-format.js';
import { tinyTextCnn } from '../helpers/tiny-model.js';
import { cli } from '../helpers/cli.js';

describe('deploy --no-build', () => {
  it('says the sources were written without a build, not that the compiler is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snnc-trust-deploy-'));
    const m = join(dir, 'm.snn');
    writeModelFile(m, tinyTextCnn());
    const r = await cli(['deploy', m, '--target', 'host-c', '--no-build', '-o', join(dir, 'fw')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/not built: --no-build/);
    expect(r.out).not.toMatch(/is not installed/);
  });
});
