-- wrk script for every scenario: plays a request file written by run.py, in order, endlessly.
--
--   wrk -t2 -c16 -d10s --latency -s scenario.lua http://127.0.0.1:PORT -- REQUESTS_FILE TOKEN THREADS
--
-- Each line of REQUESTS_FILE is  METHOD <tab> PATH?QUERY <tab> BODY  (BODY empty for reads).  Every request
-- carries "Authorization: Bearer TOKEN"; requests with a body also "Content-Type: application/scim+json".
-- Requests are formatted once, in init(); each thread starts at its own offset (thread i of n at i/n of the
-- file) so that the threads do not send the same write at the same moment.  done() prints one line
-- "WRKJSON {...}" that run.py reads.

local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

local reqs = {}
local idx = 0

function init(args)
   local file, token, nthreads = args[1], args[2], tonumber(args[3]) or 1
   local read_headers = { ["Authorization"] = "Bearer " .. token, ["Accept"] = "application/scim+json" }
   local write_headers = {
      ["Authorization"] = "Bearer " .. token,
      ["Accept"] = "application/scim+json",
      ["Content-Type"] = "application/scim+json",
   }
   for line in io.lines(file) do
      local method, target, body = line:match("^(%u+)\t([^\t]*)\t(.*)$")
      if method ~= nil then
         if body ~= nil and #body > 0 then
            reqs[#reqs + 1] = wrk.format(method, target, write_headers, body)
         else
            reqs[#reqs + 1] = wrk.format(method, target, read_headers, nil)
         end
      end
   end
   if #reqs == 0 then
      error("no requests in " .. file)
   end
   idx = math.floor(#reqs * (tid or 0) / nthreads)
end

function request()
   idx = idx % #reqs + 1
   return reqs[idx]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
