-- One fixed request, sent again and again.
-- wrk args (after --): METHOD PATH [BODY_FILE]
-- Headers come from wrk's -H flags (wrk.headers).

function init(args)
  local method, path, body = args[1], args[2], nil
  if args[3] ~= nil and args[3] ~= "" then
    local f = assert(io.open(args[3], "rb"))
    body = f:read("*a")
    f:close()
  end
  req = wrk.format(method, path, nil, body)
end

function request()
  return req
end
