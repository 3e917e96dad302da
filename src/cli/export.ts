import * as path from 'path';
import { parseArgs } from 'util';
import { DumpError } from '../io/errors';
import { requireFolder } from './watch';
import { EXPORT_FORMATS, ExportFormat, exportMetrics } from '../report/metrics-export';
import { printableLine } from './printable';

export const EXPORT_USAGE = 'lsmi export <root> --out DIR [--format tensorboard|dvclive|both]';

const FORMAT_LABEL: Record<ExportFormat, string> = {
  tensorboard: 'TensorBoard event files',
  dvclive: 'DVCLive metrics',
  both: 'TensorBoard event files and DVCLive metrics',
};

/**
 * `lsmi export <root> --out DIR [--format F]`: R, U1, U2, S (interval bounds, I12) of every
 * analysed checkpoint, per run, as TensorBoard event files and DVCLive metrics below DIR. Reads
 * the results the root has (status.json and cache), analyses nothing. `usage` makes the error a
 * mistake in the call raises (exit 2 with the usage hint); bad input raises a DumpError (exit 2).
 */
export function cmdExport(
  rest: string[],
  usage: (message: string) => Error,
  out: (line: string) => void = (l) => process.stdout.write(l + '\n'),
): number {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { out: { type: 'string' }, format: { type: 'string' } },
  });
  if (positionals.length !== 1) throw usage(`export takes one runs root (${EXPORT_USAGE})`);
  if (!values.out) throw usage(`export needs --out DIR, the folder to write to (${EXPORT_USAGE})`);
  const format = (values.format ?? 'both') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw usage(`--format must be ${EXPORT_FORMATS.join(', ')}, not '${values.format}'`);
  const root = path.resolve(positionals[0]);
  requireFolder(root, positionals[0]);
  const dir = path.resolve(values.out);
  const r = exportMetrics(root, dir, format);
  if (!r)
    throw new DumpError(
      positionals[0],
      `no analyzed checkpoints to export; analyze them first: lsmi watch ${positionals[0]} --once (or lsmi report ${positionals[0]})`,
    );
  const say = (l: string) => out(printableLine(l));
  say(`exported ${r.runs.length} runs, ${r.checkpoints} checkpoints to ${dir} (${FORMAT_LABEL[format]})`);
  const width = Math.min(40, Math.max(...r.runs.map((x) => x.name.length)));
  for (const x of r.runs)
    say(
      `  ${x.name.padEnd(width)}  ->  ${x.folder}${path.sep}  (${x.points.length} checkpoint${x.points.length === 1 ? '' : 's'})`,
    );
  if (format !== 'dvclive') say(`view: tensorboard --logdir ${dir}`);
  if (format !== 'tensorboard')
    say(`view: dvc plots show ${path.join(dir, r.runs[0].folder, 'plots', 'metrics')} -x step  (in a DVC project)`);
  return 0;
}
