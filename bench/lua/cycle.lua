-- Requests taken in turn from a pre-generated file, one request per line:
-- PATH<TAB>BODY. Thread i of n takes lines i, i+n, i+2n, ...; past the end it starts
-- again (a write workload sized its file so that this does not happen; a repeat shows
-- up as non-2xx answers, which the report flags).
-- wrk args (after --): METHOD LINES_FILE THREADS

local thread_count = 0

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  method = args[1]
  local threads = tonumber(args[3])
  local mine = (thread_id or 0) % threads
  items, index = {}, 0
  local n = 0
  for line in io.lines(args[2]) do
    if n % threads == mine then
      local tab = line:find("\t", 1, true)
      items[#items + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
    end
    n = n + 1
  end
  assert(#items > 0, "no requests for this thread")
end

function request()
  index = index % #items + 1
  local item = items[index]
  return wrk.format(method, item[1], nil, item[2])
end
