#!/usr/bin/env python3
"""Split the incident corpus: in each batch two thirds development, one third held out.

Deterministic (files sorted by name): `python3 tests/incidents/split.py > tests/incidents/SPLIT`
reproduces the committed SPLIT. Each batch is split on its own, when it is added and before any
rule is written against it, so a new batch never moves an older incident from one part to the
other: the first (001-088) with seed 32 into `dev` and `heldout`; the second (089-199) with seed
8932 into `dev2` and `heldout2`; the third (200-299: what a pod inherits, Jobs, architectures)
with seed 29 into `dev3` and `heldout3`; the fourth (300-399, gathered after the first three
held-out parts were scored) with seed 4032 into `dev4` and `heldout4`; the fifth (400-499, gathered after the fourth held-out
part was scored, from threads none of the earlier batches used) with seed 5032 into `dev5` and
`heldout5`; the sixth (431-499, gathered after the fifth held-out part was scored, from threads
none of the earlier batches used) with seed 6032 into `dev6` and `heldout6`. Rules are written
against the development parts only;
the held-out parts are scored at the end.
"""
import pathlib
import random

here = pathlib.Path(__file__).parent
files = sorted(p.name for p in here.glob("[0-9][0-9][0-9]-*.yaml"))
BATCHES = [
    (1, 88, 32, ""),
    (89, 199, 8932, "2"),
    (200, 299, 29, "3"),
    (300, 399, 4032, "4"),
    (400, 430, 5032, "5"),
    (431, 499, 6032, "6"),
]
for first, last, seed, suffix in BATCHES:
    batch = [f for f in files if first <= int(f[:3]) <= last]
    rng = random.Random(seed)
    shuffled = batch[:]
    rng.shuffle(shuffled)
    held = set(shuffled[: len(batch) // 3])
    for name in batch:
        print(("heldout" if name in held else "dev") + suffix + " " + name)
