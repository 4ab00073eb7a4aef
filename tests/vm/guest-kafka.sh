#!/bin/bash
# tests/vm/guest-kafka.sh - VM boot "kafka" of `make test-vm` (tests/vm/run.sh): real
# capture delivered to Kafka (issue 10, docs/kafka.md). In the guest, librdkafka's mock
# cluster (build/tests/kafka_mock_cluster, as in tests/kafka/run.sh: no broker is
# packaged) listens on the loopback; the agent captures a keyboard and a PS/2 mouse
# replayed from the real recordings (evemu-record holds each node open, as a reader
# must, and is the reference) into a spool directory with --kafka-brokers; after it
# stopped (its shipper drains the rest), kcat consumes the topic.
# The checks (on the host) require: the topic holds exactly the spool's records, line
# for line, by (stream, seq) (duplicates allowed only as exact copies), seq without a
# gap; the events consumed equal evemu-record's; the final stats record was delivered
# and carries the shipper's counters; the status file and the metrics file showed them
# while the agent ran. An agent started with brokers that cannot be reached captures
# anyway: one outage warning, the events in its spool, exit 0. A second agent with
# --record intervals (issue 13) delivers to a topic of its own: interval records, no
# event, its topic equal to its spool, the presses and pointer distance as replayed.
#
# check: kafka-topic-equals-spool
# check: kafka-kbd-as-recorded
# check: kafka-mouse-as-recorded
# check: kafka-counters-visible
# check: kafka-unreachable-capture-goes-on
# check: kafka-intervals-only
. tests/vm/lib.sh

KBD=$RECORDINGS/kbd-lenovo-compact-usb.evemu
MOUSE_DESC=$RECORDINGS/mouse-ps2-generic.desc
MOUSE_EVENTS=$RECORDINGS/mouse-ps2-generic.events
MOCK=${MOCK:-$TOP/build/tests/kafka_mock_cluster}

# start_cluster: the mock cluster (3 brokers on 127.0.0.1), commands on fd 3; sets BOOT
start_cluster() {
  ip link set lo up 2>/dev/null || busybox ip link set lo up || return 1
  rm -f "$W/cmd" && mkfifo "$W/cmd"
  "$MOCK" < "$W/cmd" > "$W/mock.out" 2> "$W/mock.err" &
  MOCK_PID=$!
  exec 3> "$W/cmd"
  wait_for 60 "mock cluster" file_has "$W/mock.out" '^bootstrap' || { cat "$W/mock.err" >&2; return 1; }
  BOOT=$(awk '/^bootstrap/{print $2}' "$W/mock.out")
  log "mock cluster at $BOOT"
}

agent_start() {
  "$AGENT" --status-file "$W/k.status" --keys raw -o "$W/spool/" --stats-interval 1 \
    --metrics-file "$W/k.prom" --kafka-brokers "$BOOT" --kafka-option reconnect.backoff.max.ms=1000 \
    -d "$KBD1" -d "$MOUSE1" 2> "$W/k.err" &
  AGENT_PIDS[k]=$!
  await_agent k
}

# --record intervals beside it, into its own spool and topic
iv_start() {
  "$AGENT" --status-file "$W/iv.status" --record intervals --interval 1 -o "$W/ivspool/" \
    --kafka-brokers "$BOOT" --kafka-topic inputtrace-iv -d "$KBD1" -d "$MOUSE1" 2> "$W/iv.err" &
  AGENT_PIDS[iv]=$!
  await_agent iv
}

agent_stop() {
  local pid=${AGENT_PIDS[${1:-k}]} rc
  kill -INT "$pid" 2>/dev/null
  wait_for 60 "agent k to exit" proc_gone "$pid" || kill -KILL "$pid" 2>/dev/null
  wait "$pid"; rc=$?
  [ "$rc" -eq 0 ] || { log "agent ${1:-k} exited $rc"; cat "$W/${1:-k}.err" >&2; return 1; }
}

replay_kbd() {
  start_record "$1" "$2" || return 1
  evemu-play "$2" < "$3" || return 1
  evemu-event "$2" --type EV_KEY --code KEY_C --value 0 --sync || return 1
  finish_record "$1" "$2"
}

# the shipper has acknowledged something, as the status file says (refreshed each second)
delivered_some() { grep -Eq '^kafka_delivered_records=[1-9]' "$W/k.status" 2>/dev/null; }

