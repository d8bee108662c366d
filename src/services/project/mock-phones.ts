/**
 * `/v1/project/mock-phones` (SDK 27 `Project.*MockPhone`): phone numbers whose sign-in code is fixed and whose
 * SMS is never sent (account/routes.ts createPhoneToken reads them). Stored as Appwrite's `auths.mockNumbers`;
 * each change is one statement (store.ts), so two creates of the same number cannot both succeed.
 */
import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { formatDate } from "../../core/time";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { PHONE, PHONE_DESCRIPTION } from "../users/users";
import { mockNumbersOf, type MockNumber } from "./config";
import { limitOffset, projectOf } from "./scope";
import { deleteMockNumber, insertMockNumber, updateMockNumber } from "./store";

export const mockPhoneRoutes = new Hono<AppEnv>();

const mockModel = (m: MockNumber) => ({ number: m.phone, otp: m.otp, $createdAt: m.$createdAt, $updatedAt: m.$updatedAt });

/** Appwrite's Phone validator; `normalize` (path values) adds the leading `+` a URL may have lost. */
function phone(value: string, normalize: boolean): string {
  const v = normalize && /^\d/.test(value) ? `+${value}` : value;
  if (!PHONE.test(v)) throw new AppwriteError("general_argument_invalid", `Invalid \`number\` param: ${PHONE_DESCRIPTION}`);
  return v;
}

const OTP_MSG = "Value must be a valid string and at least 6 chars and no longer than 6 chars";
const otp = () => p.string({ min: 6, max: 6 });
function checkOtp(v: string): string {
  if (!/^\d{6}$/.test(v)) throw new AppwriteError("general_argument_invalid", `Invalid \`otp\` param: ${OTP_MSG}`);
  return v;
}

const pathNumber = (c: Ctx) => phone(decodeURIComponent(c.req.param("number") ?? ""), true);

mockPhoneRoutes.get("/", async (c) => {
  requireScope(c, "mocks.read");
  const project = await projectOf(c);
  const { page, total } = await limitOffset(c, mockNumbersOf(project).map(mockModel));
  return json(c, list("mockNumbers", page, total));
});

mockPhoneRoutes.post("/", async (c) => {
  requireScope(c, "mocks.write");
  const project = await projectOf(c);
  const a = await params(c, { number: p.string({ max: 16 }), otp: otp() });
  const now = formatDate(Date.now());
  const mock: MockNumber = { phone: phone(a.number, false), otp: checkOtp(a.otp), $createdAt: now, $updatedAt: now };
  await insertMockNumber(c, project.id, mock);
  return json(c, mockModel(mock), 201);
});

mockPhoneRoutes.get("/:number", async (c) => {
  requireScope(c, "mocks.read");
  const project = await projectOf(c);
  const number = pathNumber(c);
  const found = mockNumbersOf(project).find((m) => m.phone === number);
  if (!found) throw new AppwriteError("mock_number_not_found");
  return json(c, mockModel(found));
});

mockPhoneRoutes.put("/:number", async (c) => {
  requireScope(c, "mocks.write");
  const project = await projectOf(c);
  const number = pathNumber(c);
  const a = await params(c, { otp: otp() });
  const updated = await updateMockNumber(c, project.id, number, checkOtp(a.otp), formatDate(Date.now()));
  if (!updated) throw new AppwriteError("mock_number_not_found");
  return json(c, mockModel(updated));
});

mockPhoneRoutes.delete("/:number", async (c) => {
  requireScope(c, "mocks.write");
  const project = await projectOf(c);
  if (!(await deleteMockNumber(c, project.id, pathNumber(c)))) throw new AppwriteError("mock_number_not_found");
  return noContent(c);
});

