/**
 * Appwrite's initials avatar: the background colour with the initials punched out (transparent), Inter at half
 * the shorter side, centred at x = width / 1.97 with the baseline at height / 2 + fontSize / 3 — the geometry of
 * Appwrite's Imagick drawing. `initials` is ASCII letters and digits only (the API picks them).
 */
export function initialsSvg(initials: string, background: string, width: number, height: number): string {
  const fontSize = Math.min(width, height) / 2;
  const text = initials.replace(/[^A-Z0-9]/g, "");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<mask id="m" maskUnits="userSpaceOnUse" x="0" y="0" width="${width}" height="${height}"><rect width="${width}" height="${height}" fill="#fff"/>` +
    `<text x="${width / 1.97}" y="${height / 2 + fontSize / 3}" font-family="Inter" font-size="${fontSize}" text-anchor="middle" fill="#000">${text}</text></mask>` +
    `<rect width="${width}" height="${height}" fill="${background}" mask="url(#m)"/></svg>`;
}
