import { beforeAll, describe, expect, it } from "vitest";
import { Client as WebClient, Locale as WebLocale } from "appwrite";
import { Locale } from "node-appwrite";
import { createProject, endpoint, type TestProject } from "./harness";

/**
 * Locale from Cloudflare's geodata. Locally, workerd takes a request's `cf` object from the `MF-CF-Blob` header
 * (what the edge sets in production), so each test says where its caller is.
 */
let project: TestProject;
beforeAll(async () => {
  project = await createProject("locale");
});

const PARIS = { country: "FR", continent: "EU", isEUCountry: "1", city: "Paris", timezone: "Europe/Paris", postalCode: "75001" };
const server = (cf?: object, locale?: string) => {
  const client = project.server();
  if (locale) client.setLocale(locale);
  if (cf) client.headers["MF-CF-Blob"] = JSON.stringify(cf);
  return new Locale(client);
};

describe("Locale (node-appwrite 27)", () => {
  it("get: where the caller is, from the request's cf data, in the asked language", async () => {
    const here = await server(PARIS).get();
    expect(here).toMatchObject({ countryCode: "FR", country: "France", continentCode: "EU", continent: "Europe", eu: true, currency: "EUR", city: "Paris", timeZone: "Europe/Paris", postalCode: "75001" });
    expect(here.ip).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    expect(await server(PARIS, "es").get()).toMatchObject({ country: "Francia", continent: "Europe" }); // continents stay English
    expect(await server({ country: "JP", continent: "AS", isEUCountry: "0" }).get()).toMatchObject({ countryCode: "JP", country: "Japan", continent: "Asia", eu: false, currency: "JPY" });
    // Tor (T1) and unknown addresses: Appwrite's unknown location.
    expect(await server({ country: "T1", continent: "T1" }).get()).toMatchObject({ countryCode: "--", country: "Unknown", continentCode: "--", continent: "Unknown", eu: false, currency: null });
  });

  it("lists countries, EU countries, phone codes and continents sorted by their name in the asked language", async () => {
    const en = server();
    const countries = await en.listCountries();
    expect(countries.total).toBe(197); // Appwrite's countries
    expect(countries.countries[0]).toEqual({ name: "Afghanistan", code: "AF" });
    expect((await server(undefined, "es").listCountries()).countries[0]).toEqual({ name: "Afganistán", code: "AF" });
    const eu = await en.listCountriesEU();
    expect([eu.total, eu.countries[0]]).toEqual([27, { name: "Austria", code: "AT" }]);
    expect((await server(undefined, "es").listCountriesEU()).countries[0]).toEqual({ name: "Alemania", code: "DE" });
    const phones = await en.listCountriesPhones();
    expect(phones.phones[0]).toEqual({ code: "+1", countryCode: "CA", countryName: "Canada" });
    expect(phones.phones.find((p) => p.countryCode === "FR")).toEqual({ code: "+33", countryCode: "FR", countryName: "France" });
    expect(phones.phones.find((p) => p.countryCode === "AG")?.code).toBe("+1268");
    const continents = await en.listContinents();
    expect([continents.total, continents.continents[0]]).toEqual([7, { name: "Africa", code: "AF" }]);
  });

  it("lists currencies, languages and locale codes", async () => {
    const en = server();
    const currencies = await en.listCurrencies();
    expect(currencies.currencies[0]).toEqual({ symbol: "$", name: "US Dollar", symbolNative: "$", decimalDigits: 2, rounding: 0, code: "USD", namePlural: "US dollars" });
    expect(currencies.currencies.find((x) => x.code === "JPY")).toMatchObject({ symbol: "¥", decimalDigits: 0, namePlural: "Japanese yen" });
    expect(currencies.total).toBe(currencies.currencies.length);
    const languages = await en.listLanguages();
    expect(languages.languages[0]).toEqual({ code: "aa", name: "Afar", nativeName: "Afar" });
    expect(languages.languages.at(-1)).toEqual({ code: "zu", name: "Zulu", nativeName: "isiZulu" });
    const codes = await en.listCodes();
    expect(codes.localeCodes).toContainEqual({ code: "fr-ca", name: "French (Canada)" });
    expect(codes.localeCodes).toContainEqual({ code: "de", name: "German" });
    expect(codes.total).toBe(codes.localeCodes.length);
  });
});

describe("Locale (web SDK appwrite 27, as a guest)", () => {
  it("every method answers a guest: guests hold locale.read", async () => {
    const client = new WebClient().setEndpoint(endpoint).setProject(project.projectId);
    const locale = new WebLocale(client);
    expect((await locale.get()).countryCode).toMatch(/^([A-Z]{2}|--)$/);
    expect((await locale.listCountries()).total).toBe(197);
    expect((await locale.listCountriesEU()).total).toBe(27);
    expect((await locale.listCountriesPhones()).total).toBeGreaterThan(190);
    expect((await locale.listContinents()).total).toBe(7);
    expect((await locale.listCurrencies()).total).toBeGreaterThan(100);
    expect((await locale.listLanguages()).total).toBeGreaterThan(180);
    expect((await locale.listCodes()).total).toBeGreaterThan(200);
  });
});
