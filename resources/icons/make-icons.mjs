#!/usr/bin/env node
// Draws the AegisFlow icons as PNGs with nothing but zlib: a grey rounded square with a light shield
// (ISA-101 calm grey; the only colour is the red dot of the tray's "approvals waiting" variant).
// Run: node resources/icons/make-icons.mjs  (writes into this folder and renderer/public/favicon.png)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Colour at (u, v) in [-1, 1]²: [r, g, b, a] or null for transparent. */
function shade(u, v, alert) {
  if (alert && (u - 0.62) ** 2 + (v + 0.62) ** 2 < 0.34 ** 2) return [200, 16, 46, 255];
  const r = 0.28; // corner radius
  const qx = Math.max(Math.abs(u) - (0.94 - r), 0);
  const qy = Math.max(Math.abs(v) - (0.94 - r), 0);
  if (qx * qx + qy * qy > r * r) return null;
  // Shield: flat top, straight sides, tapering to a point at the bottom.
  const top = -0.62;
  const mid = 0.08;
  const tip = 0.74;
  const half = v < top ? -1 : v < mid ? 0.56 : 0.56 * (1 - (v - mid) / (tip - mid));
  if (v >= top && v <= tip && Math.abs(u) <= half) {
    // A darker wave across the shield: the "flow".
    const wave = -0.02 + 0.12 * Math.sin(u * 5.2);
    if (Math.abs(v - wave) < 0.075) return [74, 74, 74, 255];
    return [222, 222, 222, 255];
  }
  return [74, 74, 74, 255];
}

export function drawIcon(size, alert = false) {
  const ss = 4;
  const px = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < ss; sy++)
        for (let sx = 0; sx < ss; sx++) {
          const u = ((x + (sx + 0.5) / ss) / size) * 2 - 1;
          const v = ((y + (sy + 0.5) / ss) / size) * 2 - 1;
          const c = shade(u, v, alert);
          if (!c) continue;
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      const i = (y * size + x) * 4;
      const n = ss * ss;
      px[i] = a ? Math.round(r / a) : 0;
      px[i + 1] = a ? Math.round(g / a) : 0;
      px[i + 2] = a ? Math.round(b / a) : 0;
      px[i + 3] = Math.round(a / n);
    }
  return encodePng(size, px);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // electron-builder: Linux takes the NxN.png set from this folder, Windows and macOS icon.png (≥512).
  for (const s of [16, 32, 48, 64, 128, 256, 512]) fs.writeFileSync(path.join(here, `${s}x${s}.png`), drawIcon(s));
  fs.writeFileSync(path.join(here, 'icon.png'), drawIcon(512));
  // Tray: 32 px (the OS scales), plus the variant with the red dot while approvals wait.
  fs.writeFileSync(path.join(here, 'tray.png'), drawIcon(32));
  fs.writeFileSync(path.join(here, 'tray-alert.png'), drawIcon(32, true));
  fs.writeFileSync(path.join(here, '..', '..', 'renderer', 'public', 'favicon.png'), drawIcon(64));
  console.log('icons written to', here);
}
