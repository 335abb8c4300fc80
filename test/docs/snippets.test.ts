/**
 * The code in the documentation runs: every ```ts block of docs/*.md and README.md is compiled
 * with tsc (strict) and run with node from a temporary folder against the built packages, and
 * every ```yaml block parses (a complete run config also validates, parts included).
 *
 * A comment on the line before a block changes what is done with it:
 *   <!-- file: NAME -->       the block is a file other blocks use (`import ... from './NAME.js'`,
 *                             a config read by path); it is written under that name, compiled, not run
 *   <!-- excerpt: PATH -->    the block quotes the repository's file PATH: each code line (comments
 *                             and `...` elisions aside) must occur in it, so the quote stays true
 *   <!-- not-run: REASON -->  the block is not code to run (an interface outline, a fragment); the
 *                             reason is required
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import YAML from 'yaml';
import { prepareRunConfig, type Logger } from '@mtojs/core';

const ROOT = resolve(__dirname, '../../..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Each block's run: the whole file stays within the suite's budget. */
const RUN_TIMEOUT_MS = 60_000;

interface Marker {
  kind: 'file' | 'excerpt' | 'not-run';
  value: string;
}

interface Block {
  doc: string;
  line: number;
  lang: 'ts' | 'yaml';
  code: string;
  marker: Marker | null;
}

const LANGS: Record<string, Block['lang']> = { ts: 'ts', typescript: 'ts', yaml: 'yaml', yml: 'yaml' };

/** The fenced ts and yaml blocks of a markdown file, with the marker comment before each. */
export function extractBlocks(doc: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const lang = LANGS[open[1]!.toLowerCase()];
    if (lang) {
      let j = i - 1;
      while (j >= 0 && lines[j]!.trim() === '') j--;
      const m = j >= 0 ? /^<!--\s*(file|excerpt|not-run):\s*(.*?)\s*-->$/.exec(lines[j]!.trim()) : null;
      blocks.push({ doc, line: i + 1, lang, code: lines.slice(i + 1, end).join('\n') + '\n', marker: m ? { kind: m[1] as Marker['kind'], value: m[2]! } : null });
    }
    i = end;
  }
  return blocks;
}

const DOCS = [...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'README.md'];
const BLOCKS = DOCS.flatMap((d) => extractBlocks(d, readFileSync(join(ROOT, d), 'utf8')));
const where = (b: Block) => `${b.doc}:${b.line}`;
/** A folder per document: its blocks share it, so one can import another. */
const folderOf = (b: Block) => basename(b.doc, '.md').toLowerCase();
const snippetName = (b: Block) => (b.marker?.kind === 'file' ? b.marker.value.replace(/\.(ts|js)$/, '') : `L${b.line}`);

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
let work = '';
let compileErrors = '';

before(() => {
  work = mkdtempSync(join(tmpdir(), 'mtojs-docs-'));
  // The snippets import the packages by name, as a user's program does.
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'docs-snippets', private: true, type: 'module' }));
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'es2022', lib: ['es2022'], module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, types: ['node'], rootDir: 'src', outDir: 'dist', noEmitOnError: false },
      include: ['src'],
    }),
  );
  for (const b of BLOCKS) {
    if (b.marker?.kind === 'not-run' || b.marker?.kind === 'excerpt') continue;
    const dir = b.lang === 'ts' ? join(work, 'src', folderOf(b)) : join(work, 'dist', folderOf(b));
    mkdirSync(dir, { recursive: true });
    if (b.lang === 'ts') writeFileSync(join(dir, `${snippetName(b)}.ts`), `// ${where(b)}\n${b.code}${b.code.includes('import ') || b.code.includes('export ') ? '' : 'export {};\n'}`);
    else if (b.marker?.kind === 'file') writeFileSync(join(dir, b.marker.value), b.code);
  }
  const r = spawnSync(process.execPath, [TSC, '-p', work, '--pretty', 'false'], { cwd: work, encoding: 'utf8' });
  compileErrors = r.stdout + r.stderr;
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
});

test('every marker is one of file, excerpt or not-run, and not-run gives a reason', () => {
  const docs = DOCS.map((d) => [d, readFileSync(join(ROOT, d), 'utf8')] as const);
  for (const [d, text] of docs) {
    for (const m of text.matchAll(/<!--\s*([\w-]+):\s*(.*?)\s*-->/g)) {
      if (!['file', 'excerpt', 'not-run'].includes(m[1]!)) continue;
      assert.ok(m[2]!.length >= 8, `${d}: '${m[0]}' needs a reason (or a file name) after the colon`);
    }
  }
  assert.ok(BLOCKS.filter((b) => b.lang === 'ts' && !b.marker).length >= 5, 'the docs show runnable code');
});

for (const b of BLOCKS) {
  if (b.lang === 'ts' && b.marker?.kind === 'excerpt') {
    test(`${where(b)} quotes ${b.marker.value} truly`, () => {
      const source = join(ROOT, b.marker!.value);
      assert.ok(existsSync(source), `${where(b)}: excerpt of '${b.marker!.value}', which does not exist`);
      const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
      const text = readFileSync(source, 'utf8').split('\n').map(norm);
      for (const raw of b.code.split('\n')) {
        const line = norm(raw.replace(/\s\/\/ .*$/, '').replace(/^\/\/ .*$/, ''));
        if (!line || line === '...') continue;
        assert.ok(text.some((t) => t.includes(line)), `${where(b)}: '${line}' is not in ${b.marker!.value}`);
      }
    });
  }
  if (b.lang === 'ts' && (!b.marker || b.marker.kind === 'file')) {
    test(`${where(b)} compiles${b.marker ? ` (as ${b.marker.value})` : ' and runs'}`, { timeout: RUN_TIMEOUT_MS + 10_000 }, () => {
      const file = join('src', folderOf(b), `${snippetName(b)}.ts`);
      const errors = compileErrors.split('\n').filter((l) => l.startsWith(file));
      assert.deepEqual(errors, [], `${where(b)} does not compile:\n${errors.join('\n')}`);
      if (b.marker) return;
      const cwd = join(work, 'dist', folderOf(b));
      const r = spawnSync(process.execPath, [join(cwd, `${snippetName(b)}.js`)], { cwd, encoding: 'utf8', timeout: RUN_TIMEOUT_MS, env: { ...process.env, FORCE_COLOR: '0' } });
      assert.equal(r.status, 0, `${where(b)} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}):\n${r.stderr.split('\n').slice(-15).join('\n')}`);
    });
  }
  if (b.lang === 'yaml' && b.marker?.kind !== 'not-run') {
    test(`${where(b)} is valid YAML${b.marker?.kind === 'file' ? ` (${b.marker.value})` : ''}, and a complete run config validates`, async () => {
      let parsed: unknown;
      // Duplicate keys are allowed: a block may list alternatives of one field, line by line.
      assert.doesNotThrow(() => (parsed = YAML.parse(b.code, { uniqueKeys: false })), `${where(b)} is not valid YAML`);
      const isRunConfig = parsed !== null && typeof parsed === 'object' && ['data', 'adapter', 'masking', 'model'].every((k) => k in (parsed as object));
      if (!isRunConfig) return;
      // Relative imports resolve from the document's folder, where its file blocks were written.
      await prepareRunConfig(parsed as Record<string, unknown>, { baseDir: join(work, 'dist', folderOf(b)), source: where(b), logger: silent });
    });
  }
}
