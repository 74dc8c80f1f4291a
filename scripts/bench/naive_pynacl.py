#!/usr/bin/env python3
"""The bar to beat: Ed25519 over each bundle's bytes, checked one by one with libsodium
(PyNaCl), bytes already in memory, no chain, no canonical-form check, no Merkle tree.

Usage: naive_pynacl.py EVIDENCE_SET [PROCESSES]
Prints one JSON object: bundles, seconds (verification only), bundles_per_second.
"""
import json
import multiprocessing
import os
import sys
import time

from nacl.signing import VerifyKey

BUNDLES = []
KEY = None


def load(directory):
    global KEY
    pem = open(os.path.join(directory, "appliance.pub.pem")).read()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    import base64
    KEY = VerifyKey(base64.b64decode(body)[-32:])
    names = sorted(n for n in os.listdir(os.path.join(directory, "bundles")) if n.endswith(".json"))
    for name in names:
        stem = os.path.join(directory, "bundles", name[:-5])
        with open(stem + ".json", "rb") as f:
            message = f.read()
        with open(stem + ".sig", "rb") as f:
            signature = f.read()
        BUNDLES.append((message, signature))


def verify_range(bounds):
    start, end = bounds
    ok = 0
    for message, signature in BUNDLES[start:end]:
        KEY.verify(message, signature)  # raises BadSignatureError on failure
        ok += 1
    return ok


def main():
    directory = sys.argv[1]
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    load(directory)
    count = len(BUNDLES)
    step = (count + processes - 1) // processes
    ranges = [(i, min(i + step, count)) for i in range(0, count, step)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(verify_range, [(0, 1)] * processes)  # start the workers before timing
        start = time.perf_counter()
        verified = sum(pool.map(verify_range, ranges))
        seconds = time.perf_counter() - start
    assert verified == count
    print(json.dumps({"bundles": count, "processes": processes, "seconds": seconds,
                      "bundles_per_second": count / seconds}))


if __name__ == "__main__":
    main()
