import { createServer, type Server, type Socket } from "node:net";

/** A mail as the fake SMTP server received it: envelope, raw DATA, and the user that authenticated. */
export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
  auth: string;
}

/**
 * A fake SMTP server on loopback for the e2e tests: EHLO with AUTH PLAIN, one account, mails kept in `mails`;
 * recipients starting with `bounce-` are refused with 550 (a server refusing the mail).
 */
export async function startSmtpFake(account: { user: string; pass: string }): Promise<{ server: Server; port: number; mails: ReceivedMail[] }> {
  const mails: ReceivedMail[] = [];
  const serve = (socket: Socket): void => {
    let buffer = "";
    let inData = false;
    let current: ReceivedMail = { from: "", to: [], data: "", auth: "" };
    let authed = "";
    const say = (line: string) => socket.write(`${line}\r\n`);
    say("220 fake.test ESMTP");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          current.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          mails.push({ ...current, auth: authed });
          current = { from: "", to: [], data: "", auth: "" };
          say("250 queued");
          continue;
        }
        const nl = buffer.indexOf("\r\n");
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.split(" ")[0]!.toUpperCase();
        if (verb === "EHLO") socket.write("250-fake.test\r\n250-AUTH PLAIN LOGIN\r\n250 OK\r\n");
        else if (verb === "HELO") say("250 fake.test");
        else if (verb === "AUTH") {
          const [, user, pass] = Buffer.from(line.split(" ")[2] ?? "", "base64").toString().split("\0");
          if (user === account.user && pass === account.pass) ((authed = user), say("235 ok"));
          else say("535 bad credentials");
        } else if (verb === "MAIL") ((current.from = /<(.*)>/.exec(line)?.[1] ?? ""), say("250 ok"));
        else if (verb === "RCPT") {
          const to = /<(.*)>/.exec(line)?.[1] ?? "";
          if (to.startsWith("bounce-")) say("550 no such mailbox");
          else (current.to.push(to), say("250 ok"));
        } else if (verb === "DATA") ((inData = true), say("354 go ahead"));
        else if (verb === "QUIT") (say("221 bye"), socket.end());
        else say("250 ok"); // RSET, NOOP and anything else
      }
    });
    socket.on("error", () => {});
  };
  const server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port, mails };
}
