/**
 * Scatter points written straight into a canvas's pixels. At 100k points this takes a few
 * milliseconds, where a fillRect per point takes over 100 ms on a software-rendered canvas.
 * Points are alpha-blended over each other, so dense regions come out darker.
 */

/** A CSS colour as [r, g, b] in 0..255, via the canvas's own colour parser. */
function rgbOf(color: string): [number, number, number] {
  const c = document.createElement('canvas').getContext('2d')!;
  c.fillStyle = color;
  c.fillRect(0, 0, 1, 1);
  const d = c.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}

/**
 * Replaces the canvas's pixels with `n` square points of `size` device pixels at (x(k), y(k))
 * in device pixels, coloured palette[color(k)]. Draw frames and labels afterwards.
 */
export function rasterPoints(
  ctx: CanvasRenderingContext2D,
  n: number,
  x: (k: number) => number,
  y: (k: number) => number,
  color: (k: number) => number,
  palette: string[],
  alpha: number,
  size = 4,
): void {
  const W = ctx.canvas.width,
    H = ctx.canvas.height;
  const rgb = palette.map(rgbOf);
  // Premultiplied colour and coverage per pixel, composited "source over".
  const acc = new Float32Array(W * H * 4);
  const keep = 1 - alpha,
    half = size / 2;
  for (let k = 0; k < n; k++) {
    const x0 = Math.round(x(k) - half),
      y0 = Math.round(y(k) - half);
    const [r, g, b] = rgb[color(k)];
    for (let py = Math.max(0, y0); py < Math.min(H, y0 + size); py++) {
      for (let px = Math.max(0, x0); px < Math.min(W, x0 + size); px++) {
        const o = (py * W + px) * 4;
        acc[o] = r * alpha + acc[o] * keep;
        acc[o + 1] = g * alpha + acc[o + 1] * keep;
        acc[o + 2] = b * alpha + acc[o + 2] * keep;
        acc[o + 3] = alpha + acc[o + 3] * keep;
      }
    }
  }
  const img = ctx.createImageData(W, H);
  for (let o = 0; o < acc.length; o += 4) {
    const a = acc[o + 3];
    if (a === 0) continue;
    img.data[o] = acc[o] / a;
    img.data[o + 1] = acc[o + 1] / a;
    img.data[o + 2] = acc[o + 2] / a;
    img.data[o + 3] = a * 255;
  }
  ctx.putImageData(img, 0, 0);
}
