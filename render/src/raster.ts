import { initWasm, Resvg } from "@resvg/resvg-wasm";
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";
// Inter (SIL OFL 1.1), the face Appwrite draws initials in; latin subset, regular weight.
import interWoff from "../../node_modules/@fontsource/inter/files/inter-latin-400-normal.woff";
import { woffToSfnt } from "./woff";

let ready: Promise<void> | undefined;
let fonts: Promise<Uint8Array> | undefined;
const init = () => (ready ??= initWasm(resvgWasm));

/** The size an SVG declares: its viewBox, else width/height; null when it declares neither. */
export function intrinsicSize(svg: string): { width: number; height: number } | null {
  const root = /<svg\b[^>]*>/i.exec(svg)?.[0] ?? "";
  const box = /\bviewBox\s*=\s*["']\s*([-\d.e]+)[\s,]+([-\d.e]+)[\s,]+([\d.e]+)[\s,]+([\d.e]+)/i.exec(root);
  if (box) return { width: Number(box[3]), height: Number(box[4]) };
  const w = /\bwidth\s*=\s*["']([\d.]+)(px)?["']/i.exec(root)?.[1];
  const h = /\bheight\s*=\s*["']([\d.]+)(px)?["']/i.exec(root)?.[1];
  return w && h ? { width: Number(w), height: Number(h) } : null;
}

/**
 * The SVG drawn at exactly width × height, covering the box and centred (utopia-php/image's crop: scale to
 * cover, cut the overflow evenly): the root element gets that size and `preserveAspectRatio="xMidYMid slice"`.
 */
export function fitted(svg: string, width: number, height: number): string {
  const size = intrinsicSize(svg);
  return svg.replace(/<svg\b([^>]*)>/i, (_m, attrs: string) => {
    const rest = attrs.replace(/\s(width|height|preserveAspectRatio)\s*=\s*("[^"]*"|'[^']*')/gi, "");
    const box = /\bviewBox\s*=/i.test(rest) || !size ? "" : ` viewBox="0 0 ${size.width} ${size.height}"`;
    return `<svg${rest}${box} width="${width}" height="${height}" preserveAspectRatio="xMidYMid slice">`;
  });
}

/** Rasterise an SVG (already sized) to PNG with resvg; text is set in Inter. Throws on SVG resvg cannot read. */
export async function toPng(svg: string): Promise<Uint8Array> {
  await init();
  const withText = /<text\b/i.test(svg);
  const font = withText ? await (fonts ??= woffToSfnt(new Uint8Array(interWoff))) : undefined;
  const r = new Resvg(svg, {
    fitTo: { mode: "original" },
    font: font ? { fontBuffers: [font], defaultFontFamily: "Inter", loadSystemFonts: false } : { loadSystemFonts: false },
  });
  try {
    const image = r.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    r.free();
  }
}
