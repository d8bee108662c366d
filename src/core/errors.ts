import { ERRORS, type ErrorType } from "./error-catalogue";

export const APP_VERSION = "1.9.6";

/** The one exception every service throws; the error middleware alone turns it into Appwrite's body. */
export class AppwriteError extends Error {
  readonly type: ErrorType;
  readonly code: number;
  constructor(type: ErrorType, message?: string, code?: number) {
    const [defaultCode, defaultMessage] = ERRORS[type];
    super(message ?? defaultMessage);
    this.type = type;
    this.code = code ?? defaultCode;
  }
}

/** Shorthand: `throw error("row_not_found", id)` fills a `%s` in the catalogue message. */
export function error(type: ErrorType, ...args: (string | number)[]): AppwriteError {
  let message: string = ERRORS[type][1];
  for (const a of args) message = message.replace("%s", String(a));
  return new AppwriteError(type, message);
}

/** Codes Appwrite lets through; anything else is reported as a 500 "Server Error". */
const PASS_THROUGH = new Set([400, 401, 402, 403, 404, 405, 408, 409, 410, 412, 416, 422, 424, 426, 429, 451, 501, 503]);

export function errorBody(e: AppwriteError): { message: string; code: number; type: string; version: string } {
  if (!PASS_THROUGH.has(e.code)) return { message: "Server Error", code: 500, type: e.type, version: APP_VERSION };
  return { message: e.message, code: e.code, type: e.type, version: APP_VERSION };
}

export type { ErrorType };
