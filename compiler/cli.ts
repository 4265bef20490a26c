// Kept so that bin/snnc.js (dist/compiler/cli.js) and `compiler/cli.js` imports stay valid: the CLI is compiler/cli/.
export * from './cli/index.js';
