// A control for `npm run soak:plain`: per request, one WebSocket to the PostgreSQL bridge, opened
// then closed (as the Neon driver's socket is), and a 404; no PostgreSQL session, none of our code.
export default {
  async fetch(_request, env) {
    const url = new URL(env.DATABASE_URL);
    const proxy = env.DATABASE_WS_PROXY.includes("/") ? env.DATABASE_WS_PROXY : `${env.DATABASE_WS_PROXY}/v1`;
    const ws = new WebSocket(`ws://${proxy}?address=${url.hostname}:${url.port || 5432}`);
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve);
      ws.addEventListener("error", reject);
    });
    const closed = new Promise((resolve) => ws.addEventListener("close", resolve));
    ws.close();
    await closed;
    return new Response("404 page not found\n", { status: 404 });
  },
};
