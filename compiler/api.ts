// Kept so that `compiler/api.js` stays the API's import path: one module per command is in compiler/api/.
export * from './api/index.js';
