#!/usr/bin/env python3
"""A recording proxy for the live-collector tests.

Usage: proxy.py LISTEN_PORT UPSTREAM_URL LOG_FILE [FAULTS_FILE]

Forwards every request to UPSTREAM_URL (moto's server) and appends one JSON line per
request to LOG_FILE: the AWS service (from the SigV4 credential scope), the API action
(from X-Amz-Target, the Action parameter, or the REST method and path), and the HTTP
method. The tests read the log to prove that a scan made only read-only calls, each of
them in `encguard iam-policy`.

FAULTS_FILE, when given, is JSON mapping API actions to a fault the proxy answers with
instead of forwarding, every time the action is called, in the error format of the
service's protocol:
  throttle  HTTP 400 ThrottlingException (Throttling for query services)
  429       HTTP 429 Too Many Requests
  500, 503  that status, with an empty body
  denied    HTTP 403 AccessDenied(Exception)
  reset     the connection is closed without an answer
  truncate  the upstream answer, cut in half
  slow      the upstream answer, after SLOW_SECONDS (a timeout for the caller)
  stand-in  what moto lacks, made up by the proxy: for the EBS default key actions moto
            answers with HTTP 500 (GetEbsDefaultKmsKeyId, ModifyEbsDefaultKmsKeyId,
            ResetEbsDefaultKmsKeyId), an answer of its own — each region's default key,
            `alias/aws/ebs` until modified, kept as EC2 keeps it; for a bucket's default
            encryption (PutEncryptionConfiguration, GetEncryptionConfiguration), the
            BlockedEncryptionTypes moto drops, kept from the last put and added to moto's
            answer; for a table's key (UpdateTable's SSESpecification, which moto accepts and
            forgets; DescribeTable), the key last set, as SSEDescription in moto's answer
"""
import http.server
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

PORT, UPSTREAM, LOG = int(sys.argv[1]), sys.argv[2].rstrip("/"), sys.argv[3]
FAULTS = json.load(open(sys.argv[4])) if len(sys.argv) > 4 else {}
SLOW_SECONDS = 30
lock = threading.Lock()

# Services whose errors are JSON (awsJson protocols), XML of the query protocol, or REST XML.
JSON_SERVICES = {"kms", "dynamodb", "dax", "secretsmanager", "acm", "logs", "organizations"}


def error_body(service, code, message):
    """An error answer as the service's protocol writes it: (content type, body)."""
    if service in JSON_SERVICES:
        return "application/x-amz-json-1.1", json.dumps({"__type": code, "message": message}).encode()
    if service == "ec2":
        return "text/xml", f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>".encode()
    if service in ("s3", "cloudfront"):
        return "application/xml", f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>".encode()
    return "text/xml", f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>".encode()

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
        if method == "PUT" and "policy" in keys:
            return service, "PutBucketPolicy"
        if method == "PUT" and "encryption" in keys:
            return service, "PutEncryptionConfiguration"
        return service, f"{method} {path}"
    if service == "cloudfront":
        if method == "GET" and path.rstrip("/").endswith("/distribution"):
            return service, "ListDistributions"
        if path.rstrip("/").endswith("/config"):
            return service, "GetDistributionConfig" if method == "GET" else "UpdateDistribution"
        return service, f"{method} {path}"
    if service == "securityhub" and method == "POST" and path == "/findings/import":
        return service, "BatchImportFindings"
    return service, f"{method} {path}"


# The default EBS key of each region, for the stand-in.
EBS_DEFAULT_KEYS = {}
AWS_MANAGED_EBS_KEY = "alias/aws/ebs"


def stand_in(action, headers, body):
    """The EC2 answer of an EBS default key action, from the proxy's own state."""
    region = region_of(headers)
    params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    with lock:
        if action == "ModifyEbsDefaultKmsKeyId":
            EBS_DEFAULT_KEYS[region] = params["KmsKeyId"][0]
        elif action == "ResetEbsDefaultKmsKeyId":
            EBS_DEFAULT_KEYS.pop(region, None)
        key = EBS_DEFAULT_KEYS.get(region, AWS_MANAGED_EBS_KEY)
    return (f'<{action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>stand-in</requestId>'
            f"<kmsKeyId>{key}</kmsKeyId></{action}Response>").encode()


