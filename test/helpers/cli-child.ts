// The snnc CLI from the TypeScript sources in a child process (run with vite-node): for tests
// that must see what reaches the real stdout / stderr file descriptors, e.g. output a
// WebAssembly library writes to fd 2 directly, past process.stderr.
import { main } from '../../compiler/cli.js';

process.exitCode = await main(process.argv.slice(2));
