#!/usr/bin/env python3
"""Load generator for Central Command's evidence ingestion, over loopback HTTP with real
signatures and real requests (issue 3). Everything goes through the public API:

1. with a platform API key: create a partner, client and site, and one claim code per appliance;
2. enrol each simulated appliance with its own Ed25519 key (proof of possession);
3. seal each appliance's chain of vigil.evidence/v1 bundles (RFC 8785 canonical JSON, SHA-256
   chain, Ed25519 signatures) — before the clock starts;
4. timed: every appliance uploads its batches concurrently with signed requests
   (Vigil-Appliance / -Timestamp / -Nonce / -Signature), checking every receipt count.

Prints one JSON object: bundles, seconds, bundles_per_second, request latency p50/p99.
Talks to the URL given only (loopback in the benchmark script).
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import secrets
import statistics
import threading
import time
import urllib.parse

from nacl.signing import SigningKey


def canonical(value):
    # RFC 8785 for the values used here: ASCII keys, integers, plain strings.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def stamp(millis):
    seconds, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + ".%03dZ" % ms


CHECKS = [
    ("linux.ssh.permit_root_login", "high"), ("linux.ssh.password_authentication", "high"),
    ("linux.ssh.max_auth_tries", "medium"), ("linux.firewall.active", "high"),
    ("linux.audit.auditd_running", "high"), ("linux.audit.identity_rules", "medium"),
    ("linux.logging.syslog_running", "high"), ("linux.services.no_telnet", "high"),
    ("linux.patching.security_updates", "high"), ("linux.files.shadow_permissions", "high"),
    ("linux.files.sshd_config_permissions", "medium"), ("linux.files.world_writable_etc", "medium"),
    ("linux.accounts.uid0_only_root", "critical"), ("linux.accounts.password_max_days", "medium"),
    ("linux.mac.enforcing", "medium"), ("linux.network.listening_ports", "high"),
    ("linux.disk.free_space", "medium"), ("linux.time.sync_active", "medium"),
    ("linux.crypto.luks_volumes", "critical"), ("linux.antivirus.clamav", "high"),
    ("linux.backup.restic_age", "high"),
]


class Client:
    def __init__(self, url):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        assert self.host in ("127.0.0.1", "localhost", "::1"), "loopback only"
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def request(self, method, path, body=b"", headers=None):
        headers = dict(headers or {})
        if body:
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, data


def api(client, token, method, path, payload):
    status, data = client.request(method, path, json.dumps(payload).encode(), {"Authorization": "Bearer " + token})
    if status not in (200, 201):
        raise SystemExit("%s %s: %d %s" % (method, path, status, data[:300]))
    return json.loads(data)


def enrol(client, token, site_id):
    """Creates a claim code for the site and enrols a new key with proof of possession; returns
    the enrolment answer and the key."""
    code = api(client, token, "POST", "/api/v1/sites/%s/claim-codes" % site_id, {})["code"]
    key = SigningKey.generate()
    public = base64.b64encode(bytes(key.verify_key)).decode()
    timestamp = int(time.time())
    proof = key.sign(("vigil-enrol-v1\n%s\n%s\n%d\n" % (code, public, timestamp)).encode()).signature
    status, data = client.request("POST", "/api/v1/appliance/enrol", json.dumps({
        "claim_code": code, "public_key": public, "software_revision": "vigil load 1", "timestamp": timestamp,
        "proof": base64.b64encode(proof).decode()}).encode())
    if status != 201:
        raise SystemExit("enrol: %d %s" % (status, data[:300]))
    return json.loads(data), key


def seal_chain(appliance_id, site_id, key, count, records, start_ms):
    bundles, previous = [], "0" * 64
    for index in range(count):
        sequence = index + 1
        observed = start_ms + index * 300_000
        results = []
        for slot in range(records):
            check, severity = CHECKS[slot % len(CHECKS)]
            results.append({"check_id": check, "status": "pass", "severity": severity, "observed": "ok",
                            "expected": "ok", "controls": [{"framework": "hipaa", "control": "164.312(b)"}]})
        bundle = {
            "schema": "vigil.evidence/v1", "bundle_id": "bundle-%s-%d" % (appliance_id, sequence), "kind": "scan",
            "site_id": site_id, "host_id": "host-load-%d" % (index % 6), "appliance_id": appliance_id,
            "sequence": sequence, "prev_hash": previous, "observed_at": stamp(observed), "started_at": stamp(observed),
            "finished_at": stamp(observed + 1500), "software_revision": "vigil load 1", "deployment_mode": "direct",
            "controls": [{"framework": "hipaa", "control": "164.312(b)"}], "actions": [], "results": results,
            "outcome": "success",
        }
        data = canonical(bundle)
        previous = hashlib.sha256(data).hexdigest()
        bundles.append({"canonical_bytes": base64.b64encode(data).decode(),
                        "signature": base64.b64encode(key.sign(data).signature).decode()})
    return bundles


def signed_headers(appliance_id, key, method, path, body):
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    message = "vigil-request-v1\n%s\n%s\n%s\n%s\n%s\n" % (method, path, timestamp, nonce, hashlib.sha256(body).hexdigest())
    return {"Vigil-Appliance": appliance_id, "Vigil-Timestamp": timestamp, "Vigil-Nonce": nonce,
            "Vigil-Signature": base64.b64encode(key.sign(message.encode()).signature).decode()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--appliances", type=int, default=8)
    parser.add_argument("--bundles", type=int, default=2000, help="bundles per appliance")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--records", type=int, default=20)
    args = parser.parse_args()

    setup = Client(args.url)
    partner = api(setup, args.token, "POST", "/api/v1/partners", {"name": "Load MSP"})
    client = api(setup, args.token, "POST", "/api/v1/partners/%s/clients" % partner["id"], {"name": "Load Dental"})
    site = api(setup, args.token, "POST", "/api/v1/clients/%s/sites" % client["id"], {"name": "Main", "time_zone": "UTC"})
    appliances = []
    for _ in range(args.appliances):
        enrolled, key = enrol(setup, args.token, site["id"])
        appliances.append((enrolled["appliance_id"], key))

    start_ms = int(time.time() * 1000) - args.bundles * 300_000
    bodies = {}
    for appliance_id, key in appliances:
        chain = seal_chain(appliance_id, site["id"], key, args.bundles, args.records, start_ms)
        bodies[appliance_id] = [json.dumps({"bundles": chain[i:i + args.batch]}).encode()
                                for i in range(0, len(chain), args.batch)]

    latencies, failures, lock = [], [], threading.Lock()
    path = "/api/v1/appliance/evidence"

    def run(appliance_id, key):
        connection = Client(args.url)
        for body in bodies[appliance_id]:
            began = time.perf_counter()
            status, data = connection.request("POST", path, body, signed_headers(appliance_id, key, "POST", path, body))
            elapsed = time.perf_counter() - began
            result = json.loads(data) if status == 200 else None
            with lock:
                latencies.append(elapsed)
                if status != 200 or len(result["receipts"]) != body.count(b"canonical_bytes") or result["rejected"]:
                    failures.append((status, data[:200]))

    threads = [threading.Thread(target=run, args=pair) for pair in appliances]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if failures:
        raise SystemExit("failures: %d, first: %r" % (len(failures), failures[0]))
    total = args.appliances * args.bundles
    latencies.sort()
    print(json.dumps({
        "appliances": args.appliances, "bundles": total, "records_per_bundle": args.records, "batch": args.batch,
        "seconds": round(seconds, 3), "bundles_per_second": round(total / seconds, 1),
        "requests": len(latencies), "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1)}))


if __name__ == "__main__":
    main()
