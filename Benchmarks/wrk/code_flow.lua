-- The whole code flow as a front end drives it: /auth/authorization, /auth/authorization/issue, /auth/token.
-- Each connection walks the three steps in turn, so run it with as many threads as connections.
local prefix = "/api/" .. os.getenv("SERVICE")
local client, secret, token = os.getenv("CLIENT"), os.getenv("SECRET"), os.getenv("TOKEN")
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
local redirect = "https%3A%2F%2Fapp.example.com%2Fcb"
local step, ticket, code = "authorize", nil, nil

function request()
  if step == "authorize" then
    return wrk.format("POST", prefix .. "/auth/authorization", headers,
      '{"parameters":"response_type=code&client_id=' .. client .. '&redirect_uri=' .. redirect .. '&scope=openid&state=s&nonce=n"}')
  elseif step == "issue" then
    return wrk.format("POST", prefix .. "/auth/authorization/issue", headers,
      '{"ticket":"' .. ticket .. '","subject":"alice"}')
  else
    return wrk.format("POST", prefix .. "/auth/token", headers,
      '{"parameters":"grant_type=authorization_code&code=' .. code .. '&redirect_uri=' .. redirect ..
      '","clientId":"' .. client .. '","clientSecret":"' .. secret .. '"}')
  end
end

function response(status, response_headers, body)
  if step == "authorize" then
    ticket = body:match('"ticket":"([^"]+)"')
    step = ticket and "issue" or "authorize"
  elseif step == "issue" then
    code = body:match('"authorizationCode":"([^"]+)"')
    step = code and "token" or "authorize"
  else
    if not body:match('"action":"OK"') then error("token request failed: " .. body) end
    step = "authorize"
  end
end
