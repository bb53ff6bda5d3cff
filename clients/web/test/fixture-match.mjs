// Helpers shared by the wire-vector tests (the envelope's and each game's): reading the fixture
// files the Rust codec writes and comparing decoded values with their JSON `msg`. They live in
// sdk/testing.js (which a game's own folder imports); this file re-exports them for the tests
// here. (Imported by the tests; on its own it holds no test.)
export { toHex, fromHex, loadFixture, assertMatches, testGameVectors, testSchemaCodec } from '../sdk/testing.js';
