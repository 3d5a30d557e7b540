// A control for `npm run soak:plain`: per request, one POST of `select 1` to the SQL-over-HTTP
// endpoint (as the Neon driver's neon() sends it, without the driver), and a 404; none of our code.
export default {
  async fetch(_request, env) {
    const answer = await fetch(env.DATABASE_HTTP_PROXY, {
      method: "POST",
      headers: {
        "Neon-Connection-String": env.DATABASE_URL,
        "Neon-Raw-Text-Output": "true",
        "Neon-Array-Mode": "true",
      },
      body: JSON.stringify({ query: "select 1", params: [] }),
    });
    await answer.json();
    return new Response("404 page not found\n", { status: 404 });
  },
};
