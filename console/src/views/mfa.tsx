import type { AuthenticationFactor, Models } from "@appwrite.io/console";
import { useEffect, useState } from "preact/hooks";
import { account } from "../sdk";
import { ErrorNote, Field, formValues, useAction, useLoad } from "../ui";

const FACTORS: [keyof Models.MfaFactors, string, string][] = [
  ["totp", "Authenticator app", "The 6-digit code your authenticator app shows."],
  ["email", "Email", "A 6-digit code sent to your account's e-mail address."],
  ["phone", "SMS", "A 6-digit code sent to your phone."],
  ["recoveryCode", "Recovery code", "One of the recovery codes you saved; each works once."],
];
/** Factors that send something: the challenge is created by "Send code", the others with the code itself. */
const SENT = new Set(["email", "phone"]);

/**
 * The second step of a console sign-in when the account has MFA on: the session exists but every other call answers
 * `user_more_factors_required` until a challenge (Account.createMfaChallenge) is passed (updateMfaChallenge).
 */
export default function MfaChallenge({ onDone, onCancel }: { onDone: (u: Models.User<Models.Preferences>) => void; onCancel: () => void }) {
  const factors = useLoad(() => account.listMfaFactors(), []);
  const offered = FACTORS.filter(([k]) => factors.data?.[k]);
  const [factor, setFactor] = useState<string | null>(null);
  const [challengeId, setChallengeId] = useState<string | null>(null);
  useEffect(() => { if (!factor && offered[0]) setFactor(offered[0][0]); }, [factors.data]);
  const send = useAction(async () => {
    const c = await account.createMfaChallenge({ factor: factor as AuthenticationFactor });
    setChallengeId(c.$id);
  });
  const verify = useAction(async (otp: string) => {
    const id = challengeId ?? (await account.createMfaChallenge({ factor: factor as AuthenticationFactor })).$id;
    await account.updateMfaChallenge({ challengeId: id, otp });
    onDone(await account.get());
  });
  const pick = (k: string) => { setFactor(k); setChallengeId(null); send.setError(null); verify.setError(null); };
  const sent = factor !== null && SENT.has(factor);
  const about = FACTORS.find(([k]) => k === factor);
  return (
    <main class="signin">
      <h1>Two-step verification</h1>
      <div class="panel">
        <ErrorNote error={factors.error} />
        {!factors.data && !factors.error && <p aria-busy="true">Loading your sign-in methods…</p>}
        {factors.data && !offered.length && <p>This account has MFA on but no factor to use. Ask the deployment's admin to turn MFA off for it.</p>}
        {offered.length > 0 && (
          <form class="bare" onSubmit={(e) => { e.preventDefault(); const otp = (formValues(e).otp ?? "").trim(); if (!sent || challengeId) void verify.run(otp); }}>
            <fieldset class="field">
              <legend>Verify with</legend>
              {offered.map(([k, label]) => (
                <label class="checkline" key={k}><input type="radio" class="check" name="factor" value={k} checked={factor === k} onChange={() => pick(k)} /> {label}</label>
              ))}
            </fieldset>
            {sent && !challengeId ? (
              <>
                <ErrorNote error={send.error} />
                <button type="button" disabled={send.busy} onClick={() => void send.run()}>{send.busy ? "Sending…" : "Send code"}</button>
              </>
            ) : (
              <>
                {sent && <p class="muted small" role="status">Code sent. It expires in a few minutes.</p>}
                <Field label={factor === "recoveryCode" ? "Recovery code" : "Code"} name="otp" required autoComplete="one-time-code" autoFocus hint={about?.[2]} key={factor ?? ""} />
                <ErrorNote error={verify.error} />
                <button type="submit" disabled={verify.busy}>{verify.busy ? "Verifying…" : "Verify"}</button>
              </>
            )}
          </form>
        )}
        <p><button type="button" class="quiet" onClick={onCancel}>Use another account</button></p>
      </div>
    </main>
  );
}
