// The SDK as a package (sdk/package.json, sdk/index.js, the hand-written sdk/*.d.ts): every module
// is exported with its declarations and shipped; each declaration file declares exactly the
// values its module exports (tsc checks the types themselves: `npm run types`); index.js re-exports
// every browser module and no two of them export one name (a name two `export *` share would be
// dropped silently); the example page imports only names the package has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const SDK = new URL('../sdk/', import.meta.url);
const read = (name) => readFileSync(new URL(name, SDK), 'utf8');
const pkg = JSON.parse(read('package.json'));
const modules = readdirSync(SDK).filter((f) => f.endsWith('.js')).sort();
/** Node-only modules: shipped and declared, not re-exported by index.js. */
const NODE_ONLY = ['testing.js'];

/** The values a .d.ts declares (`export declare …`, `export { a, b } from …`); types left out. */
function declaredValues(dts) {
  const names = new Set();
  for (const m of dts.matchAll(/^export declare (?:abstract )?(?:const|let|var|function|class|enum|namespace) ([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of dts.matchAll(/^export \{([^}]*)\} from '[^']+';$/gm)) {
    for (const part of m[1].split(',')) {
      const name = part.trim();
      if (name && !name.startsWith('type ')) names.add(name.split(/\s+as\s+/).pop());
    }
  }
  return [...names].sort();
}

/** The modules a file re-exports with `export * from './x.js'`. */
const starExports = (text) => [...text.matchAll(/^export \* from '\.\/([\w-]+\.js)';$/gm)].map((m) => m[1]);

test('package.json: name, version, module type, no dependencies, types', () => {
  assert.equal(pkg.name, 'arena-sdk');
  assert.equal(pkg.version, '0.1.0');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.license, 'MIT OR Apache-2.0');
  assert.equal(pkg.engines.node, '>=20');
  assert.equal(pkg.sideEffects, false);
  assert.equal(pkg.types, 'index.d.ts');
  assert.equal(pkg.dependencies, undefined, 'no runtime dependencies');
  assert.deepEqual(pkg.exports['.'], { types: './index.d.ts', default: './index.js' });
  assert.deepEqual(pkg.exports['./*.js'], { types: './*.d.ts', default: './*.js' });
});

test('every module ships with its declarations, and the README', () => {
  assert.ok(modules.includes('index.js'));
  for (const m of modules) {
    const dts = m.replace(/\.js$/, '.d.ts');
    assert.doesNotThrow(() => read(dts), `${dts} exists`);
    assert.ok(pkg.files.includes(m), `"files" lists ${m}`);
    assert.ok(pkg.files.includes(dts), `"files" lists ${dts}`);
  }
  assert.ok(pkg.files.includes('README.md'));
  for (const f of pkg.files) assert.doesNotThrow(() => read(f), `"files" lists ${f}, which exists`);
});

for (const m of modules.filter((f) => f !== 'index.js')) {
  test(`${m.replace(/\.js$/, '.d.ts')} declares exactly what ${m} exports`, async () => {
    const runtime = Object.keys(await import(new URL(m, SDK))).sort();
    assert.deepEqual(declaredValues(read(m.replace(/\.js$/, '.d.ts'))), runtime);
  });
}

test('index.js re-exports every browser module, and no name comes from two of them', async () => {
  const browser = modules.filter((m) => m !== 'index.js' && !NODE_ONLY.includes(m));
  assert.deepEqual(starExports(read('index.js')).sort(), browser);
  assert.deepEqual(starExports(read('index.d.ts')).sort(), browser, 'index.d.ts re-exports the same modules');
  const from = new Map();
  for (const m of browser) {
    for (const name of Object.keys(await import(new URL(m, SDK)))) {
      assert.ok(!from.has(name), `${name} is exported by both ${from.get(name)} and ${m}: resolve it in index.js`);
      from.set(name, m);
    }
  }
  const index = await import(new URL('index.js', SDK));
  assert.deepEqual(Object.keys(index).sort(), [...from.keys()].sort());
  for (const [name, m] of from) assert.equal(index[name], (await import(new URL(m, SDK)))[name], `${name} is ${m}'s`);
});

test('the example page imports only names the package exports', async () => {
  const index = await import(new URL('index.js', SDK));
  const page = read('example/page.js');
  const [, names] = /^import \{([^}]*)\} from 'arena-sdk';$/m.exec(page);
  for (const name of names.split(',').map((n) => n.trim()).filter(Boolean)) {
    assert.ok(name in index, `arena-sdk exports ${name}`);
  }
});
