#!/bin/sh
# Makes a self-signed certificate for trying the compose topology out: deploy/certs/fullchain.pem and
# privkey.pem, the files nginx reads. Browsers will warn; for real use put your own certificate there
# (or one from an ACME client using the `acme` webroot volume).
#   deploy/make-cert.sh chat.example.com     (default: localhost)
set -eu
name="${1:-localhost}"
dir="${CERT_DIR:-$(dirname "$0")/certs}"
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
  -subj "/CN=$name" -addext "subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem" 2>/dev/null
chmod 600 "$dir/privkey.pem"
echo "wrote $dir/fullchain.pem and $dir/privkey.pem for $name (self-signed, 30 days)"