# The BlockedEncryptionTypes of each rule of each bucket's default encryption, as last put.
BLOCKED_ENCRYPTION_TYPES = {}
RULE = re.compile(rb"<Rule>(.*?)</Rule>", re.S)
BLOCKED = re.compile(rb"<BlockedEncryptionTypes>.*?</BlockedEncryptionTypes>", re.S)


def remember_blocked(path, body):
    """Keeps the BlockedEncryptionTypes of each rule of a PutEncryptionConfiguration."""
    rules = [BLOCKED.search(rule) for rule in RULE.findall(body)]
    with lock:
        BLOCKED_ENCRYPTION_TYPES[path.strip("/")] = [m.group(0) if m else b"" for m in rules]


def with_blocked(path, data):
    """Moto's GetEncryptionConfiguration answer with the BlockedEncryptionTypes last put."""
    with lock:
        blocked = list(BLOCKED_ENCRYPTION_TYPES.get(path.strip("/"), []))
    rules = iter(blocked)
    return RULE.sub(lambda m: b"<Rule>" + m.group(1) + next(rules, b"") + b"</Rule>", data)


# The SSESpecification last given to each table (by region and name) by UpdateTable.
TABLE_SSE = {}


def region_of(headers):
    scope = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return scope.group(1) if scope else "us-east-1"


def remember_table_sse(headers, body):
    request = json.loads(body or b"{}")
    if "SSESpecification" in request:
        with lock:
            TABLE_SSE[(region_of(headers), request["TableName"])] = request["SSESpecification"]


def with_table_sse(headers, body, data):
    """Moto's DescribeTable answer with the key UpdateTable last set, as DynamoDB reports it."""
    region, name = region_of(headers), json.loads(body or b"{}").get("TableName")
    with lock:
        sse = TABLE_SSE.get((region, name))
    if sse is None:
        return data
    answer = json.loads(data)
    if not sse.get("Enabled"):
        answer["Table"].pop("SSEDescription", None)
    else:
        key = sse.get("KMSMasterKeyId") or f"arn:aws:kms:{region}:123456789012:alias/aws/dynamodb"
        answer["Table"]["SSEDescription"] = {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key}
    return json.dumps(answer).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(self.path)
        service, action = action_of(self.command, parsed.path, parsed.query, self.headers, body)
        fault = FAULTS.get(action)
        with lock, open(LOG, "a") as f:
            f.write(json.dumps({"service": service, "action": action, "method": self.command, "path": parsed.path, "fault": fault}) + "\n")
        if fault == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault == "stand-in" and action not in ("PutEncryptionConfiguration", "GetEncryptionConfiguration", "UpdateTable", "DescribeTable"):
            data = stand_in(action, self.headers, body)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if fault in ("throttle", "429", "500", "503", "denied"):
            status, code = {
                "throttle": (400, "Throttling" if service not in JSON_SERVICES and service not in ("s3", "cloudfront") else "ThrottlingException"),
                "429": (429, "TooManyRequestsException"),
                "500": (500, None),
                "503": (503, None),
                "denied": (403, "AccessDeniedException" if service in JSON_SERVICES else "AccessDenied"),
            }[fault]
            content_type, data = error_body(service, code, f"injected {fault}") if code else ("text/plain", b"")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if code and service in JSON_SERVICES:
                self.send_header("x-amzn-ErrorType", code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        request = urllib.request.Request(UPSTREAM + self.path, data=body if body else None, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in ("host", "content-length", "connection", "accept-encoding"):
                request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, headers, data = response.status, response.getheaders(), response.read()
        except urllib.error.HTTPError as e:
            status, headers, data = e.code, e.headers.items(), e.read()
        if fault == "slow":
            time.sleep(SLOW_SECONDS)
        if fault == "truncate":
            data = data[: len(data) // 2]
        if fault == "stand-in" and action == "PutEncryptionConfiguration" and status == 200:
            remember_blocked(parsed.path, body)
        if fault == "stand-in" and action == "GetEncryptionConfiguration" and status == 200:
            data = with_blocked(parsed.path, data)
        if fault == "stand-in" and action == "UpdateTable" and status == 200:
            remember_table_sse(self.headers, body)
        if fault == "stand-in" and action == "DescribeTable" and status == 200:
            data = with_table_sse(self.headers, body, data)
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
