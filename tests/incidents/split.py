#!/usr/bin/env python3
"""Split the incident corpus: two thirds development, one third held out, batch by batch.

Deterministic: `python3 tests/incidents/split.py > tests/incidents/SPLIT` reproduces the
committed SPLIT. Each batch is split on its own, when it is added and before any rule is
written against it, so a new batch never moves an older incident from one part to the other:
the files 001-199 with seed 32, the files 200-299 with seed 29 (the files of a batch sorted by
name, shuffled, the first third held out). Rules are written against the `dev` incidents only;
the `heldout` ones are scored at the end.
"""
import pathlib
import random

here = pathlib.Path(__file__).parent
files = sorted(p.name for p in here.glob("[0-9][0-9][0-9]-*.yaml"))
BATCHES = [(0, 200, 32), (200, 300, 29)]
held = set()
for low, high, seed in BATCHES:
    batch = [f for f in files if low <= int(f[:3]) < high]
    rng = random.Random(seed)
    shuffled = batch[:]
    rng.shuffle(shuffled)
    held.update(shuffled[: len(batch) // 3])
for name in files:
    print(("heldout" if name in held else "dev") + " " + name)
