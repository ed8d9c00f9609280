#!/usr/bin/env python3
"""Split the incident corpus: two thirds development, one third held out.

Deterministic (seed 32, the files sorted by name): `python3 tests/incidents/split.py > tests/incidents/SPLIT`
reproduces the committed SPLIT. Rules are written against the `dev` incidents only; the `heldout`
ones are scored at the end.
"""
import pathlib
import random

here = pathlib.Path(__file__).parent
files = sorted(p.name for p in here.glob("[0-9][0-9][0-9]-*.yaml"))
rng = random.Random(32)
shuffled = files[:]
rng.shuffle(shuffled)
held = set(shuffled[: len(files) // 3])
for name in files:
    print(("heldout" if name in held else "dev") + " " + name)
