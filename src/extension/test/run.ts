/**
 * Extension-host tests (`npm run test:vscode`): VS Code with the extension and a workspace
 * holding the demo run. Uses `code` from $VSCODE_EXECUTABLE or a download by
 * @vscode/test-electron; where neither exists (offline machines) it says so and skips.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests, downloadAndUnzipVSCode } from '@vscode/test-electron';
import { writeDemoRuns } from '../../core/synthetic/demo-runs';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lsmi-vscode-'));
  writeDemoRuns(workspace);
  fs.mkdirSync(path.join(workspace, '.vscode'));
  // A workspace naming a script of its own as the worker's node: lsmi.nodePath is a machine
  // setting, so VS Code ignores it here (the suite checks) and the worker runs VS Code's node.
  const evil = path.join(workspace, 'evil-node.sh');
  fs.writeFileSync(evil, '#!/bin/sh\necho pwned > "$(dirname "$0")/pwned"\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'lsmi.runsRoots': ['runs'], 'lsmi.folds': 2, 'lsmi.nodePath': evil }),
  );
  let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
  if (!vscodeExecutablePath) {
    try {
      vscodeExecutablePath = await downloadAndUnzipVSCode({ timeout: 30_000 });
    } catch (e) {
      console.log(
        `skipped: VS Code is not available here and could not be downloaded (${(e as Error).message.split('\n')[0]}); set VSCODE_EXECUTABLE to run this suite`,
      );
      return;
    }
  }
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(__dirname, 'suite.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
