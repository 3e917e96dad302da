/**
 * Colours of categories (runs, classes): VS Code's chart colours, with the terminal's cyan in
 * place of charts.yellow, which beside charts.orange is hard to tell apart (Light Modern:
 * #bf8803 and #d18616). Fallbacks serve pages outside VS Code.
 */
export const PALETTE: ReadonlyArray<{ variable: string; fallback: string }> = [
  { variable: '--vscode-charts-blue', fallback: '#3794ff' },
  { variable: '--vscode-charts-orange', fallback: '#d18616' },
  { variable: '--vscode-charts-green', fallback: '#89d185' },
  { variable: '--vscode-charts-purple', fallback: '#b180d7' },
  { variable: '--vscode-charts-red', fallback: '#f14c4c' },
  { variable: '--vscode-terminal-ansiCyan', fallback: '#11a8cd' },
];

/** The palette as CSS values (for SVG and styles). */
export const paletteCss = (i: number) => `var(${PALETTE[i].variable}, ${PALETTE[i].fallback})`;

/** The palette resolved against the page's theme (for canvas, which takes no CSS variables). */
export function paletteResolved(): string[] {
  const cs = getComputedStyle(document.documentElement);
  return PALETTE.map((p) => cs.getPropertyValue(p.variable).trim() || p.fallback);
}
