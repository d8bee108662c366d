/** `starter`: Appwrite's starter, written for Edgewrite (no SDK to install: the API is a fetch away). */
export const starter = {
  "src/main.js": `// Starter function: answers /ping with "Pong", otherwise a few links; logs how many users the project has.
// APPWRITE_FUNCTION_API_ENDPOINT and the per-execution key (x-appwrite-key) come with every execution.
export default async ({ req, res, log, error }) => {
  try {
    const r = await fetch(process.env.APPWRITE_FUNCTION_API_ENDPOINT + "/users?total=true", {
      headers: { "x-appwrite-project": process.env.APPWRITE_FUNCTION_PROJECT_ID, "x-appwrite-key": req.headers["x-appwrite-key"] ?? "" },
    });
    const body = await r.json();
    if (r.ok) log("Total users: " + body.total);
    else error("Could not list users: " + body.message);
  } catch (e) {
    error("Could not list users: " + e.message);
  }
  if (req.path === "/ping") return res.text("Pong");
  return res.json({
    motto: "Build like a team of hundreds_",
    learn: "https://appwrite.io/docs",
    connect: "https://appwrite.io/discord",
    getInspired: "https://builtwith.appwrite.io",
  });
};
`,
};
