-- username, now
return stop_if_idle(arg(1), arg(2))
