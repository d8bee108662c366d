// Avatars: the first request of each kind after the server starts (the render Worker's WASM instantiation and
// the font's first load are in it), then warm latencies, all sequential; and a short load run of icon renders
// that miss the cache (distinct sizes) against the floor's plain ping. BENCH_AVATARS_N (default 20) warm requests.
const N = Number(process.env.BENCH_AVATARS_N ?? 20);

export default async function (ctx) {
  const { projectId } = ctx.project;
  const get = async (p) => {
    const t0 = performance.now();
    const res = await fetch(`${ctx.api}/avatars${p}${p.includes("?") ? "&" : "?"}project=${projectId}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
    return performance.now() - t0;
  };
  ctx.row("first flag (render Worker cold)", { ms: await get("/flags/us?width=200&height=150") });
  ctx.row("first initials (font load)", { ms: await get("/initials?name=Bench%20User") });
  ctx.row("first QR", { ms: await get("/qr?text=bench") });
  for (const [label, path] of [
    ["flag 100×100 (cache miss)", (i) => `/flags/fr?width=${100 + i}&height=100`],
    ["flag (cache hit)", () => `/flags/fr?width=100&height=100`],
    ["initials 500×500", (i) => `/initials?name=User%20${i}`],
    ["QR 400×400", (i) => `/qr?text=bench-${i}`],
  ]) {
    const times = [];
    for (let i = 0; i < N; i++) times.push(await get(path(i)));
    times.sort((a, b) => a - b);
    ctx.row(label, { "p50 ms": times[Math.floor(N / 2)], "p90 ms": times[Math.floor(N * 0.9)] });
  }
}
