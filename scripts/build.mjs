// Bundles each target with esbuild, then compiles tests and benchmarks with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'child_process';

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

await Promise.all([
  build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' }),
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' }),
  // Worker threads of the estimator: found beside the bundle that starts them.
  build({ ...common, entryPoints: ['src/core/fold-worker.ts'], outfile: 'dist/fold-worker.js' }),
  // The LSMI worker process that hosts (CLI, extension) fork.
  build({ ...common, entryPoints: ['src/worker/main.ts'], outfile: 'dist/worker.js' }),
  // Webview panels: browser bundles, no eval (strict CSP), one per panel, and the static
  // report's, which holds all three.
  ...['dashboard', 'samples', 'compare', 'report'].map((panel) => build({
    entryPoints: [`webview/${panel}/main.ts`], outfile: `dist/webview/${panel}.js`,
    bundle: true, minify: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: false, logLevel: 'warning',
  })),
]);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });
