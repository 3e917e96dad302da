/**
 * Metrics in the layout DVCLive writes (https://dvc.org/doc/dvclive/live/log_metric), so that
 * `dvc plots` and `dvc metrics` read them as a DVCLive folder:
 *
 *   <dir>/plots/metrics/<prefix>/<name>.tsv   one row per step: timestamp (ms since the epoch),
 *                                             step, and the value in a column named <name>
 *   <dir>/metrics.json                        the latest values, nested by the metric's path
 *                                             ({"<prefix>": {"<name>": value}}), and "step"
 *
 * as DVCLive's `log_metric(f"{prefix}/{name}", value, timestamp=True)` per step, then
 * `make_summary()`, write them (tab-separated, "\n" line ends, JSON indented by 4).
 */

/** One step's values, by metric name. */
export interface MetricStep {
  step: number;
  timestampMs: number;
  values: Record<string, number | undefined>;
}

/** A file to write: its path below the DVCLive folder, as segments, and its text. */
export interface OutputFile {
  path: string[];
  text: string;
}

/** A value as text: the shortest decimal that reads back as the same double. */
const num = (v: number) => (Number.isFinite(v) ? String(v) : String(v).toLowerCase().replace('infinity', 'inf'));

/**
 * The DVCLive files of a series of steps (in order; the last is the latest): one TSV per metric
 * in `names` that any step has, and metrics.json with the latest step's values. A step that has
 * no value for a metric has no row in its TSV.
 */
export function dvcliveFiles(steps: MetricStep[], names: readonly string[], prefix: string): OutputFile[] {
  const files: OutputFile[] = [];
  for (const name of names) {
    const rows = steps.filter((s) => typeof s.values[name] === 'number');
    if (!rows.length) continue;
    const lines = [
      `timestamp\tstep\t${name}`,
      ...rows.map((s) => `${s.timestampMs}\t${s.step}\t${num(s.values[name]!)}`),
    ];
    files.push({ path: ['plots', 'metrics', prefix, `${name}.tsv`], text: lines.join('\n') + '\n' });
  }
  const latest = steps.at(-1);
  if (latest) {
    const values: Record<string, number> = {};
    // JSON has no NaN or infinity: such a value stays out of the summary (its TSV row says it).
    for (const name of names) if (Number.isFinite(latest.values[name])) values[name] = latest.values[name]!;
    files.push({
      path: ['metrics.json'],
      text: JSON.stringify({ [prefix]: values, step: latest.step }, null, 4) + '\n',
    });
  }
  return files;
}
