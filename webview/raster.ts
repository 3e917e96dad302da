/**
 * Scatter points written straight into a canvas's pixels: at 100k points a few milliseconds,
 * where a fillRect per point takes over 100 ms on a software-rendered canvas.
 *
 * Points are accumulated per CSS pixel (a position is rounded to it: half a CSS pixel at most,
 * invisible at a scatter's scale, and a quarter of the work of device pixels). A pixel covered
 * by m points of opacity α has opacity 1 - (1 - α)^m (dense regions come out darker) and the
 * mean colour of its points, so no class hides another by being drawn later.
 */
import { rgbOf } from './palette';

/** Points to draw: position in CSS pixels and a palette index, per point. */
export interface RasterInput {
  n: number;
  px: Float32Array;
  py: Float32Array;
  color: Uint8Array;
}

/** Per CSS pixel: how many points cover it, and the sums of their r, g, b; kept between draws. */
let count = new Uint32Array(0);
let sums = new Uint32Array(0);

/**
 * Replaces the canvas's pixels with square points of `size` CSS pixels, coloured
 * palette[color[k]] with opacity `alpha`. The canvas has `scale` device pixels per CSS pixel.
 * Draw frames and labels afterwards.
 */
export function rasterPoints(
  ctx: CanvasRenderingContext2D,
  p: RasterInput,
  palette: string[],
  alpha: number,
  scale = 2,
  size = 2,
): void {
  const W = Math.floor(ctx.canvas.width / scale),
    H = Math.floor(ctx.canvas.height / scale);
  accumulate(p, W, H, palette, size);
  const { width, height } = ctx.canvas;
  if (img?.width !== width || img.height !== height) img = ctx.createImageData(width, height);
  else img.data.fill(0);
  writePixels(img, W, H, scale, alpha);
  ctx.putImageData(img, 0, 0);
}

/** The pixels handed to the canvas, kept between draws of the same size (putImageData copies them). */
let img: ImageData | undefined;

/** Counts and colour sums of the points per CSS pixel of a W x H grid. */
function accumulate(p: RasterInput, W: number, H: number, palette: string[], size: number): void {
  const rgb = Uint32Array.from(palette.flatMap(rgbOf));
  if (count.length < W * H) {
    count = new Uint32Array(W * H);
    sums = new Uint32Array(W * H * 3);
  } else {
    count.fill(0, 0, W * H);
    sums.fill(0, 0, W * H * 3);
  }
  const half = size / 2;
  for (let k = 0; k < p.n; k++) {
    const x0 = Math.round(p.px[k] - half),
      y0 = Math.round(p.py[k] - half);
    if (!(x0 > -size && x0 < W && y0 > -size && y0 < H)) continue; // off the canvas, or NaN
    const c = 3 * p.color[k];
    const r = rgb[c],
      g = rgb[c + 1],
      b = rgb[c + 2];
    const xa = Math.max(0, x0),
      xb = Math.min(W, x0 + size);
    for (let y = Math.max(0, y0); y < Math.min(H, y0 + size); y++) {
      for (let o = y * W + xa; o < y * W + xb; o++) {
        count[o]++;
        sums[3 * o] += r;
        sums[3 * o + 1] += g;
        sums[3 * o + 2] += b;
      }
    }
  }
}

/** Fills `img` (scale x scale device pixels per CSS pixel) from the counts and sums. */
function writePixels(img: ImageData, W: number, H: number, scale: number, alpha: number): void {
  // Opacity (0..255) after m points, tabled for the usual counts.
  const opacity = Float64Array.from({ length: 65 }, (_, m) => 255 * (1 - (1 - alpha) ** m));
  const out = img.data,
    rowBytes = img.width * 4;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = y * W + x,
        m = count[o];
      if (!m) continue;
      const r = sums[3 * o] / m,
        g = sums[3 * o + 1] / m,
        b = sums[3 * o + 2] / m,
        a = m <= 64 ? opacity[m] : 255 * (1 - (1 - alpha) ** m);
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0, q = (y * scale + dy) * rowBytes + x * scale * 4; dx < scale; dx++, q += 4) {
          out[q] = r;
          out[q + 1] = g;
          out[q + 2] = b;
          out[q + 3] = a;
        }
      }
    }
  }
}
