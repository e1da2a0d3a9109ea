#!/bin/bash
# tests/integ/nginx.sh - nodetop behind a REAL nginx (issue 12, points 11 and 13): an
# HTTPS reverse proxy that requires a client certificate, and one that answers
# /metrics with 401. What nodetop says must be nginx's page title and what to do.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { t_fail "nginx is installed (apt-get install nginx-light)"; t_done; }
command -v openssl >/dev/null || { t_fail "openssl is installed (apt-get install openssl)"; t_done; }

sim_start --nodes 1 --scenarios healthy || { t_fail "simulator starts"; t_done; }
UP=$(sim_port 0)

# ---------------------------------------------------------------- certificates
D=$T_TMP/ng
mkdir -p "$D/tmp"
(
	cd "$D" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=nodetop-test-ca
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1
	printf 'subjectAltName=IP:127.0.0.1\n' >srv.ext
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 -extfile srv.ext
	openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj /CN=nodetop-client
	openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out cli.crt -days 2
) >"$T_TMP/openssl.log" 2>&1 || { t_fail "test certificates made"; sed 's/^/#   /' "$T_TMP/openssl.log"; t_done; }

# ---------------------------------------------------------------- nginx
# Two servers: P1 requires a client certificate, P2 demands credentials on /metrics.
start_nginx() {
	P1=$(free_port); P2=$(free_port)
	cat >"$D/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $D/tmp/body;
	proxy_temp_path $D/tmp/proxy;
	fastcgi_temp_path $D/tmp/fastcgi;
	uwsgi_temp_path $D/tmp/uwsgi;
	scgi_temp_path $D/tmp/scgi;
	ssl_certificate $D/srv.crt;
	ssl_certificate_key $D/srv.key;
	server {
		listen 127.0.0.1:$P1 ssl;
		ssl_client_certificate $D/ca.crt;
		ssl_verify_client on;
		location / { proxy_pass http://127.0.0.1:$UP; }
	}
	server {
		listen 127.0.0.1:$P2 ssl;
		location /metrics { return 401; }
		location / { proxy_pass http://127.0.0.1:$UP; }
	}
}
EOF
	"$NGINX" -e "$D/error.log" -p "$D" -c "$D/nginx.conf" 2>>"$D/stderr.log" &
	NGINX_PID=$!
	t_track "$NGINX_PID"
	ng_up() { curl -sk -o /dev/null "https://127.0.0.1:$P2/health" || ! kill -0 "$NGINX_PID" 2>/dev/null; }
	wait_until ng_up
	kill -0 "$NGINX_PID" 2>/dev/null
}
# free_port can race with another test: try again when the port was taken
for try in 1 2 3; do start_nginx && break; done
if ! kill -0 "$NGINX_PID" 2>/dev/null; then
	t_fail "nginx starts"; sed 's/^/#   /' "$D/error.log" "$D/stderr.log"; t_done
fi

jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$2" <<<"$1"; }
conf() {   # conf NAME URL [EXTRA LINES...]
	printf '[node %s]\nurl = %s\nca_file = %s\n' "$1" "$2" "$D/ca.crt"
	shift 2
	local l; for l in "$@"; do printf '%s\n' "$l"; done
}
{
	conf mtls "https://127.0.0.1:$P1"
	conf withcert "https://127.0.0.1:$P1" "cert_file = $D/cli.crt" "key_file = $D/cli.key"
	conf auth "https://127.0.0.1:$P2"
} >"$T_TMP/n.conf"

OUT=$("$NODETOP" --once --json --interval 10s --timeout 10s -c "$T_TMP/n.conf" 2>"$T_TMP/err")
t_eq "no client certificate: down" down "$(jget "$OUT" 'd["nodes"][0]["state"]')"
t_eq "no client certificate: nginx's page title, not '<html>'" \
	"HTTP 400 Bad Request: 400 No required SSL certificate was sent" "$(jget "$OUT" 'd["nodes"][0]["error"]')"
t_eq "with the client certificate (cert_file, key_file): up through nginx" up "$(jget "$OUT" 'd["nodes"][1]["state"]')"
t_eq "/metrics 401 from nginx: the node is still up" up "$(jget "$OUT" 'd["nodes"][2]["state"]')"
t_eq "/metrics 401 from nginx: its title and what to do" \
	"HTTP 401: 401 Authorization Required - set bearer_token_file (the node's [Prometheus] AuthToken)" \
	"$(jget "$OUT" 'd["nodes"][2]["metrics_error"]')"

OUT=$("$NODETOP" --once --interval 10s --timeout 10s -c "$T_TMP/n.conf" 2>&1)
t_match "--once text: the title of the page" '^  error:    HTTP 400 Bad Request: 400 No required SSL certificate was sent$' "$OUT"
t_match "--once text: the 401 says bearer_token_file" '^  metrics:  HTTP 401: 401 Authorization Required - set bearer_token_file' "$OUT"
t_nomatch "--once text: no raw HTML" '<html>|<title>' "$OUT"

t_done
