// Renders media/icon.png, the 128 x 128 Marketplace and Extensions-view icon: the activity-bar
// icon's motif (media/lsmi.svg: two overlapping circles, one per modality, over a baseline)
// in the panels' first two category colours on a dark tile. The PNG is committed, so packaging
// does not need Chromium; run this again only when the drawing changes:
//   npm run build && node scripts/make-icon.mjs [out.png]
// Chromium is launched as the webview tests launch it (test/chromium.ts, compiled to out/).
import { chromium } from 'playwright-core';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(repo, 'media', 'icon.png'));
const launch = path.join(repo, 'out', 'test', 'chromium.js');
if (!fs.existsSync(launch)) {
  console.error(`make-icon: ${path.relative(repo, launch)} is missing; run npm run build first`);
  process.exit(1);
}
const { CHROMIUM, CHROMIUM_FLAGS } = await import(launch);
if (!fs.existsSync(CHROMIUM)) {
  console.error(`make-icon: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(1);
}

const SIZE = 128;
const BLUE = '#3794ff'; // --vscode-charts-blue: modality 1
const ORANGE = '#d18616'; // --vscode-charts-orange: modality 2
// media/lsmi.svg's 24-unit drawing (circles at x 9 and 15, r 6, y 12; baseline y 21, x 3..21),
// scaled by 0.8 about its centre (12, 13.5) and moved to the tile's centre, on a rounded tile.
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 24 24">
  <rect x="0.5" y="0.5" width="23" height="23" rx="5" fill="#1f2430"/>
  <g transform="translate(12 12) scale(0.8) translate(-12 -13.5)" stroke-width="1.6" stroke-linecap="round">
    <circle cx="9" cy="12" r="6" fill="${BLUE}" fill-opacity="0.45" stroke="${BLUE}"/>
    <circle cx="15" cy="12" r="6" fill="${ORANGE}" fill-opacity="0.45" stroke="${ORANGE}"/>
    <path d="M3 21h18" stroke="#e8eaee"/>
  </g>
</svg>`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}</style>${svg}`);
  const png = await page.locator('svg').screenshot({ omitBackground: true });
  fs.writeFileSync(out, png);
  console.log(`make-icon: ${path.relative(process.cwd(), out)} (${SIZE} x ${SIZE}, ${png.length} bytes)`);
} finally {
  await browser.close();
}
