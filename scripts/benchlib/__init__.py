"""The modules of scripts/bench (and the parts scripts/memory shares); scripts/bench's docstring documents them.

  common       repository path, logging, environment numbers, ports, CPU accounting, machine facts
  resp         the RESP client of Tests/e2e/resp_client.py (the one encoder) and resp_command
  servers      the servers the bench starts (always stopped by PID) and the release build
  rows         the workload rows (ROWS) and their groups
  settings     the PODIUM_BENCH_* variables and the binaries
  runner       redis-benchmark runs, the untimed setups and the alternating rounds
  leaderboard  the preloaded big board and the "players around me" client
  fanout       the Pub/Sub fan-out publisher and receivers
  persistence  appendonly per row, AOF and RDB load times, latency during BGREWRITEAOF and BGSAVE
  report       the Markdown report
  main         scripts/bench's main()
"""
