#!/usr/bin/env python3
"""Encodes native_histograms.txtpb into native_histograms.pb, a protobuf
exposition body: each MetricFamily (text format, families separated by lines
of "---") through `protoc --encode`, written after its length as a varint.

Run from the repository root:
    python3 tests/scrape/testdata/make_native_histograms.py
"""
import pathlib
import subprocess

here = pathlib.Path(__file__).parent
root = here.parents[2]


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


families = []
for text in (here / "native_histograms.txtpb").read_text().split("\n---\n"):
    message = subprocess.run(
        ["protoc", "--encode=io.prometheus.client.MetricFamily",
         "--proto_path=" + str(root / "scrape" / "proto"), "--proto_path=/usr/include", "metrics.proto"],
        input=text.encode(), capture_output=True, check=True).stdout
    families.append(varint(len(message)) + message)
(here / "native_histograms.pb").write_bytes(b"".join(families))
print(f"native_histograms.pb: {len(families)} families")
