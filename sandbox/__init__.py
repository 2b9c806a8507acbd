"""A local HTTP server that answers like Mastodon, Reddit, Hacker News, Bluesky and GitHub.

Each API lives under its own prefix and keeps the real paths after it:

    https://mastodon.social              -> http://127.0.0.1:PORT/mastodon
    https://oauth.reddit.com             -> http://127.0.0.1:PORT/reddit
    https://hacker-news.firebaseio.com   -> http://127.0.0.1:PORT/hn
    https://public.api.bsky.app          -> http://127.0.0.1:PORT/bsky
    https://api.github.com               -> http://127.0.0.1:PORT/github

and the token endpoints: Reddit's `/api/v1/access_token` under /reddit, Bluesky's
`com.atproto.server.createSession` and `refreshSession` under /bsky, and a generic OAuth2
client-credentials server at /oauth2/token; lifetimes come from the scenario's `auth`.

Data is synthetic, deterministic from a seed and a size, and rendered lazily. Rate limits
(published, with the real headers, and hidden, without them: fixed or sliding windows, token
buckets, caps on requests in flight) and faults (latency, errors, hangs, dropped connections,
outages, malformed bodies, repeating cursors) come from a scenario, set at start
(`--scenario FILE`, YAML or JSON) or at runtime (`PUT /_admin/scenario`):

    time_scale: 1.0          # divides every window (100: Mastodon's 300 s window lasts 3 s)
    limit_scale: 1.0         # multiplies every limit
    fault_seed: 0            # which requests fail is reproducible
    apis:
      "*": {...}             # defaults for every API
      mastodon:
        rate_limits: [{limit: 30, window: 3, scope: credential, anonymous_limit: 30}]
        hidden_limits: [{limit: 10, window: 1, scope: global, status: [429, 503]}]
        retry_after: false
        latency: {fixed: 0.05, jitter: 0.1}
        errors: {"500": 0.01, "502": 0.01, "503": 0.01}
        hang: {rate: 0.01, seconds: 30}
        drop: 0.01
        outages: [{start: 60, end: 90, status: 503}]
        malformed: {truncated: 0.01, html_200: 0.01, wrong_content_type: 0.01}
        cursor_repeat: 0.01

`sandbox.scenario` documents every key; `sandbox/README.md` lists the endpoints and the admin
routes. Start with `python -m sandbox --port 8780`, `sandbox.server.serve(...)`, or in a test
with `sandbox.server.BackgroundServer`; `sandbox.app.create_app(...)` is the ASGI app.
"""
