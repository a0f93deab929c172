#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md on this machine and writes the outputs to
# bench/results/. Needs a release build (cargo build --release -p jiceng), PostgreSQL on
# 127.0.0.1:5432 and, for the peer, bench/peer/django-helpdesk.sh serving on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/target/release/jiceng"
OUT="$PWD/bench/results"
mkdir -p "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
strip() { sed 's/\x1b\[[0-9;]*m//g' | grep -v " INFO \| WARN " || true; }

echo "== machine" | tee "$OUT/machine.txt"
{ nproc; grep MemTotal /proc/meminfo; uname -r; "$BIN" --version; } >> "$OUT/machine.txt"

echo "== demo load (scale 1, release)"
( cd "$W" && mkdir demo && cd demo && /usr/bin/time -v "$BIN" demo --no-serve 2>&1 | strip | grep -E "loaded|appeals|Elapsed|Maximum resident" ) | tee "$OUT/demo.txt"

echo "== kernels"
( cd "$W/demo" && "$BIN" bench kernels 2>&1 | strip ) | tee "$OUT/kernels.txt"

echo "== server memory at Haibowan scale"
( cd "$W/demo" && exec "$BIN" serve --listen 127.0.0.1:8150 >/dev/null 2>&1 ) &
sleep 2
pgrep -f "serve --listen 127.0.0.1:8150" | head -1 > "$W/pid"
"$BIN" --database "sqlite://$W/demo/data/jiceng.db" --key-file "$W/demo/data/data.key" bench load --url http://127.0.0.1:8150 --mix full --seconds 20 --concurrency 16 2>&1 | strip | grep -A10 "^## " > "$OUT/haibowan-load.txt" || true
grep -E "VmHWM|VmRSS" "/proc/$(cat "$W/pid")/status" | tee "$OUT/rss.txt"
kill "$(cat "$W/pid")" || true

echo "== megacity replay: a steady 6.1 k intakes/s for 60 s (SQLite, demo --scale 0.3, warm server)"
( cd "$W" && mkdir rp && cd rp && "$BIN" demo --scale 0.3 --no-serve >/dev/null 2>&1 && exec "$BIN" serve --listen 127.0.0.1:8151 >/dev/null 2>&1 ) &
for _ in $(seq 60); do curl -sf http://127.0.0.1:8151/healthz >/dev/null && break; sleep 1; done
"$BIN" --database "sqlite://$W/rp/data/jiceng.db" --key-file "$W/rp/data/data.key" bench load --url http://127.0.0.1:8151 --mix intake-api --rate 6100 --concurrency 256 --seconds 60 --warmup 5 2>&1 | strip | grep -v '^{' | tee "$OUT/replay-sqlite.txt" || true
pkill -f "serve --listen 127.0.0.1:8151" || true

echo "== SQLite: limit vs intake vs full mix"
( cd "$W" && mkdir sq && cd sq && "$BIN" bench compare --seconds 15 --concurrency 64 --scale 0.3 --rounds 3 2>&1 | strip ) > "$OUT/compare-sqlite.txt"
tail -8 "$OUT/compare-sqlite.txt"

echo "== PostgreSQL: limit vs intake vs full mix"
psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS jiceng_bench" -c "CREATE DATABASE jiceng_bench"
( cd "$W" && mkdir pg && cd pg && "$BIN" --database postgres://postgres@127.0.0.1:5432/jiceng_bench bench compare --seconds 15 --concurrency 64 --scale 0.3 --rounds 3 2>&1 | strip ) > "$OUT/compare-postgres.txt"
tail -8 "$OUT/compare-postgres.txt"

echo "== national division list import"
( cd "$W" && mkdir nat && cd nat && python3 - <<'PY'
rows = ["level,code,name,parent_code"]
for d in range(2600):
    dc = f"{110101 + d * 3:06d}"
    rows.append(f"district,{dc},区{d},{dc[:4]}")
    for st in range(1, 15):
        sc = f"{dc}{st:03d}"
        rows.append(f"street,{sc},街道{d}-{st},{dc}")
        for c in range(1, 17):
            rows.append(f"community,{sc}{c:03d},社区{d}-{st}-{c}居委会,{sc}")
open("national.csv", "w").write("\n".join(rows) + "\n")
PY
/usr/bin/time -v "$BIN" import divisions national.csv 2>&1 | strip | grep -E "divisions:|took|Elapsed|Maximum resident" ) | tee "$OUT/import-national.txt"

echo "== national division list import, PostgreSQL (a fresh database)"
psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS jiceng_bench_nat" -c "CREATE DATABASE jiceng_bench_nat"
( cd "$W/nat" && export JICENG_DATA_KEY="$(printf '%064x' 7)" && "$BIN" --database postgres://postgres@127.0.0.1:5432/jiceng_bench_nat migrate >/dev/null 2>&1 \
  && /usr/bin/time -v "$BIN" --database postgres://postgres@127.0.0.1:5432/jiceng_bench_nat import divisions national.csv 2>&1 | strip | grep -E "divisions:|took|Elapsed|Maximum resident" ) | tee "$OUT/import-national-postgres.txt"
psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS jiceng_bench_nat"

if curl -s -o /dev/null http://127.0.0.1:8000/api/tickets/; then
  echo "== peer: django-helpdesk"
  TOKEN=$(cd /tmp/jiceng-peer-helpdesk/helpdesksite && ../venv/bin/python manage.py shell -c "from rest_framework.authtoken.models import Token; print(Token.objects.first().key)" | tail -1)
  "$BIN" bench peer --url http://127.0.0.1:8000/api/tickets/ --auth-header "Token $TOKEN" --seconds 15 --concurrency 16 2>&1 | strip | grep -A6 "^## " | tee "$OUT/peer.txt"
fi
