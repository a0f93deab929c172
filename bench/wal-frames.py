#!/usr/bin/env python3
"""Which tables and indexes an SQLite commit writes, from the WAL's frame headers.

    # under load, stop the server without a checkpoint and copy the file and its WAL:
    kill -9 $(pidof jiceng); mkdir snap && cp data/jiceng.db data/jiceng.db-wal snap/
    python3 bench/wal-frames.py snap/jiceng.db

Prints the frames (4 KB pages written to the WAL) per commit, in all and per b-tree
(pages mapped to their table or index with SQLite's dbstat). Only the frames of the
WAL's current generation count (salts as in its header).
"""
import collections
import sqlite3
import struct
import sys

db = sys.argv[1]
wal = open(db + "-wal", "rb").read()
_, _, page_size, _, salt1, salt2, _, _ = struct.unpack(">8I", wal[:32])
frames, off, size = [], 32, 24 + page_size
while off + size <= len(wal):
    page, commit, s1, s2 = struct.unpack(">4I", wal[off : off + 16])
    if (s1, s2) != (salt1, salt2):
        break
    frames.append((page, commit))
    off += size
commits = max(1, sum(1 for _, c in frames if c))
print(f"frames {len(frames)}, commits {commits}, frames a commit {len(frames) / commits:.1f}")
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
owner = {page: name for name, page in con.execute("SELECT name, pageno FROM dbstat")}
counts = collections.Counter(owner.get(p, "(free or new)") for p, _ in frames)
for name, n in counts.most_common(25):
    print(f"{name:36} {n / commits:6.1f} frames a commit")
