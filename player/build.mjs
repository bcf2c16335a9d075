// Build the Lectern browser player into dist/ (embedded into the Go binary by embed.go).
//
//   npm run build                 minified bundles, no source maps
//   npm run build -- --sourcemap  also write *.js.map next to the bundles
//   npm run watch                 rebuild on change (development)
//
// Output layout (served by the API under /player/; pages by the routes in pages.go):
//   dist/*.html, dist/*.css       copied from src/ (one page per entry below)
//   dist/assets/<entry>.js        entry bundles (ES modules)
//   dist/assets/chunks/*.js       shared code and the lazily loaded engines (hls.js, dash.js)
import * as esbuild from 'esbuild';
import { readdir, rm, mkdir, copyFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const sourcemap = args.has('--sourcemap') || process.env.LECTERN_PLAYER_SOURCEMAP === '1';

async function clean() {
  await mkdir(dist, { recursive: true });
  for (const name of await readdir(dist)) {
    if (name === '.keep') continue; // tracked in git so that go:embed always has a directory
    await rm(join(dist, name), { recursive: true, force: true });
  }
}

async function copyStatic() {
  for (const name of await readdir(src)) {
    if (name.endsWith('.html') || name.endsWith('.css')) {
      await copyFile(join(src, name), join(dist, name));
    }
  }
}

const options = {
  absWorkingDir: root,
  entryPoints: {
    watch: 'src/watch.js',
    upload: 'src/upload.js',
    login: 'src/login.js',
    catalog: 'src/catalog.js',
    course: 'src/course.js',
    learn: 'src/learn.js',
    lesson: 'src/lesson.js',
    teach: 'src/teach.js',
    'teach-course': 'src/teach-course.js',
    'teach-lesson': 'src/teach-lesson.js',
    'teach-quiz': 'src/teach-quiz.js',
    admin: 'src/admin.js',
  },
  outdir: 'dist/assets',
  bundle: true,
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minify: !watch,
  sourcemap,
  target: ['es2019'],
  // <script type="module"> implies dynamic import() support in every browser that runs it.
  supported: { 'dynamic-import': true },
  platform: 'browser',
  legalComments: 'eof',
  logLevel: 'info',
  define: { 'process.env.NODE_ENV': '"production"' },
};

await clean();
await copyStatic();
if (watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [{ name: 'copy-static', setup(b) { b.onEnd(() => copyStatic()); } }],
  });
  await ctx.watch();
  console.log('watching src/ …');
} else {
  await esbuild.build(options);
}
