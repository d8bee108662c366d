/**
 * Appwrite's Locale service. Where the caller is comes from Cloudflare's own geodata on the request
 * (`request.cf`: country, continent, EU membership, city, time zone, postal code) instead of a GeoIP database;
 * country names are in the language of `X-Appwrite-Locale` (English when absent or unknown to ICU).
 */
import { Hono } from "hono";
import { json } from "../../core/response";
import { requireScope } from "../../platform/caller";
import { clientIp } from "../../platform/client";
import type { AppEnv, Ctx } from "../../platform/context";
import { CONTINENTS, COUNTRY_CODES, CURRENCY_CODES, currencyData, currencyOfCountry, EU_CODES, LANGUAGES, listLocaleCodes, phoneOf, safeName } from "./data";

export const localeRoutes = new Hono<AppEnv>();

/** The request's locale as ICU takes it: `X-Appwrite-Locale` when it is a valid tag, else English. */
function localeOf(c: Ctx): string {
  const asked = c.req.header("x-appwrite-locale");
  if (!asked) return "en";
  try {
    return Intl.getCanonicalLocales(asked)[0] ?? "en";
  } catch {
    return "en";
  }
}

const regionNames = (c: Ctx) => new Intl.DisplayNames([localeOf(c), "en"], { type: "region" });
/** Appwrite sorts by name with strcmp: code-unit order, not a collation. */
const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const countriesNamed = (c: Ctx, codes: readonly string[]) => {
  const names = regionNames(c);
  return codes.flatMap((code) => {
    const name = safeName(names, code);
    return name ? [{ name, code }] : [];
  });
};

interface Cf { country?: string; continent?: string; isEUCountry?: string; city?: string; timezone?: string; postalCode?: string }

localeRoutes.get("/", (c) => {
  requireScope(c, "locale.read");
  const cf = (c.req.raw as { cf?: Cf }).cf ?? {};
  const names = regionNames(c);
  // "T1" is Tor, "XX" no data: Appwrite's unknown location.
  const known = cf.country && /^[A-Z]{2}$/.test(cf.country) && cf.country !== "T1" && cf.country !== "XX" ? cf.country : undefined;
  const unknown = "Unknown"; // Appwrite's locale.country.unknown, untranslated here
  const continent = cf.continent ? CONTINENTS.get(cf.continent) : undefined;
  return json(c, {
    ip: clientIp(c),
    countryCode: known ?? "--",
    country: (known && safeName(names, known)) ?? unknown,
    continentCode: known && continent ? cf.continent : "--",
    continent: (known && continent) || unknown,
    eu: known ? cf.isEUCountry === "1" || EU_CODES.includes(known) : false,
    currency: known ? (currencyOfCountry(known) ?? null) : null,
    ...(cf.city ? { city: cf.city } : {}),
    ...(cf.timezone ? { timeZone: cf.timezone } : {}),
    ...(cf.postalCode ? { postalCode: cf.postalCode } : {}),
  });
});

localeRoutes.get("/codes", (c) => {
  requireScope(c, "locale.read");
  const localeCodes = listLocaleCodes();
  return json(c, { total: localeCodes.length, localeCodes });
});

localeRoutes.get("/countries", (c) => {
  requireScope(c, "locale.read");
  const countries = countriesNamed(c, COUNTRY_CODES).sort(byName);
  return json(c, { total: countries.length, countries });
});

localeRoutes.get("/countries/eu", (c) => {
  requireScope(c, "locale.read");
  const countries = countriesNamed(c, EU_CODES).sort(byName);
  return json(c, { total: countries.length, countries });
});

localeRoutes.get("/countries/phones", (c) => {
  requireScope(c, "locale.read");
  // Appwrite: ordered by calling code as a string ("+1" < "+1268" < "+20"), then as listed.
  const phones = countriesNamed(c, COUNTRY_CODES)
    .flatMap(({ name, code }) => {
      const phone = phoneOf(code as (typeof COUNTRY_CODES)[number]);
      return phone ? [{ code: phone, countryCode: code, countryName: name }] : [];
    })
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return json(c, { total: phones.length, phones });
});

localeRoutes.get("/continents", (c) => {
  requireScope(c, "locale.read");
  const continents = [...CONTINENTS].map(([code, name]) => ({ name, code })).sort(byName);
  return json(c, { total: continents.length, continents });
});

/** Currencies in English (as Appwrite's list): symbol and plural name from ICU, the rest from the package. */
let currencyList: unknown[] | undefined;
function currencies(): unknown[] {
  const part = (code: string, display: "symbol" | "name", n: number) =>
    new Intl.NumberFormat("en", { style: "currency", currency: code, currencyDisplay: display }).formatToParts(n).find((p) => p.type === "currency")?.value;
  return (currencyList ??= CURRENCY_CODES.map((code) => {
    const d = currencyData(code);
    return { symbol: part(code, "symbol", 1) ?? d.symbol, name: d.name, symbolNative: d.symbolNative, decimalDigits: d.decimals, rounding: 0, code, namePlural: part(code, "name", 2) ?? d.name };
  }));
}

localeRoutes.get("/currencies", (c) => {
  requireScope(c, "locale.read");
  const list = currencies();
  return json(c, { total: list.length, currencies: list });
});

localeRoutes.get("/languages", (c) => {
  requireScope(c, "locale.read");
  return json(c, { total: LANGUAGES.length, languages: LANGUAGES });
});
