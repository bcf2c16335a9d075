-- wrk script: one xAPI statement per POST to <base>/statements, no id (the
-- LRS assigns one, so every request stores a new statement).
--   wrk -t2 -c16 -d10s --latency -s deploy/local/bench/ll_post.lua \
--     "$(deploy/local/learninglocker.sh url)/statements"
-- Authorization: env LL_AUTH_HEADER ("Authorization: ..." as printed by
-- `learninglocker.sh auth`), default the test repo's "Basic dGVzdDp0ZXN0".
-- wrk counts non-2xx answers itself ("Non-2xx or 3xx responses").
local auth = os.getenv("LL_AUTH_HEADER") or "Authorization: Basic dGVzdDp0ZXN0"
auth = auth:gsub("^[Aa]uthorization:%s*", "")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Experience-API-Version"] = "1.0.3"
wrk.headers["Authorization"] = auth
wrk.body = '{"actor":{"mbox":"mailto:a@example.com"},' ..
  '"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},' ..
  '"object":{"id":"http://example.com/a"}}'
