-- runners: 1 when this process was not registered, else 0
return register(tonumber(arg(1)))
