-- A request whose body (and path) carries a token unique to this run, thread and request:
-- PREFIX_tTHREAD_COUNTER, lower-case snake_case (valid as a v1 field name and as an
-- option value). The first occurrence of PLACEHOLDER in the body template is replaced.
-- wrk args (after --): METHOD PATH TEMPLATE_FILE PLACEHOLDER PREFIX

local thread_count = 0

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  method, path = args[1], args[2]
  local f = assert(io.open(args[3], "rb"))
  local template = f:read("*a")
  f:close()
  local first, last = template:find(args[4], 1, true)
  assert(first, "placeholder not found in the body template")
  head, tail = template:sub(1, first - 1), template:sub(last + 1)
  prefix = args[5] .. "_t" .. tostring(thread_id or 0) .. "_"
  counter = 0
end

function request()
  counter = counter + 1
  return wrk.format(method, path, nil, head .. prefix .. counter .. tail)
end
