-- wrk script of the lrs section of `make bench` (deploy/local/benchtool/lrs.go):
-- every request is built from the lines of a file benchtool writes.
--
--   LRS_MODE=post  each line is one xAPI statement (JSON, no id): a request
--                  POSTs the next LRS_BATCH lines (1: the statement alone;
--                  more: a JSON array), so every request stores new
--                  statements (the LRS assigns their ids)
--   LRS_MODE=get   each line is a path with its query: a request GETs the
--                  next one
--   LRS_LINES      the file
--   LRS_AUTH       the Authorization header's value
--   LRS_VERSION    X-Experience-API-Version (default 2.0.0)
--
-- Each thread starts at its own place in the file and walks it in order.
-- The answers' statuses are counted, and printed after wrk's report when
-- one is not 2xx (with the first such answer's body): wrk itself only
-- counts them ("Non-2xx or 3xx responses").
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local lines, pos, batch, mode = {}, 1, 1, "post"
statuses, sample = {}, ""

function init(args)
  mode = os.getenv("LRS_MODE") or "post"
  batch = tonumber(os.getenv("LRS_BATCH") or "1")
  local file = assert(os.getenv("LRS_LINES"), "LRS_LINES is not set")
  for line in io.lines(file) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  assert(#lines > 0, file .. " holds no line")
  math.randomseed(os.time() * 1000 + id)
  pos = math.random(#lines)
  wrk.headers["Authorization"] = assert(os.getenv("LRS_AUTH"), "LRS_AUTH is not set")
  wrk.headers["X-Experience-API-Version"] = os.getenv("LRS_VERSION") or "2.0.0"
  if mode == "post" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

local function nextLine()
  local l = lines[pos]
  pos = pos % #lines + 1
  return l
end

function request()
  if mode == "get" then
    return wrk.format("GET", nextLine())
  end
  if batch == 1 then
    return wrk.format(nil, nil, nil, nextLine())
  end
  local parts = {}
  for i = 1, batch do parts[i] = nextLine() end
  return wrk.format(nil, nil, nil, "[" .. table.concat(parts, ",") .. "]")
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
