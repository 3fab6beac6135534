// nginx site templates. nginx renders /etc/nginx/templates/*.template with envsubst at start
// (the nginx image's contract), so ${NGINX_BIND_ADDRESS} and ${ELEMENT_WEB_PORT} come from the
// compose environment; nginx's own variables ($host ...) are left alone because they are not
// set in the environment.
import type { Settings } from '../settings.ts';
import { CERT_NAME } from './compose.ts';
import { isPresetName } from '../scale/workers-presets.ts';
import { renderWorkerRouting, UPSTREAM_VARIABLE } from '../scale/workers-routes.ts';

// HSTS once a certificate from the configured CA is served: nginx's watcher writes this file
// then (nginx/reload-on-renewal.sh); a glob include that matches nothing is no error.
const HSTS = '    include /etc/nginx/mxctl/hsts*.conf;';

const TLS = `    ssl_certificate /etc/letsencrypt/live/${CERT_NAME}/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/${CERT_NAME}/privkey.pem;
${HSTS}`;

const listenTls = '    listen ${NGINX_BIND_ADDRESS}:443 ssl;\n    http2 on;';

export function renderNginx(s: Settings): Record<string, string> {
  const wellKnownServer = JSON.stringify({ 'm.server': `${s.MX_MATRIX_HOST}:443` });
  const wellKnownClient = JSON.stringify({ 'm.homeserver': { base_url: `https://${s.MX_MATRIX_HOST}` } });
  // Worker mode routes Synapse's endpoints per worker (mxctl scale workers); off, the site is as ever.
  const preset = s.SYNAPSE_WORKERS;
  const routing = isPresetName(preset) ? renderWorkerRouting(preset) : '';
  const synapseTarget = isPresetName(preset) ? UPSTREAM_VARIABLE : 'synapse:8008';
  return {
    '00-common.conf.template': `# Shared TLS settings and the port-80 server — written by \`mxctl init\`.
# Mozilla's "intermediate" profile: TLS 1.2 and 1.3 only, AEAD ciphers with forward secrecy.
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;
ssl_prefer_server_ciphers off;
ssl_session_tickets off;
ssl_session_cache shared:MXSSL:10m;
ssl_session_timeout 1d;
server_tokens off;

server {
    listen \${NGINX_BIND_ADDRESS}:80 default_server;
    server_name _;

    # ACME HTTP-01 challenges (certbot --webroot).
    location /.well-known/acme-challenge/ {
        root /var/www/certbot;
    }
    # Container healthcheck; answers loopback only.
    location = /.mxctl/health {
        allow 127.0.0.0/8;
        allow ::1;
        deny all;
        default_type text/plain;
        return 200 "ok\\n";
    }
    location / {
        return 301 https://$host$request_uri;
    }
}

# Names we do not serve: refuse the TLS handshake instead of showing a wrong certificate.
server {
    listen \${NGINX_BIND_ADDRESS}:443 ssl default_server;
    ssl_reject_handshake on;
}
`,
    'matrix.conf.template': `# ${s.MX_MATRIX_HOST}: Synapse client and federation APIs — written by \`mxctl init\`.
${routing}server {
${listenTls}
    server_name ${s.MX_MATRIX_HOST};
${TLS}
    client_max_body_size ${s.MAX_UPLOAD_SIZE};

    # The admin API is not public: mxctl reaches it on 127.0.0.1:SYNAPSE_LOCAL_PORT.
    location ^~ /_synapse/admin {
        return 403;
    }
    location ~ ^(/_matrix|/_synapse/client) {
        proxy_pass http://${synapseTarget};
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Host $host;
        proxy_http_version 1.1;
        proxy_read_timeout 120s;
        client_max_body_size ${s.MAX_UPLOAD_SIZE};
    }
    location = /health {
        proxy_pass http://synapse:8008;
    }
    location / {
        return 404;
    }
}
`,
    'element.conf.template': `# ${s.MX_ELEMENT_HOST}: Element Web — written by \`mxctl init\`.
# Element Web's docs ask for: X-Frame-Options SAMEORIGIN and CSP frame-ancestors 'self' (no
# framing: clickjacking), nosniff, and no caching of the files whose names carry no content hash
# (/, index.html, version, config*.json, i18n), so a new release is picked up on the next load.
map $uri $element_cache_control {
    ~^/(index\\.html|version|config[^/]*\\.json|i18n/.*)?$ "no-cache";
    default "";
}

server {
${listenTls}
    server_name ${s.MX_ELEMENT_HOST};
${TLS}

    add_header X-Frame-Options SAMEORIGIN always;
    add_header X-Content-Type-Options nosniff always;
    add_header Referrer-Policy strict-origin-when-cross-origin always;
    add_header Content-Security-Policy "frame-ancestors 'self'" always;
    # An empty value (hashed assets) sends no header: nginx skips empty add_header values.
    add_header Cache-Control $element_cache_control always;

    location / {
        proxy_pass http://element:\${ELEMENT_WEB_PORT};
        proxy_set_header Host $host;
    }
}
`,
    'base-domain.conf.template': `# ${s.MX_SERVER_NAME}: .well-known delegation to ${s.MX_MATRIX_HOST} — written by \`mxctl init\`.
server {
${listenTls}
    server_name ${s.MX_SERVER_NAME};
${TLS}

    location = /.well-known/matrix/server {
        default_type application/json;
        return 200 '${wellKnownServer}';
    }
    location = /.well-known/matrix/client {
        default_type application/json;
        add_header Access-Control-Allow-Origin * always;
${HSTS}
        return 200 '${wellKnownClient}';
    }
    location / {
        return 302 https://${s.MX_ELEMENT_HOST}$request_uri;
    }
}
`,
  };
}
