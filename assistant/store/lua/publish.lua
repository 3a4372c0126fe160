-- username, recent events kept, the events' seqs (space-separated), the events (JSON, one a line:
-- JSON has no raw newline), the series points' minutes (`t`, space-separated), the points (JSON, one a
-- line), then state fields: 1, or 0 (nothing written) when this process does not hold the lease. Two
-- arguments for the whole batch, not two per event: much less to encode.
local username = arg(1)
if redis.call('GET', key('lease', username)) ~= ME then return 0 end
if arg(3) ~= '' then
  local log, seqs = key('log', username), string.gmatch(arg(3), '%d+')
  for event in string.gmatch(arg(4), '[^\n]+') do redis.call('XADD', log, seqs() .. '-0', 'e', event) end
  redis.call('XTRIM', log, 'MAXLEN', arg(2))
end
if arg(5) ~= '' then
  local series, minutes = key('series', username), string.gmatch(arg(5), '%d+')
  for point in string.gmatch(arg(6), '[^\n]+') do redis.call('HSET', series, minutes(), point) end
end
write_state(username, H + 7, #ARGV)
return 1
