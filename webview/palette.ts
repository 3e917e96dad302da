/**
 * Colours of categories: runs (the dashboard) and classes (the scatters and class tables of the
 * sample explorer and the compare panel).
 */

/**
 * Runs: VS Code's chart colours, with the terminal's cyan in place of charts.yellow, which
 * beside charts.orange is hard to tell apart (Light Modern: #bf8803 and #d18616). Fallbacks
 * serve pages outside VS Code.
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

/**
 * Classes: 12 colours per theme, pairwise distinct (CIEDE2000 above 14 in the light set, above 12
 * in the dark one; test/webview-palette.test.ts measures them) and, as far as 12 colours can be,
 * colour-blind safe. The first colours are sets designed for colour-vision deficiency; the rest
 * extend them, picked from the same author's palettes to keep every pair apart also under
 * simulated deuteranopia and protanopia (Machado et al. 2009), and readable on the background.
 *
 * - light: Paul Tol's "muted" (classes 1-9, https://personal.sron.nl/~pault/ "Colour schemes",
 *   Tol 2021, SRON/EPS/TN/09-002), then Tol's vibrant blue #0077BB, light pink #FFAABB and dark red #663333.
 * - dark: Okabe & Ito's Color Universal Design set (2008, https://jfly.uni-koeln.de/color/; its
 *   black left out, which a dark page hides), then Tol's medium-contrast pink #EE99AA, bright
 *   red #EE6677 and pale blue, red and yellow #CCEEFF, #FFCCCC, #EEEEBB.
 * - high contrast: the theme's own chart and terminal colours and its foreground, which a high
 *   contrast theme sets for its background (9 colours).
 *
 * More classes than colours: classes 13-24 (10-18 in high contrast) take the colours of the
 * first ones faded 45% towards the background, so neighbouring class numbers still differ in
 * hue and a class and its faded twin differ in lightness; past that, colours repeat and the
 * scatter's key says so.
 */
export const CLASS_COLORS = {
  light: [
    ...['#CC6677', '#332288', '#DDCC77', '#117733', '#88CCEE', '#882255', '#44AA99', '#999933', '#AA4499'],
    ...['#0077BB', '#FFAABB', '#663333'],
  ],
  dark: [
    ...['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'],
    ...['#EE99AA', '#EE6677', '#CCEEFF', '#FFCCCC', '#EEEEBB'],
  ],
} as const;

/** High contrast: theme variables, with fallbacks (dark, light) for pages outside VS Code. */
const HIGH_CONTRAST: ReadonlyArray<[variable: string, dark: string, light: string]> = [
  ['--vscode-charts-blue', '#3794ff', '#0f4a85'],
  ['--vscode-charts-orange', '#d18616', '#a14f00'],
  ['--vscode-charts-green', '#89d185', '#374e06'],
  ['--vscode-charts-purple', '#b180d7', '#652d90'],
  ['--vscode-charts-red', '#f48771', '#b5200d'],
  ['--vscode-charts-yellow', '#ffd370', '#7a5c00'],
  ['--vscode-terminal-ansiCyan', '#00cdcd', '#006b75'],
  ['--vscode-terminal-ansiMagenta', '#cd00cd', '#8f1a8f'],
  ['--vscode-editor-foreground', '#ffffff', '#292929'],
];

/** How far the second round of class colours is faded towards the background. */
const FADE = 0.45;

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/**
 * The theme, from the classes VS Code sets on body (as the panels' stylesheets read it); a page
 * outside VS Code (a report) follows the browser's colour scheme, as theme.css does.
 */
export function themeKind(): ThemeKind {
  const b = document.body.classList;
  if (b.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (b.contains('vscode-high-contrast')) return 'high-contrast';
  if (b.contains('vscode-dark')) return 'dark';
  if (b.contains('vscode-light')) return 'light';
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

let probe: CanvasRenderingContext2D | undefined;

/** A CSS colour as [r, g, b] in 0..255, via the canvas's own colour parser (#rrggbb or rgba()). */
export function rgbOf(color: string): number[] {
  probe ??= document.createElement('canvas').getContext('2d')!;
  probe.fillStyle = '#000000';
  probe.fillStyle = color;
  const v = String(probe.fillStyle);
  if (v.startsWith('#')) return [1, 3, 5].map((i) => parseInt(v.slice(i, i + 2), 16));
  return (v.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
}

/**
 * The class colours of the page's theme, resolved (a canvas takes no CSS variables): the
 * theme's colours, then the same faded (see CLASS_COLORS). Class c takes colour c mod length.
 */
export function classPalette(theme = themeKind()): string[] {
  const cs = getComputedStyle(document.documentElement);
  const css = (variable: string, fallback: string) => cs.getPropertyValue(variable).trim() || fallback;
  const light = theme === 'light' || theme === 'high-contrast-light';
  const base: string[] =
    theme === 'light' || theme === 'dark'
      ? [...CLASS_COLORS[theme]]
      : HIGH_CONTRAST.map(([v, dark, lightFallback]) => css(v, light ? lightFallback : dark));
  const bg = rgbOf(css('--vscode-editor-background', light ? '#ffffff' : '#1f1f1f'));
  const faded = base.map((c) => {
    const [r, g, b] = rgbOf(c).map((v, i) => Math.round(v + (bg[i] - v) * FADE));
    return `rgb(${r}, ${g}, ${b})`;
  });
  return [...base, ...faded];
}

/** Class `c`'s colour in a resolved class palette. */
export const classColor = (palette: string[], c: number) => palette[c % palette.length];