# an agent whose brokers cannot be reached (nothing listens on port 9): capture starts,
# one warning, the spool grows; its exit status goes to u.rc
unreachable() {
  local pid
  "$AGENT" --status-file "$W/u.status" --keys raw -o "$W/uspool/" --kafka-brokers 127.0.0.1:9 \
    -d "$KBD1" 2> "$W/u.err" &
  pid=$!; AGENT_PIDS[u]=$pid
  await_agent u || return 1
  wait_for 30 "the outage warning" file_has "$W/u.err" 'kafka: outage' || return 1
  evemu-event "$KBD1" --type EV_KEY --code KEY_A --value 1 --sync &&
    evemu-event "$KBD1" --type EV_KEY --code KEY_A --value 0 --sync || return 1
  kill -INT "$pid"
  wait_for 60 "agent u to exit" proc_gone "$pid" || kill -KILL "$pid"
  wait "$pid"; echo $? > "$W/u.rc"
}

consume() {
  timeout 120 kcat -C -b "$BOOT" -t inputtrace -o beginning -e -q -f '%s' > "$W/kafka.jsonl" 2> "$W/kcat.err"
  timeout 120 kcat -C -b "$BOOT" -t inputtrace-iv -o beginning -e -q -f '%s' > "$W/kafka-iv.jsonl" 2>> "$W/kcat.err"
}

capture() {
  awk '/^E:/ { if (!t0) t0 = $2; if ($2 - t0 > 5) exit; print }' "$MOUSE_EVENTS" |
    awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] !~ / 0000 0000 /) n--; for (i = 1; i <= n; i++) print l[i] }' \
    > "$W/mouse.events"
  setup mock-cluster start_cluster || { save_vars; return; }
  setup kbd1-device create_device kbd1 "$KBD"; KBD1=$NODE KBD1_SYS=$SYSNAME
  setup mouse1-device create_device mouse1 "$MOUSE_DESC"; MOUSE1=$NODE MOUSE1_SYS=$SYSNAME
  setup agent-kafka agent_start
  setup agent-kafka-iv iv_start
  setup replay-kbd1 replay_kbd kbd1 "$KBD1" "$KBD"
  setup replay-mouse1 replay mouse1 "$MOUSE1" "$W/mouse.events"
  setup kafka-delivering wait_for 60 "delivery" delivered_some
  cp "$W/k.status" "$W/k.status.running"
  cp "$W/k.prom" "$W/k.prom.running" 2>/dev/null
  setup stop-kafka agent_stop
  setup stop-kafka-iv agent_stop iv
  setup consume consume
  setup unreachable unreachable
  echo quit >&3; exec 3>&-
  wait_for 10 "mock cluster to exit" proc_gone "$MOCK_PID" || kill "$MOCK_PID" 2>/dev/null
  ls -la "$W/spool" >&2
  save_vars KBD1_SYS MOUSE1_SYS
}

# the topic's records, one per (stream, seq), in seq order (kafka.dedup.jsonl), equal to
# the spool's; duplicates only as exact copies; no gap
topic_equals_spool() {
  python3 - "$W" "${1:-spool}" "${2:-kafka}" <<'PY'
import glob, json, os, sys
w, spool_dir, topic_name = sys.argv[1:4]
def by_seq(lines, what):
    d, dups = {}, 0
    for l in lines:
        r = json.loads(l)
        k = (r["stream"], r["seq"])
        if k in d:
            assert d[k] == l, f"{what}: {k} twice, different: {d[k]!r} {l!r}"
            dups += 1
        d[k] = l
    return d, dups
spool = []
for p in sorted(glob.glob(os.path.join(w, spool_dir, "inputtrace-*.jsonl"))):
    spool += open(p).read().splitlines()
topic = open(os.path.join(w, topic_name + ".jsonl")).read().splitlines()
s, sd = by_seq(spool, "spool")
t, td = by_seq(topic, "topic")
assert sd == 0, f"the spool has {sd} repeated seqs"
assert len({k[0] for k in s}) == 1, "one stream"
seqs = sorted(k[1] for k in s)
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "seq has a gap in the spool"
missing = sorted(set(s) - set(t)); extra = sorted(set(t) - set(s))
assert not missing and not extra, f"missing from the topic {missing[:5]} ({len(missing)}), extra {extra[:5]}"
for k in s:
    assert s[k] == t[k], (k, s[k], t[k])
recs = [json.loads(t[k]) for k in sorted(t, key=lambda k: k[1])]
assert recs[0]["record"] == "header" and recs[-1]["record"] == "stats", (recs[0], recs[-1])
with open(os.path.join(w, topic_name + ".dedup.jsonl"), "w") as f:
    f.writelines(t[k] + "\n" for k in sorted(t, key=lambda k: k[1]))
ev = sum(r["record"] == "event" for r in recs)
print(f"topic = spool: {len(s)} records (seq {seqs[0]}-{seqs[-1]}, {ev} events), {td} duplicates in the topic")
PY
}

