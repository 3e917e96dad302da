// Unpacks lsmi-lens.vsix into a temporary folder and runs `lsmi watch --once` from it on a
// small synthetic run: proves the trimmed node_modules still hold everything the worker
// process, its worker threads, chokidar and tfjs (wasm backend) load at run time.
import { unzipSync } from 'fflate';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const vsix = path.resolve(process.argv[2] ?? 'lsmi-lens.vsix');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-vsix-'));
const files = unzipSync(fs.readFileSync(vsix));
for (const [name, bytes] of Object.entries(files)) {
  if (!name.startsWith('extension/') || name.endsWith('/')) continue;
  const out = path.join(dir, name);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, bytes);
}
const ext = path.join(dir, 'extension');
const cli = path.join(ext, 'bin', 'lsmi.js');
const root = path.join(dir, 'runs');
const run = (args) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir, timeout: 300_000 });
  if (r.status !== 0) {
    console.error(`check-vsix: lsmi ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
};
fs.mkdirSync(path.join(root, 'r1'), { recursive: true });
run(['synth', 'xor', '--n', '400', '--seed', '1', '--out', path.join(root, 'r1', 'epoch-0001.safetensors')]);
const out = run(['watch', root, '--once', '--json', '--folds', '2', '--backend', 'wasm']);
const res = JSON.parse(out.trim().split('\n')[0]);
if (!(res.dataset && Number.isFinite(res.dataset.S))) {
  console.error(`check-vsix: unexpected output\n${out}`);
  process.exit(1);
}
run(['report', root, '--out', path.join(dir, 'report.html')]);
const size = (fs.statSync(vsix).size / 1024 / 1024).toFixed(1);
console.log(
  `check-vsix: ${Object.keys(files).length} files, ${size} MB; lsmi watch --once from the unpacked .vsix: S = ${res.dataset.S.toFixed(3)} nats (${res.backend ?? 'wasm'}); report written`,
);
fs.rmSync(dir, { recursive: true, force: true });
