import qrcode from "qrcode-generator";

/**
 * A QR code as SVG: `size` × `size` pixels, `margin` modules of quiet zone (Appwrite's chillerlan options:
 * quiet zone = margin, error correction L). Text is encoded as UTF-8 bytes (the encoder's own byte mode
 * takes Latin-1 only, so the UTF-8 bytes go in as a binary string).
 */
export function qrSvg(text: string, size: number, margin: number): string {
  const qr = qrcode(0, "L");
  qr.addData(String.fromCharCode(...new TextEncoder().encode(text)), "Byte");
  qr.make();
  const n = qr.getModuleCount();
  const span = n + 2 * margin;
  let d = "";
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + margin} ${r + margin}h1v1h-1z`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${span} ${span}" shape-rendering="crispEdges"><rect width="${span}" height="${span}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}
