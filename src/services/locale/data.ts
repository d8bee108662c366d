/**
 * Locale data: countries, phone codes, currencies and languages from `countries-list` (Annexare, MIT), names
 * translated by the runtime's own ICU (`Intl.DisplayNames`), so every locale Intl knows is served without
 * translation tables in the bundle. Appwrite's lists are narrower than the package's; the sets it serves
 * (its countries and the EU) are kept as Appwrite's codes, the data for each comes from the package.
 */
import { continents, countries, languages, type TCountryCode } from "countries-list";
import { currencies } from "countries-list/currencies";

/** The 197 countries of Appwrite's app/config/locale/countries.php (UN members and observers, plus HK and TW). */
export const COUNTRY_CODES = (
  "AF AO AL AD AE AR AM AG AU AT AZ BI BE BJ BF BD BG BH BS BA BY BZ BO BR BB BN BT BW CF CA CH CL CN CI CM CD CG CO " +
  "KM CV CR CU CY CZ DE DJ DM DK DO DZ EC EG ER ES EE ET FI FJ FR FM GA GB GE GH GN GM GW GQ GR GD GT GY HK HN HR HT " +
  "HU ID IN IE IR IQ IS IL IT JM JO JP KZ KE KG KH KI KN KR KW LA LB LR LY LC LI LK LS LT LU LV MA MC MD MG MV MX MH " +
  "MK ML MT MM ME MN MZ MR MU MW MY NA NE NG NI NL NO NP NR NZ OM PK PS PA PE PH PW PG PL KP PT PY QA RO RU RW SA SD " +
  "SN SG SB SL SV SM SO RS SS ST SR SK SI SE SZ SC SY TD TG TH TJ TM TL TO TT TN TR TV TZ TW UG UA UY US UZ VA VC VE " +
  "VN VU WS YE ZA ZM ZW"
).split(" ") as TCountryCode[];

/** The European Union's 27 members (Appwrite's eu.php; Cloudflare also says so per request: `cf.isEUCountry`). */
export const EU_CODES = "AT BE HR BG CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split(" ");

/**
 * Appwrite's continents, in English (the package's names): the runtime's ICU names none of their UN M.49 regions,
 * so continents are not translated.
 */
export const CONTINENTS: ReadonlyMap<string, string> = new Map(Object.entries(continents));

const countryOf = (code: string) => (Object.hasOwn(countries, code) ? countries[code as TCountryCode] : undefined);

/** The country's main calling code, `+` and digits (the package's first, as Appwrite lists one per country). */
export const phoneOf = (code: TCountryCode): string | undefined => {
  const phone = countryOf(code)?.phone[0];
  return phone === undefined ? undefined : `+${phone}`;
};

export const currencyOfCountry = (code: string): string | undefined => countryOf(code)?.currency[0];

/** Currencies the listed countries use (none withdrawn): US dollar and euro first, as Appwrite, then by code. */
export const CURRENCY_CODES: string[] = (() => {
  const used = new Set(COUNTRY_CODES.flatMap((c) => countryOf(c)?.currency ?? []));
  const rest = [...used].filter((c) => c !== "USD" && c !== "EUR" && Object.hasOwn(currencies, c) && !currencies[c as keyof typeof currencies].withdrawn).sort();
  return ["USD", "EUR", ...rest];
})();

export const currencyData = (code: string) => currencies[code as keyof typeof currencies];

export const LANGUAGES = Object.entries(languages).map(([code, l]) => ({ code, name: l.name, nativeName: l.native }));

/**
 * Locale codes: each language alone, and as spoken in each listed country (`ar-ae`), lower-case as Appwrite's.
 * Named in English by ICU, as Appwrite's list is English only.
 */
let localeCodes: { code: string; name: string }[] | undefined;
export function listLocaleCodes(): { code: string; name: string }[] {
  if (localeCodes) return localeCodes;
  const names = new Intl.DisplayNames("en", { type: "language", languageDisplay: "standard" });
  const tags = new Set<string>();
  for (const country of COUNTRY_CODES) {
    for (const lang of countryOf(country)?.languages ?? []) {
      tags.add(lang);
      tags.add(`${lang}-${country}`);
    }
  }
  return (localeCodes = [...tags].sort().flatMap((tag) => {
    const name = safeName(names, tag);
    return name ? [{ code: tag.toLowerCase(), name }] : [];
  }));
}

/** A display name, or undefined where ICU has none (it then echoes the code back). */
export function safeName(names: Intl.DisplayNames, code: string): string | undefined {
  try {
    const name = names.of(code);
    return name && name !== code ? name : undefined;
  } catch {
    return undefined;
  }
}
