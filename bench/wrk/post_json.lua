-- wrk script: POST /json with a 1 KiB (1024-byte) JSON body.
-- Usage: wrk -s bench/wrk/post_json.lua http://127.0.0.1:PORT/json
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- {"pad":"xxx...x"}: 8 + 1014 + 2 = 1024 bytes
wrk.body = '{"pad":"' .. string.rep("x", 1014) .. '"}'
