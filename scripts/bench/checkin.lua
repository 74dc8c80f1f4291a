-- Replays pre-signed check-in requests (scripts/bench/checkin_load.py) through wrk. Each thread
-- takes every Nth request, so no nonce is sent twice; a thread stops when it runs out.
-- Usage: wrk -s checkin.lua URL -- REQUEST_FILE THREADS
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local all = file:read("*a")
  file:close()
  local threads = tonumber(args[2])
  requests = {}
  local index = 0
  for request in all:gmatch("([^%z]+)") do
    if index % threads == id then requests[#requests + 1] = request end
    index = index + 1
  end
  next_index = 0
  failures = 0
end

function request()
  next_index = next_index + 1
  if next_index > #requests then next_index = #requests end
  return requests[next_index]
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
  if next_index >= #requests then wrk.thread:stop() end
end
