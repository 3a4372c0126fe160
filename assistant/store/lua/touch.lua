-- session id, now
touch(arg(1), arg(2))
