// Bundles each target with esbuild, then compiles tests and benchmarks with tsc, and writes
// the library's type declarations (dist/types/, tsconfig.lib.json).
//   node scripts/build.mjs           one build: the webview bundles minified, no source maps
//   node scripts/build.mjs --watch   the developer loop (npm run watch): every bundle rebuilt
//                                    on change, unminified with source maps, and tsc --watch
//   NOMIN=1 node scripts/build.mjs   webview bundles unminified: profiles name the functions
import { build, context } from 'esbuild';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const watch = process.argv.includes('--watch');
const TSC = 'node_modules/typescript/bin/tsc';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // tfjs and its backends stay in node_modules: the wasm binaries and native addons are
  // found at run time, and every backend must share one tfjs-core instance.
  external: ['@tensorflow/*', 'vscode'],
  logLevel: 'warning',
};

const targets = [
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  // Worker threads of the estimator: found beside the bundle that starts them.
  { ...common, entryPoints: ['src/core/fold-worker.ts'], outfile: 'dist/fold-worker.js' },
  // The LSMI worker process that hosts (CLI, extension) fork.
  { ...common, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' },
  // The library (package.json `exports`: require('lsmi-lens')): writeDump and the dump types.
  // It loads no tfjs; its declarations go to dist/types/ (tsconfig.lib.json).
  { ...common, entryPoints: ['src/index.ts'], outfile: 'dist/lib.js' },
  // The TypeScript/tfjs example (npm run example:tfjs): it imports 'lsmi-lens' as a user's
  // project would, resolved at run time through the package's own `exports`.
  {
    ...common,
    entryPoints: ['examples/tfjs-fashion-mnist/train.ts'],
    outfile: 'out/examples/tfjs-fashion-mnist/train.js',
    external: [...common.external, 'lsmi-lens'],
  },
  // Webview panels: browser bundles, no eval (strict CSP), one per panel, and the static
  // report's, which holds all three. Minified without maps, except in watch mode, where the
  // webview devtools (and the "Run Extension (webviews)" launch) map them to webview/**.ts.
  ...['dashboard', 'samples', 'compare', 'report'].map((panel) => ({
    entryPoints: [`webview/${panel}/main.ts`],
    outfile: `dist/webview/${panel}.js`,
    bundle: true,
    minify: !watch && !process.env.NOMIN,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: watch,
    logLevel: 'warning',
  })),
];

if (!watch) {
  await Promise.all(targets.map((options) => build(options)));
  execFileSync(process.execPath, [TSC, '-p', '.'], { stdio: 'inherit' });
  libraryDeclarations();
} else {
  await watchAll();
}

/**
 * The library's type declarations, dist/types/ (package.json `types` and `exports`), by tsc from
 * src/index.ts. Bare imports of tfjs (`import '@tensorflow/tfjs';`, which registers its ops
 * inside the engine) are dropped from them: they declare nothing the library exposes, and would
 * pull tfjs-layers' declarations, which fail a consumer's `skipLibCheck: false`, into its program.
 */
function libraryDeclarations() {
  fs.rmSync('dist/types', { recursive: true, force: true }); // no declarations of deleted sources
  execFileSync(process.execPath, [TSC, '-p', 'tsconfig.lib.json'], { stdio: 'inherit' });
  for (const rel of fs.readdirSync('dist/types', { recursive: true })) {
    if (!rel.endsWith('.d.ts')) continue;
    const file = path.join('dist/types', rel);
    const text = fs.readFileSync(file, 'utf8');
    const kept = text.replace(/^import '@tensorflow\/[^']+';\n/gm, '');
    if (kept !== text) fs.writeFileSync(file, kept);
  }
}

/**
 * Watch mode. The bundles rebuild as their sources change; one "[watch] build started" line
 * when the first of them starts and one "[watch] build finished" once all are done (what the
 * background problem matcher of .vscode/tasks.json waits for), each error or warning as
 * "✘ [ERROR] text" and "    file:line:column:" before it. tsc --watch compiles tests and
 * benchmarks to out/ alongside. Ends (with tsc) on Ctrl+C or SIGTERM.
 */
async function watchAll() {
  let active = 1; // held until every context has started watching
  console.log('[watch] build started');
  const done = () => {
    if (--active === 0) console.log('[watch] build finished');
  };
  const reporter = {
    name: 'watch-reporter',
    setup(b) {
      b.onStart(() => {
        if (active++ === 0) console.log('[watch] build started');
      });
      b.onEnd((result) => {
        for (const [kind, messages] of [
          ['ERROR', result.errors],
          ['WARNING', result.warnings],
        ]) {
          for (const { text, location } of messages) {
            console.error(`${kind === 'ERROR' ? '✘' : '▲'} [${kind}] ${text}`);
            if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
          }
        }
        done();
      });
    },
  };
  const contexts = await Promise.all(
    targets.map((options) => context({ ...options, logLevel: 'silent', plugins: [reporter] })),
  );
  await Promise.all(contexts.map((ctx) => ctx.watch()));
  done();
  try {
    libraryDeclarations(); // once: `npm run build` refreshes them
  } catch {
    console.error('library declarations (dist/types/) not written: tsc -p tsconfig.lib.json failed');
  }
  const tsc = spawn(process.execPath, [TSC, '-p', '.', '--watch', '--preserveWatchOutput', '--pretty', 'false'], {
    stdio: 'inherit',
  });
  const stop = async () => {
    tsc.kill();
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  tsc.on('exit', (code, signal) => {
    if (signal === null) console.error(`tsc --watch exited (code ${code})`);
  });
}
