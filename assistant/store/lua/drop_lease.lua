-- username
release(arg(1))
