// An RGB pixel buffer with the few drawing primitives charts need: rectangles, lines (optionally
// dashed), and bitmap text. Coordinates are pixels from the top-left; drawing outside is clipped.
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.ts';

export type Rgb = readonly [number, number, number];

export const BLACK: Rgb = [0, 0, 0];
export const WHITE: Rgb = [255, 255, 255];
export const GREY: Rgb = [120, 120, 120];
export const LIGHT_GREY: Rgb = [225, 225, 225];

export interface TextOptions {
  readonly color?: Rgb;
  /** Each font pixel becomes scale×scale pixels (default 2). */
  readonly scale?: number;
  /** Horizontal anchor of x (default 'left'). */
  readonly align?: 'left' | 'center' | 'right';
  /** Draw bottom-to-top (rotated 90° counter-clockwise), for y-axis titles. */
  readonly vertical?: boolean;
}

export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = WHITE,
  ) {
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, [r, g, b]: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.setPixel(xx, yy, color);
  }

  /** A straight line `thickness` pixels wide; `dash` = [on, off] lengths in pixels. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, opts: { thickness?: number; dash?: readonly [number, number] } = {}): void {
    const thickness = opts.thickness ?? 1;
    const length = Math.hypot(x1 - x0, y1 - y0);
    const steps = Math.max(1, Math.ceil(length));
    const half = Math.floor(thickness / 2);
    for (let i = 0; i <= steps; i++) {
      if (opts.dash && i % (opts.dash[0] + opts.dash[1]) >= opts.dash[0]) continue;
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      this.fillRect(Math.round(x) - half, Math.round(y) - half, thickness, thickness, color);
    }
  }

  text(x: number, y: number, s: string, opts: TextOptions = {}): void {
    const scale = opts.scale ?? 2;
    const color = opts.color ?? BLACK;
    const width = textWidth(s, scale);
    const shift = opts.align === 'center' ? width / 2 : opts.align === 'right' ? width : 0;
    let pen = Math.round(-shift);
    for (const ch of s) {
      const rows = glyph(ch);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let col = 0; col < GLYPH_WIDTH; col++) {
          if (rows[row]?.[col] !== '#') continue;
          const u = pen + col * scale;
          const v = row * scale;
          if (opts.vertical) this.fillRect(x + v, y - u - scale, scale, scale, color);
          else this.fillRect(x + u, y + v, scale, scale, color);
        }
      }
      pen += (GLYPH_WIDTH + 1) * scale;
    }
  }

  /** Copies `other` into this raster with its top-left at (x, y). */
  blit(other: Raster, x: number, y: number): void {
    for (let yy = 0; yy < other.height; yy++) {
      const src = yy * other.width * 3;
      const destY = y + yy;
      if (destY < 0 || destY >= this.height) continue;
      for (let xx = 0; xx < other.width; xx++) {
        const i = src + xx * 3;
        this.setPixel(x + xx, destY, [other.data[i] ?? 0, other.data[i + 1] ?? 0, other.data[i + 2] ?? 0]);
      }
    }
  }
}

export function textWidth(s: string, scale = 2): number {
  const n = [...s].length;
  return n === 0 ? 0 : (n * (GLYPH_WIDTH + 1) - 1) * scale;
}

export function textHeight(scale = 2): number {
  return GLYPH_HEIGHT * scale;
}

/** Stacks rasters top to bottom on a white background. */
export function stackVertically(parts: readonly Raster[]): Raster {
  const width = Math.max(...parts.map((p) => p.width));
  const out = new Raster(
    width,
    parts.reduce((acc, p) => acc + p.height, 0),
  );
  let y = 0;
  for (const part of parts) {
    out.blit(part, 0, y);
    y += part.height;
  }
  return out;
}
