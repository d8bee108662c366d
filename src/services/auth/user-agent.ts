/**
 * User-agent → the Session/Log model's os/client/device fields (Appwrite uses Matomo's detector; codes
 * below are Matomo's short codes for the common cases). Parsing uses `bowser` (MIT, pure JS, runs on workerd).
 */
import { parse } from "bowser";
import { lookup } from "../../core/input";

const OS_CODES = lookup<string>({
  Windows: "WIN", macOS: "MAC", Linux: "LIN", Android: "AND", iOS: "IOS", "Chrome OS": "COS", "Windows Phone": "WPH",
});
const CLIENT_CODES = lookup<string>({
  Chrome: "CH", Firefox: "FF", Safari: "SF", "Microsoft Edge": "PS", Opera: "OP", "Samsung Internet for Android": "SB",
  Chromium: "CR", Vivaldi: "VI", Brave: "BR", "Internet Explorer": "IE", "Yandex Browser": "YA",
});

export interface ClientInfo {
  osCode: string;
  osName: string;
  osVersion: string;
  clientType: string;
  clientCode: string;
  clientName: string;
  clientVersion: string;
  clientEngine: string;
  clientEngineVersion: string;
  deviceName: string;
  deviceBrand: string;
  deviceModel: string;
}

const cache = new Map<string, ClientInfo>();

export function clientInfo(userAgent: string): ClientInfo {
  const hit = cache.get(userAgent);
  if (hit) return hit;
  let info: ClientInfo;
  try {
    const r = parse(userAgent || "UNKNOWN");
    const sdk = /^Appwrite(\w+?)SDK\/([\d.]+)/.exec(userAgent);
    info = {
      osCode: OS_CODES[r.os.name ?? ""] ?? "",
      osName: r.os.name ?? "",
      osVersion: r.os.version ?? "",
      clientType: sdk ? "library" : r.browser.name ? "browser" : "",
      clientCode: CLIENT_CODES[r.browser.name ?? ""] ?? "",
      clientName: sdk ? `Appwrite ${sdk[1]} SDK` : (r.browser.name ?? ""),
      clientVersion: sdk ? sdk[2]! : (r.browser.version ?? ""),
      clientEngine: r.engine.name ?? "",
      clientEngineVersion: r.engine.version ?? "",
      deviceName: r.platform.type ?? "",
      deviceBrand: r.platform.vendor ?? "",
      deviceModel: r.platform.model ?? "",
    };
  } catch {
    info = { osCode: "", osName: "", osVersion: "", clientType: "", clientCode: "", clientName: "", clientVersion: "", clientEngine: "", clientEngineVersion: "", deviceName: "", deviceBrand: "", deviceModel: "" };
  }
  if (cache.size > 500) cache.clear();
  cache.set(userAgent, info);
  return info;
}

let regionNames: Intl.DisplayNames | null = null;
/** Country name for a two-letter code; Appwrite answers "Unknown" for `--`. */
export function countryName(code: string): string {
  if (!/^[a-z]{2}$/i.test(code)) return "Unknown";
  try {
    regionNames ??= new Intl.DisplayNames(["en"], { type: "region" });
    return regionNames.of(code.toUpperCase()) ?? "Unknown";
  } catch {
    return "Unknown";
  }
}
