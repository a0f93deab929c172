#!/usr/bin/env python3
"""A people import file of N residents (valid 18-digit ID numbers, 1–4 per household)
over the grid codes listed in GRIDS (one per line), for `jiceng import people`.

    sqlite3 data/jiceng.db "select code from org_units where kind='grid'" > grids.txt
    python3 bench/import/people-csv.py 1000000 grids.txt > people.csv
"""
import sys

n_rows, grids_file = int(sys.argv[1]), sys.argv[2]
grids = [l.strip() for l in open(grids_file) if l.strip()]
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"


def id_number(i):
    y = 1940 + (i // 1000) % 70
    m = 1 + (i // 70000) % 12
    d = 1 + (i // 840000) % 28
    body = f"150302{y:04d}{m:02d}{d:02d}{i % 1000:03d}"
    return body + C[sum(int(a) * b for a, b in zip(body, W)) % 11]


out = sys.stdout
out.write("grid_code,estate,building,unit,room,name,id_number\n")
n = i = 0
while n < n_rows:
    g = grids[i % len(grids)]
    k = i // len(grids)
    place = f"{g},合成小区{k % 4 + 1},{(k // 4) % 10 + 1}号楼,{(k // 40) % 3 + 1}单元,{(k // 120) % 60 + 1:02d}0{k % 3 + 1}"
    for _ in range((1, 2, 3, 3, 4)[i % 5]):
        out.write(f"{place},居民{n},{id_number(n * 7 + 3)}\n")
        n += 1
        if n >= n_rows:
            break
    i += 1
