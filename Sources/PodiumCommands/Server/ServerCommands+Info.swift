import NIOCore
import PodiumKeyspace
import PodiumRESP

extension ServerCommands {
    /// The sections INFO prints with no argument (`default`), in Valkey's order.
    static let defaultSections = [
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats",
        "cluster", "keyspace",
    ]
    static let allSections = defaultSections + ["commandstats", "latencystats"]

    /// INFO [section [section ...]]
    static func info(_ ctx: inout CommandContext) throws(CommandError) {
        var wanted: [String] = []
        if ctx.argc == 1 {
            wanted = defaultSections
        } else {
            for j in 1..<ctx.argc {
                switch ctx.lowercased(j) {
                case "all", "everything": wanted = allSections
                case "default": wanted += defaultSections
                case let s: wanted.append(s)
                }
            }
        }
        // The server's figures once per INFO (the OS figures in them were sampled outside the command lock).
        let info = ctx.server?.info ?? ServerInfo()
        var seen = Set<String>()
        var text = ""
        for section in wanted where !seen.contains(section) {
            seen.insert(section)
            if let body = infoSection(ctx, section, info) {
                if !text.isEmpty { text += "\r\n" }
                text += body
            }
        }
        ctx.reply.verbatim(text)
    }

    static func infoSection(_ ctx: CommandContext, _ section: String, _ info: ServerInfo) -> String? {
        let keyspace = ctx.keyspace
        var lines: [String] = []
        func add(_ k: String, _ v: Any) { lines.append("\(k):\(v)") }
        let nowUs = SystemClock.nowMicroseconds()
        let uptime = info.startTimeMicros > 0 ? (nowUs - info.startTimeMicros) / 1_000_000 : 0
        switch section {
        case "server":
            lines.append("# Server")
            add("redis_version", info.version)
            add("redis_git_sha1", "00000000")
            add("redis_git_dirty", 0)
            add("redis_build_id", "0")
            add("redis_mode", "standalone")
            add("podium_version", "0.1.0")
            add("os", info.osName)
            add("arch_bits", 64)
            add("monotonic_clock", "POSIX clock_gettime")
            add("multiplexing_api", "epoll")
            add("process_id", info.processID)
            add("process_supervised", "no")
            add("run_id", info.runID)
            add("tcp_port", info.tcpPort)
            add("server_time_usec", nowUs)
            add("uptime_in_seconds", uptime)
            add("uptime_in_days", uptime / 86400)
            add("hz", info.hz)
            add("configured_hz", info.hz)
            add("lru_clock", Int(keyspace.nowSeconds) & ((1 << 24) - 1))
            add("executable", info.executable)
            add("config_file", info.configFile)
            add("io_threads_active", info.eventLoops > 1 ? 1 : 0)
        case "clients":
            lines.append("# Clients")
            add("connected_clients", info.connectedClients)
            add("cluster_connections", 0)
            add("maxclients", info.maxClients)
            add("client_recent_max_input_buffer", 0)
            add("client_recent_max_output_buffer", 0)
            add("blocked_clients", ctx.dispatcher.blockedClientCount)
            add("tracking_clients", 0)
            add("clients_in_timeout_table", ctx.dispatcher.blockedWithTimeoutCount)
            add("total_blocking_keys", ctx.keyspace.blockingKeys.count)
            add("total_blocking_keys_on_nokey", 0)
        case "memory":
            lines.append("# Memory")
            let rss = info.usedMemoryRSS
            let used = info.usedMemory > 0 ? info.usedMemory : rss
            add("used_memory", used)
            add("used_memory_human", human(used))
            add("used_memory_rss", rss)
            add("used_memory_rss_human", human(rss))
            add("used_memory_peak", info.peakMemoryRSS)
            add("used_memory_peak_human", human(info.peakMemoryRSS))
            add("used_memory_peak_perc", "100.00%")
            add("used_memory_dataset", used)
            // Valkey 8's scripting figures (EVAL's interpreter and script cache).
            let scripts = ctx.dispatcher.scripting?.figures ?? ScriptingFigures()
            add("used_memory_lua", scripts.interpreterMemory)
            add("used_memory_vm_eval", scripts.interpreterMemory)
            add("used_memory_lua_human", human(scripts.interpreterMemory))
            add("used_memory_scripts_eval", scripts.scriptsMemory)
            add("number_of_cached_scripts", scripts.cachedScripts)
            add("number_of_functions", scripts.functions)
            add("number_of_libraries", scripts.libraries)
            add("used_memory_vm_functions", scripts.functionsInterpreterMemory)
            let vmTotal = scripts.interpreterMemory + scripts.functionsInterpreterMemory
            add("used_memory_vm_total", vmTotal)
            add("used_memory_vm_total_human", human(vmTotal))
            add("used_memory_functions", scripts.functionsMemory)
            add("used_memory_scripts", scripts.scriptsMemory + scripts.functionsMemory)
            add("used_memory_scripts_human", human(scripts.scriptsMemory + scripts.functionsMemory))
            add("total_system_memory", info.totalSystemMemory)
            add("total_system_memory_human", human(info.totalSystemMemory))
            let maxmemory = Int(ctx.server?.configValue("maxmemory") ?? "0") ?? 0
            add("maxmemory", maxmemory)
            add("maxmemory_human", human(maxmemory))
            add("maxmemory_policy", ctx.server?.configValue("maxmemory-policy") ?? "noeviction")
            add("mem_fragmentation_ratio", format2(used > 0 ? Double(rss) / Double(used) : 1))
            add("mem_allocator", "libc")
            add("lazyfree_pending_objects", 0)
        case "persistence":
            let p = info.persistence
            lines.append("# Persistence")
            add("loading", p.loading == nil ? 0 : 1)
            add("async_loading", 0)
            add("current_cow_peak", 0)
            add("current_cow_size", 0)
            add("current_cow_size_age", 0)
            add("current_fork_perc", "0.00")
            add("current_save_keys_processed", p.rdb.keysProcessed)
            add("current_save_keys_total", p.rdb.keysTotal)
            add("rdb_changes_since_last_save", keyspace.dirty)
            add("rdb_bgsave_in_progress", p.rdb.job.inProgress ? 1 : 0)
            add("rdb_last_save_time", p.rdb.lastSaveTime)
            add("rdb_last_bgsave_status", p.rdb.job.lastOK ? "ok" : "err")
            add("rdb_last_bgsave_time_sec", p.rdb.job.lastSeconds)
            add("rdb_current_bgsave_time_sec", p.rdb.job.currentSeconds)
            add("rdb_saves", p.rdb.job.started)
            add("rdb_last_cow_size", 0)
            add("rdb_last_load_keys_expired", p.rdb.lastLoadKeysExpired)
            add("rdb_last_load_keys_loaded", p.rdb.lastLoadKeysLoaded)
            add("aof_enabled", p.aofEnabled ? 1 : 0)
            add("aof_rewrite_in_progress", p.rewrite.inProgress ? 1 : 0)
            add("aof_rewrite_scheduled", p.rewriteScheduled ? 1 : 0)
            add("aof_last_rewrite_time_sec", p.rewrite.lastSeconds)
            add("aof_current_rewrite_time_sec", p.rewrite.currentSeconds)
            add("aof_last_bgrewrite_status", p.rewrite.lastOK ? "ok" : "err")
            add("aof_rewrites", p.rewrite.started)
            add("aof_rewrites_consecutive_failures", p.rewrite.consecutiveFailures)
            add("aof_last_write_status", p.lastWriteOK ? "ok" : "err")
            add("aof_last_cow_size", 0)
            add("module_fork_in_progress", 0)
            add("module_fork_last_cow_size", 0)
            if p.aofEnabled {
                add("aof_current_size", p.currentSize)
                add("aof_base_size", p.baseSize)
                add("aof_pending_rewrite", p.rewriteScheduled ? 1 : 0)
                add("aof_buffer_length", p.bufferLength)
                add("aof_pending_bio_fsync", p.pendingFsync)
                add("aof_delayed_fsync", p.delayedFsync)
            }
            if let loading = p.loading {
                // Valkey's figures: percentage of the bytes read, and an ETA from the rate so far.
                let elapsed = max(0, Int64(SystemClock.nowMicroseconds() / 1_000_000) - loading.startTime)
                let remaining = max(1, loading.totalBytes - loading.loadedBytes)
                let perc = loading.totalBytes > 0 ? Double(loading.loadedBytes) / Double(loading.totalBytes) * 100 : 0
                add("loading_start_time", loading.startTime)
                add("loading_total_bytes", loading.totalBytes)
                add("loading_rdb_used_mem", 0)
                add("loading_loaded_bytes", loading.loadedBytes)
                add("loading_loaded_perc", String(format2(perc)))
                add("loading_eta_seconds", elapsed == 0 ? 1 : Int(elapsed) * remaining / (loading.loadedBytes + 1))
            }
        case "stats":
            lines.append("# Stats")
            add("total_connections_received", info.totalConnectionsReceived)
            add("total_commands_processed", ctx.dispatcher.totalCommands)
            add("instantaneous_ops_per_sec", 0)
            add("total_net_input_bytes", info.netInputBytes)
            add("total_net_output_bytes", info.netOutputBytes)
            add("rejected_connections", info.rejectedConnections)
            add("client_output_buffer_limit_disconnections", info.outputBufferLimitDisconnections)
            add("expired_keys", keyspace.stats.expiredKeys)
            add("expired_fields", keyspace.stats.expiredFields)
            add("expired_stale_perc", String(format2(keyspace.stats.expiredStalePercentage)))
            add("evicted_keys", info.evictedKeys)
            add("evicted_scripts", ctx.dispatcher.scripting?.figures.evictedScripts ?? 0)
            add("keyspace_hits", keyspace.stats.keyspaceHits)
            add("keyspace_misses", keyspace.stats.keyspaceMisses)
            add("pubsub_channels", info.pubsubChannels)
            add("pubsub_patterns", info.pubsubPatterns)
            add("pubsubshard_channels", info.pubsubShardChannels)
            add("total_error_replies", ctx.dispatcher.totalErrorReplies)
            add("unexpected_error_replies", 0)
            // Valkey 8 / Redis 7.2: denials by reason (ACL LOG keeps the details).
            let acl = ctx.dispatcher.acl
            add("acl_access_denied_auth", acl.deniedAuth)
            add("acl_access_denied_cmd", acl.deniedCommand)
            add("acl_access_denied_key", acl.deniedKey)
            add("acl_access_denied_channel", acl.deniedChannel)
        case "replication":
            lines.append("# Replication")
            add("role", "master")
            add("connected_slaves", 0)
            add("master_failover_state", "no-failover")
            add("master_replid", info.runID)
            add("master_replid2", String(repeating: "0", count: 40))
            add("master_repl_offset", 0)
            add("second_repl_offset", -1)
            add("repl_backlog_active", 0)
            add("repl_backlog_size", 1_048_576)
            add("repl_backlog_first_byte_offset", 0)
            add("repl_backlog_histlen", 0)
        case "cpu":
            lines.append("# CPU")
            add("used_cpu_sys", seconds(micros: info.cpuSystemMicros))
            add("used_cpu_user", seconds(micros: info.cpuUserMicros))
            add("used_cpu_sys_children", "0.000000")
            add("used_cpu_user_children", "0.000000")
        case "modules":
            lines.append("# Modules")
        case "errorstats":
            lines.append("# Errorstats")
            for (code, count) in ctx.dispatcher.errorCounts.sorted(by: { $0.key < $1.key }) {
                add("errorstat_\(code)", "count=\(count)")
            }
        case "cluster":
            lines.append("# Cluster")
            add("cluster_enabled", ctx.dispatcher.cluster != nil ? 1 : 0)
        case "keyspace":
            lines.append("# Keyspace")
            for db in keyspace.databases where db.count > 0 {
                lines.append("db\(db.id):keys=\(db.count),expires=\(db.volatileCount),avg_ttl=0")
            }
        case "commandstats":
            lines.append("# Commandstats")
            func visit(_ spec: CommandSpec) {
                let s = ctx.dispatcher.stats[spec.statsIndex]
                if s.calls > 0 || s.rejectedCalls > 0 || s.failedCalls > 0 {
                    let perCall = s.calls > 0 ? Double(s.nanoseconds) / 1000 / Double(s.calls) : 0
                    add(
                        "cmdstat_\(spec.name)",
                        "calls=\(s.calls),usec=\(s.nanoseconds / 1000),usec_per_call=\(format2(perCall)),rejected_calls=\(s.rejectedCalls),failed_calls=\(s.failedCalls)"
                    )
                }
                for sub in spec.subcommandList { visit(sub) }
            }
            for spec in ctx.dispatcher.table.commands { visit(spec) }
        case "latencystats":
            lines.append("# Latencystats")
        default:
            return nil
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func format2(_ value: Double) -> String {
        let scaled = (value * 100).rounded()
        let whole = Int(scaled) / 100
        let frac = abs(Int(scaled) % 100)
        return "\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// `12.345678`: seconds with six decimals, as Valkey prints CPU time.
    static func seconds(micros: Int) -> String {
        let frac = String(micros % 1_000_000)
        return "\(micros / 1_000_000).\(String(repeating: "0", count: max(0, 6 - frac.count)))\(frac)"
    }

    static func human(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b < 1024 { return "\(bytes)B" }
        if b < 1024 * 1024 { return format2(b / 1024) + "K" }
        if b < 1024 * 1024 * 1024 { return format2(b / 1024 / 1024) + "M" }
        return format2(b / 1024 / 1024 / 1024) + "G"
    }
}
