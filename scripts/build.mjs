// Bundles each target with esbuild, then compiles tests and benchmarks with tsc.
//   node scripts/build.mjs           one build: the webview bundles minified, no source maps
//   node scripts/build.mjs --watch   the developer loop (npm run watch): every bundle rebuilt
//                                    on change, unminified with source maps, and tsc --watch
import { build, context } from 'esbuild';
import { execFileSync, spawn } from 'child_process';

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
  // Webview panels: browser bundles, no eval (strict CSP), one per panel, and the static
  // report's, which holds all three. Minified without maps, except in watch mode, where the
  // webview devtools (and the "Run Extension (webviews)" launch) map them to webview/**.ts.
  ...['dashboard', 'samples', 'compare', 'report'].map((panel) => ({
    entryPoints: [`webview/${panel}/main.ts`],
    outfile: `dist/webview/${panel}.js`,
    bundle: true,
    minify: !watch,
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
} else {
  await watchAll();
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
