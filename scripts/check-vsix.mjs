// Unpacks lsmi-lens.vsix into a temporary folder and runs `lsmi watch --once` from it on a
// small synthetic run: proves the trimmed node_modules still hold everything the worker
// process, its worker threads, chokidar and tfjs (wasm backend) load at run time. First it
// checks the manifest's own files: every %key% of package.json has its English string in
// package.nls.json (plain user-visible strings are warned about), and the icon, the
// walkthrough's media and CHANGELOG.md are packaged.
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
checkManifest(ext);
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

/**
 * Fails when a manifest %key% has no English text or a file the manifest names is missing; warns
 * about user-visible manifest strings written in package.json instead of package.nls.json.
 */
function checkManifest(ext) {
  const fail = (msg) => {
    console.error(`check-vsix: ${msg}`);
    process.exit(1);
  };
  const need = (rel) => fs.existsSync(path.join(ext, rel)) || fail(`${rel} is not in the .vsix`);
  const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
  need('package.nls.json');
  const nls = JSON.parse(fs.readFileSync(path.join(ext, 'package.nls.json'), 'utf8'));
  const strings = [];
  const walk = (v) => {
    if (typeof v === 'string') strings.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg);
  const keys = strings.flatMap((s) => (/^%([^%\s]+)%$/.exec(s) ? [s.slice(1, -1)] : []));
  const missing = keys.filter((k) => typeof nls[k] !== 'string' || !nls[k]);
  if (missing.length) fail(`package.nls.json has no string for ${missing.join(', ')}`);
  if (!keys.includes('displayName')) fail('displayName is not localized');
  const c = pkg.contributes;
  const shown = [
    pkg.description,
    ...(c.viewsContainers?.activitybar ?? []).map((v) => v.title),
    ...Object.values(c.views ?? {}).flatMap((vs) => vs.map((v) => v.name)),
    ...(c.viewsWelcome ?? []).map((w) => w.contents),
    ...(c.commands ?? []).flatMap((x) => [x.title, x.category]),
    c.configuration?.title,
    ...Object.values(c.configuration?.properties ?? {}).flatMap((p) => [
      p.description,
      p.markdownDescription,
      ...(p.enumDescriptions ?? []),
    ]),
    ...(c.walkthroughs ?? []).flatMap((w) => [
      w.title,
      w.description,
      ...w.steps.flatMap((s) => [s.title, s.description]),
    ]),
  ].filter((s) => typeof s === 'string' && !/^%[^%\s]+%$/.test(s));
  for (const s of shown)
    console.warn(`check-vsix: warning: not in package.nls.json: ${JSON.stringify(s.slice(0, 60))}`);
  // vsce stores the changelog as changelog.md (and the readme as readme.md).
  if (!fs.readdirSync(ext).some((f) => f.toLowerCase() === 'changelog.md')) fail('CHANGELOG.md is not in the .vsix');
  need(pkg.icon ?? fail('package.json has no icon'));
  for (const w of pkg.contributes.walkthroughs ?? []) for (const s of w.steps) need(s.media.markdown ?? s.media.image);
}
