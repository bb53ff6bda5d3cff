// The SDK README's "Your own page" example is the code that runs: its ```html and ```js blocks
// are sdk/example/page.html and sdk/example/page.js, byte for byte (e2e/sdk-example.test.mjs
// runs that page in Chromium against the release server). Change the file, then paste it into
// the README (or the other way round).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (path) => readFileSync(new URL(path, import.meta.url), 'utf8');

/** The fenced blocks of the README's section `heading` (up to the next `## `), by language. */
function blocks(markdown, heading) {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `the README has a "## ${heading}" section`);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  const found = {};
  for (const m of section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)) {
    assert.ok(!(m[1] in found), `one \`\`\`${m[1]} block in "${heading}"`);
    found[m[1]] = m[2];
  }
  return found;
}

const readme = read('../sdk/README.md');
const example = blocks(readme, 'Your own page');

test('the README shows example/page.js verbatim', () => {
  assert.ok(example.js, 'a ```js block');
  assert.equal(example.js, read('../sdk/example/page.js'));
});

test('the README shows example/page.html verbatim', () => {
  assert.ok(example.html, 'a ```html block');
  assert.equal(example.html, read('../sdk/example/page.html'));
});

test("the example page loads the SDK by its package name and page.js through the page's import map", () => {
  const js = read('../sdk/example/page.js');
  const specifiers = [...js.matchAll(/^import[\s\S]*?from '([^']+)';$/gm)].map((m) => m[1]);
  assert.deepEqual(specifiers, ['arena-sdk'], 'page.js imports nothing but the package');
  const html = read('../sdk/example/page.html');
  assert.match(html, /type: 'importmap'/);
  assert.match(html, /'arena-sdk': new URL\('\/sdk\/index\.js', arena\)/);
  assert.match(html, /'arena-sdk\/': new URL\('\/sdk\/', arena\)/);
  assert.match(html, /src: 'page\.js'/);
});
