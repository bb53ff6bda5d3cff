// arena-sdk: the public API of every browser module in one import (`import { Session, Schema }
// from 'arena-sdk'`). Each module can also be imported on its own (`arena-sdk/session.js`), which
// is what game modules do. testing.js (Node-only test helpers) is not re-exported here.
//
// No two modules export the same name (test/sdk-package.test.mjs checks it: `export *` would
// silently drop a name two modules share); a clash is to be resolved here with an explicit
// `export { name } from './module.js'`, which wins over the star exports.

export * from './wire.js';
export * from './protocol.js';
export * from './delta.js';
export * from './net.js';
export * from './session.js';
export * from './inputs.js';
export * from './interp.js';
export * from './roster.js';
export * from './chat.js';
export * from './camera.js';
export * from './api.js';
export * from './schema.js';
