-- cleanup due, then the creators this process may hold
for i = H + 2, #ARGV do release(ARGV[i]) end
detach_process(ME, arg(1))
redis.call('DEL', key('proc', ME))
redis.call('SREM', key('procs'), ME)
