#!/usr/bin/env python3
"""Prepares a check-in benchmark for `vigil central` (issue 3), over loopback HTTP with real
enrolment and real signatures. Everything goes through the public API:

1. with a platform API key: a partner and client, one site per appliance (a practice has one
   appliance), six hosts with sealed credentials per site, one claim code per appliance;
2. enrol each appliance with its own Ed25519 key (proof of possession), and give each one
   pending signed order;
3. check in once per appliance and verify the answer (the order's Ed25519 signature with the
   server key, the targets and their credentials);
4. write REQUESTS pre-signed check-in requests (fresh nonce each, timestamps now) to a file
   that scripts/bench/checkin.lua replays through wrk, round-robin over the appliances. Signing
   happens before the clock starts, so the load generator spends its CPU on HTTP only.

Talks to the URL given only (loopback in the benchmark script).
"""
import argparse
import base64
import json
import sys

from nacl.signing import VerifyKey

from ingest_load import Client, api, enrol, signed_headers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--appliances", type=int, default=200)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    setup = Client(args.url)
    partner = api(setup, args.token, "POST", "/api/v1/partners", {"name": "Check-in MSP"})
    client = api(setup, args.token, "POST", "/api/v1/partners/%s/clients" % partner["id"], {"name": "Load Dental"})
    appliances = []
    for number in range(args.appliances):
        site = api(setup, args.token, "POST", "/api/v1/clients/%s/sites" % client["id"],
                   {"name": "Site %d" % number, "time_zone": "UTC"})
        for index in range(6):
            host = api(setup, args.token, "POST", "/api/v1/sites/%s/hosts" % site["id"],
                       {"name": "ws-%d" % index, "platform": "linux", "address": "10.0.0.%d" % (10 + index)})
            status, data = setup.request("PUT", "/api/v1/hosts/%s/credential" % host["id"], json.dumps(
                {"kind": "password", "username": "vigil", "secret": "secret-%d" % index}).encode(),
                {"Authorization": "Bearer " + args.token})
            assert status == 200, data
        enrolled, key = enrol(setup, args.token, site["id"])
        appliance_id = enrolled["appliance_id"]
        server_key = VerifyKey(base64.b64decode(enrolled["server_public_key"]))
        api(setup, args.token, "POST", "/api/v1/sites/%s/orders" % site["id"],
            {"appliance_id": appliance_id, "type": "run_checks"})
        appliances.append((appliance_id, key, server_key))
        if (number + 1) % 500 == 0:
            print("enrolled %d appliances" % (number + 1), file=sys.stderr)

    path = "/api/v1/appliance/check-in"
    body = json.dumps({"software_version": "0.2.0", "uptime_seconds": 3600, "queue_depth": 0,
                       "clock_offset_ms": 3}).encode()
    for appliance_id, key, server_key in appliances:
        status, data = setup.request("POST", path, body, signed_headers(appliance_id, key, "POST", path, body))
        answer = json.loads(data)
        assert status == 200, data
        assert len(answer["orders"]) == 1 and len(answer["targets"]) == 6, answer
        order = answer["orders"][0]
        payload = base64.b64decode(order["payload"])
        server_key.verify(payload, base64.b64decode(order["signature"]))
        assert json.loads(payload)["appliance_id"] == appliance_id
        assert sorted(t["credential"]["secret"] for t in answer["targets"]) == ["secret-%d" % i for i in range(6)]

    host = "%s:%d" % (setup.host, setup.port)
    with open(args.out, "wb") as out:
        for index in range(args.requests):
            appliance_id, key, _ = appliances[index % len(appliances)]
            headers = signed_headers(appliance_id, key, "POST", path, body)
            head = "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (
                path, host, len(body))
            head += "".join("%s: %s\r\n" % item for item in headers.items())
            out.write(head.encode() + b"\r\n" + body + b"\0")
    print(json.dumps({"appliances": len(appliances), "requests": args.requests, "verified_answers": len(appliances)}))


if __name__ == "__main__":
    main()