counters_visible() {
  python3 - "$W" <<'PY'
import json, os, sys
w = sys.argv[1]
st = [json.loads(l) for l in open(os.path.join(w, "kafka.dedup.jsonl")) if '"record":"stats"' in l]
k = st[-1]["kafka"]
# the final stats record is written before the shipper's last drain: it counts what
# was acknowledged until then, which is at least what the earlier stats records said
assert k["delivered_records"] > 0 and k["delivered_records"] >= st[0]["kafka"]["delivered_records"], k
assert k["lost_records"] == 0 and k["too_large_records"] == 0, k
status = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(w, "k.status.running")) if "=" in l and not l.startswith("#"))
assert int(status["kafka_delivered_records"]) > 0 and status["kafka_outage"] == "no", status
prom = open(os.path.join(w, "k.prom.running")).read()
assert "inputtrace_kafka_delivered_records" in prom, prom[-500:]
print(f"stats kafka: {k}; status delivered {status['kafka_delivered_records']}")
PY
}

unreachable_ok() {
  local rc
  rc=$(cat "$W/u.rc" 2>/dev/null)
  [ "$rc" = 0 ] || { log "exit ${rc:-none}"; cat "$W/u.err" >&2; return 1; }
  [ "$(grep -c 'kafka: outage' "$W/u.err")" = 1 ] || { log "not one outage line"; cat "$W/u.err" >&2; return 1; }
  grep -q '"code":"KEY_A","value":1' "$W"/uspool/inputtrace-*.jsonl || { log "KEY_A not in the spool"; return 1; }
  log "captured with brokers unreachable: $(grep 'kafka: outage' "$W/u.err")"
}

# the intervals agent's topic: its spool's records, interval records and no event, the
# keyboard's presses (Ctrl, C) and the mouse's motion as evemu-record read them
intervals_only() {
  topic_equals_spool ivspool kafka-iv || return 1
  python3 - "$W" "$KBD1_SYS" "$MOUSE1_SYS" <<'PY'
import json, os, sys
w, kbd, mouse = sys.argv[1:4]
recs = [json.loads(l) for l in open(os.path.join(w, "kafka-iv.dedup.jsonl"))]
kinds = {r["record"] for r in recs}
assert "event" not in kinds and "interval" in kinds, kinds
assert recs[0]["settings"]["record_mode"] == "intervals", recs[0]["settings"]
dev = {r["sysname"]: r["dev"] for r in recs if r["record"] == "device"}
def presses(f, code):
    return sum(1 for l in open(os.path.join(w, f)) if l.startswith("E:") and l.split()[2] == "0001"
               and l.split()[4] == "0001" and code(int(l.split()[3], 16)))
want_keys = presses("kbd1.evemu", lambda c: c < 0x100)
# the length of each frame's REL_X/REL_Y motion, summed (docs/features.md)
want_dist, dx, dy = 0.0, 0, 0
for l in open(os.path.join(w, "mouse1.evemu")):
    f = l.split()
    if not l.startswith("E:"):
        continue
    t, c, v = f[2], int(f[3], 16), int(f[4])
    if t == "0002" and c in (0, 1):
        dx, dy = (dx + v, dy) if c == 0 else (dx, dy + v)
    elif t == "0000" and c == 0:
        want_dist += (dx * dx + dy * dy) ** 0.5
        dx = dy = 0
iv = [r for r in recs if r["record"] == "interval"]
got_keys = sum(r["presses"] for r in iv if r["dev"] == dev[kbd])
got_dist = sum(r["pointer_distance"] for r in iv if r["dev"] == dev[mouse])
assert got_keys == want_keys and want_keys, (got_keys, want_keys)
assert want_dist > 100 and abs(got_dist - want_dist) < 0.001 * len(iv), (got_dist, want_dist)
print(f"topic: {len(iv)} interval records, {got_keys} presses, pointer distance {got_dist:.3f} "
      f"as replayed ({want_dist:.3f})")
PY
}

checks() {
  load_vars
  check kafka-topic-equals-spool topic_equals_spool
  check kafka-kbd-as-recorded compare_streams "$W/kafka.dedup.jsonl" "$W/kbd1.evemu" --sysname "$KBD1_SYS"
  check kafka-mouse-as-recorded compare_streams "$W/kafka.dedup.jsonl" "$W/mouse1.evemu" --sysname "$MOUSE1_SYS"
  check kafka-counters-visible counters_visible
  check kafka-unreachable-capture-goes-on unreachable_ok
  check kafka-intervals-only intervals_only
}

case ${1:-capture} in
  capture) capture ;;
  check) checks ;;
esac
exit 0
