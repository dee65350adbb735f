#!/usr/bin/env python3
"""A zchat bot written from docs/PROTOCOL.md alone: joins #lobby, answers "!echo <text>" and
"!time", keeps its place in the room's feed across gaps and hub restarts, pings every
ttlMs / 4, and resends what the hub has not acknowledged, backing off.

    ZCHAT_HOST=127.0.0.1 ZCHAT_SUB=5555 ZCHAT_PUB=5556 BOT_NICK=echobot python3 echo-bot.py
"""
import json, os, secrets, sys, time, zmq

HOST, SUB, PUB = os.environ.get("ZCHAT_HOST", "127.0.0.1"), os.environ.get("ZCHAT_SUB", "5555"), os.environ.get("ZCHAT_PUB", "5556")
NICK, ROOM = os.environ.get("BOT_NICK", "echobot"), "lobby"

ctx = zmq.Context()
feed = ctx.socket(zmq.SUB)
feed.connect(f"tcp://{HOST}:{PUB}")
feed.setsockopt_string(zmq.SUBSCRIBE, f"#{ROOM}:")           # 1. subscribe first
cmd = ctx.socket(zmq.DEALER)
cmd.connect(f"tcp://{HOST}:{SUB}")

session = secrets.token_urlsafe(18)                           # our session secret
me = NICK                                                     # our nick: the welcome's (a resume keeps the session's)
epoch, last_seq, buffered = None, None, {}                    # our place in the room's feed
ping_every, last_sent, asked = 2.5, 0.0, 0.0                  # ttlMs / 4 once welcomed; when we last asked for history
next_id, unacked = 0, {}                                      # id -> {"msg", "due", "tries"}

def send(obj):
    global last_sent
    cmd.send_string(json.dumps(obj))
    last_sent = time.time()

def hello():
    send({"type": "hello", "id": "hello", "v": 1, "nick": NICK, "session": session, "rooms": [ROOM], "client": "echo-bot.py/2"})

def say(text):
    global next_id
    next_id += 1
    msg = {"type": "say", "id": f"m{next_id}", "room": ROOM, "text": text}
    unacked[msg["id"]] = {"msg": msg, "due": 0, "tries": 0}  # due now

def send_due(now):                                            # send what is due; resend late ones, same id
    for entry in unacked.values():
        if entry["due"] <= now:
            send(entry["msg"])
            entry["due"] = now + min(30, 3 * 2 ** entry["tries"])   # wait 3 s, then 6, 12 … up to 30
            entry["tries"] += 1

def catch_up():                                               # ask for what follows last_seq, one question at a time
    global asked
    if time.time() - asked > 5:
        asked = time.time()
        send({"type": "history", "id": "catch-up", "room": ROOM, "after": last_seq, "limit": 500})

def react(e):
    if e["type"] == "message" and e["from"] != me:
        if e["text"].startswith("!echo "):
            say(e["text"][len("!echo "):])
        elif e["text"] == "!time":
            say(time.strftime("%H:%M:%S"))

def on_event(e):                                              # 4. events in seq order
    global last_seq
    if e.get("epoch") != epoch or last_seq is None or e["seq"] <= last_seq:
        return
    if e["seq"] > last_seq + 1:                               # a gap: keep it, ask for what is missing
        buffered[e["seq"]] = e
        catch_up()
        return
    while e:
        last_seq = e["seq"]
        react(e)
        e = buffered.pop(last_seq + 1, None)

def on_history(r):
    global last_seq, asked
    asked = 0.0
    events = [e for e in r["events"] if e["seq"] > last_seq]
    if events and events[0]["seq"] > last_seq + 1:           # 6. older than the hub keeps: gone for good
        print(f"{events[0]['seq'] - last_seq - 1} events of #{ROOM} are gone", file=sys.stderr)
        last_seq = events[0]["seq"] - 1
        for seq in [s for s in buffered if s <= last_seq]:
            del buffered[seq]
    for e in events:
        on_event(e)
    if events and (r["more"] or buffered):                   # more after this page: ask again
        catch_up()

def on_reply(r):
    global epoch, last_seq, me, ping_every
    t = r["type"]
    if t == "welcome":                                        # 2. the room's seq, before our own join
        me, ping_every = r["nick"], r["ttlMs"] / 4000
        if r["epoch"] != epoch:                               # first welcome, or the hub's data is new
            epoch, last_seq = r["epoch"], None
            buffered.clear()
        room = next(x for x in r["rooms"] if x["room"] == ROOM)
        if last_seq is None:
            last_seq = room["seq"]                            # 3. no history wanted: start here
        elif room["seq"] > last_seq:
            catch_up()
        for entry in unacked.values():                        # what is not acked goes again, now
            entry["due"] = 0
    elif t == "ack":
        unacked.pop(r["re"], None)
    elif t == "history" and r.get("re") == "catch-up" and r["epoch"] == epoch and last_seq is not None:
        on_history(r)
    elif t == "pong":
        if not r["session"]:
            hello()
        elif last_seq is not None and r["heads"].get(ROOM, 0) > last_seq:
            catch_up()                                        # 5. the feed's tail went missing
    elif t == "notice":
        if r["code"] in ("kicked", "banned", "revoked"):
            sys.exit(f"removed from the hub: {r['message']}")
        if r["code"] == "session_ended":
            hello()
    elif t == "error":
        entry = unacked.get(r.get("re"))
        if r["code"] == "no_session":
            hello()
        elif r["code"] == "nick_taken" and epoch is None:
            sys.exit(f"nick taken: {r['message']}")
        elif entry and r["code"] in ("rate_limited", "storage_failed"):
            entry["due"] = time.time() + r.get("retryAfterMs", 1000) / 1000   # not stored: again, later
        elif entry:
            del unacked[r["re"]]                              # refused for good
        print("error:", r["message"], file=sys.stderr)

hello()
poller = zmq.Poller()
poller.register(cmd, zmq.POLLIN)
poller.register(feed, zmq.POLLIN)
while True:
    for sock, _ in poller.poll(100):
        frames = sock.recv_multipart()
        if sock is cmd:
            for f in frames:
                on_reply(json.loads(f))
        else:
            for f in frames[1:]:                              # frames[0] is the topic
                on_event(json.loads(f))
    now = time.time()
    if now - last_sent > ping_every:                          # stay alive: something every ttlMs / 4
        send({"type": "ping", "id": "ping"})
    send_due(now)
