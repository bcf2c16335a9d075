-- wrk script of the playback section of `make bench`
-- (deploy/local/benchtool/playback.go): many learners at once. Each line of
-- PB_LINES is "TOKEN PATH": a request GETs PATH with "Authorization: Bearer
-- TOKEN" ("-": no Authorization), the next line each time, so consecutive
-- requests are different learners' (their playback grants, or their own
-- signed manifests under /play/<token>/).
--
-- Each thread starts at its own place in the file and walks it in order.
-- Answers that are not 2xx are counted and printed after wrk's report with
-- the first one's body.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local reqs, pos = {}, 1
statuses, sample = {}, ""

function init(args)
  local file = assert(os.getenv("PB_LINES"), "PB_LINES is not set")
  for line in io.lines(file) do
    local token, path = string.match(line, "^(%S+) (%S+)$")
    if token then
      local headers = {}
      if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
      reqs[#reqs + 1] = wrk.format("GET", path, headers)
    end
  end
  assert(#reqs > 0, file .. " holds no line")
  math.randomseed(os.time() * 1000 + id)
  pos = math.random(#reqs)
end

function request()
  local r = reqs[pos]
  pos = pos % #reqs + 1
  return r
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (status < 200 or status > 299) and sample == "" then
    sample = string.sub(body or "", 1, 300)
  end
end

function done(summary, latency, requests)
  local all, bad, first = {}, false, ""
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses") or {}) do
      all[status] = (all[status] or 0) + n
      if status < 200 or status > 299 then bad = true end
    end
    if first == "" then first = t:get("sample") or "" end
  end
  if not bad then return end
  for status, n in pairs(all) do
    io.write(string.format("HTTP %d: %d answers\n", status, n))
  end
  io.write("first non-2xx answer: " .. first .. "\n")
end
