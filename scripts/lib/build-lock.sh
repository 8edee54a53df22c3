# The Swift build lock, shared by scripts/test and scripts/test-embedding (sourced, not run): only one Swift build
# may run at a time on this machine. PODIUM_BUILD_LOCK names the lock file (default /tmp/podium-build.lock; empty
# means no lock). `swift_locked CMD...` runs CMD holding it, unless an ancestor process already holds it (someone
# ran `flock /tmp/podium-build.lock scripts/test`), where taking it again would deadlock.

LOCK="${PODIUM_BUILD_LOCK-/tmp/podium-build.lock}"

# True if the lock is already held by one of our ancestors (e.g. someone ran
# `flock /tmp/podium-build.lock scripts/test`); taking it again would deadlock.
lock_held_by_ancestor() {
    [[ -r /proc/locks && -e "$LOCK" ]] || return 1
    local inode holders=() line pid p
    inode="$(stat -c %i "$LOCK" 2>/dev/null)" || return 1
    # /proc/locks: "3: FLOCK  ADVISORY  WRITE 12345 08:01:678901 0 EOF" (waiters carry "->").
    while read -r line; do
        [[ "$line" == *FLOCK* && "$line" != *"->"* ]] || continue
        read -r _ _ _ _ pid devino _ <<<"$line"
        [[ "${devino##*:}" == "$inode" ]] && holders+=("$pid")
    done </proc/locks
    [[ ${#holders[@]} -gt 0 ]] || return 1
    p=$$
    while [[ -n "$p" && "$p" -gt 1 ]]; do
        for pid in "${holders[@]}"; do
            [[ "$pid" == "$p" ]] && return 0
        done
        p="$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null)" || return 1
    done
    return 1
}

swift_locked() {
    if [[ -z "$LOCK" ]] || ! command -v flock >/dev/null 2>&1 || lock_held_by_ancestor; then
        "$@"
        return
    fi
    if ! flock -n "$LOCK" true; then
        printf '\n==> waiting for the Swift build lock %s\n' "$LOCK" >&2
    fi
    flock -w 7200 "$LOCK" "$@"
}
