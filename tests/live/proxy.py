#!/usr/bin/env python3
"""A recording proxy for the live-collector tests.

Usage: proxy.py LISTEN_PORT UPSTREAM_URL LOG_FILE

Forwards every request to UPSTREAM_URL (moto's server) and appends one JSON line per
request to LOG_FILE: the AWS service (from the SigV4 credential scope), the API action
(from X-Amz-Target, the Action parameter, or the REST method and path), and the HTTP
method. The tests read the log to prove that a scan made only read-only calls, each of
them in `encguard iam-policy`.
"""
import http.server
import json
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

PORT, UPSTREAM, LOG = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3]
lock = threading.Lock()

S3_SUBRESOURCES = {
    "location": "GetBucketLocation",
    "encryption": "GetEncryptionConfiguration",
    "policy": "GetBucketPolicy",
    "logging": "GetBucketLogging",
    "tagging": "GetBucketTagging",
    "inventory": "GetInventoryConfiguration",
}


def action_of(method, path, query, headers, body):
    auth = headers.get("Authorization", "")
    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request", auth)
    service = scope.group(1) if scope else "?"
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.split(".")[-1]
    params = urllib.parse.parse_qs(query)
    if "Action" not in params and body and headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    if "Action" in params:
        return service, params["Action"][0]
    if service == "s3":
        keys = set(urllib.parse.parse_qs(query, keep_blank_values=True))
        if method in ("GET", "HEAD"):
            for k, name in S3_SUBRESOURCES.items():
                if k in keys:
                    return service, name
            if path.strip("/") == "":
                return service, "ListAllMyBuckets"
            return service, "GetObject" if path.strip("/").count("/") >= 1 else "ListBucket"
        return service, f"{method} {path}"
    if service == "cloudfront":
        if method == "GET" and path.rstrip("/").endswith("/distribution"):
            return service, "ListDistributions"
        return service, f"{method} {path}"
    return service, f"{method} {path}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(self.path)
        service, action = action_of(self.command, parsed.path, parsed.query, self.headers, body)
        with lock, open(LOG, "a") as f:
            f.write(json.dumps({"service": service, "action": action, "method": self.command, "path": parsed.path}) + "\n")
        request = urllib.request.Request(UPSTREAM + self.path, data=body if body else None, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in ("host", "content-length", "connection", "accept-encoding"):
                request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, headers, data = response.status, response.getheaders(), response.read()
        except urllib.error.HTTPError as e:
            status, headers, data = e.code, e.headers.items(), e.read()
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = forward


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
