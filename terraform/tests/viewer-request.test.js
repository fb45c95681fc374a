// node terraform/tests/viewer-request.test.js terraform/modules/cdn/viewer-request.js
// Runs CloudFront's viewer-request function (run.sh does, when node is
// installed): the admin API is refused however its path is spelled, the
// rest passes, /vod/ maps to the bucket prefix only when there is one.
'use strict';
const fs = require('fs');
function load(prefix) {
  const src = fs.readFileSync(process.argv[2], 'utf8').replace('@VOD_PREFIX@', prefix);
  return new Function(src + '\nreturn handler;')();
}
const h = load('recordings/vod');
let fail = 0;
for (const [uri, want] of [['/vstream/status', 403], ['/vstream', 403], ['//vstream/metrics', 403],
  ['/%76stream/streams', 403], ['/VSTREAM/status', 403], ['/hls/../vstream/status', 403], ['/%2e%2e/x', 403],
  ['/x%', 400], ['/hls/live/a.m3u8', 'pass'], ['/', 'pass'], ['/vstreamx', 'pass'], ['/hls/vstream/a.ts', 'pass']]) {
  const r = h({ request: { uri } });
  const got = r.statusCode || 'pass';
  if (got !== want) {
    console.log(`${uri}: got ${got}, want ${want}`);
    fail++;
  }
}
let r = h({ request: { uri: '/vod/live/a/1/index.m3u8' } });
if (r.uri !== '/recordings/vod/live/a/1/index.m3u8') { console.log('vod rewrite: ' + r.uri); fail++; }
r = load('')({ request: { uri: '/vod/live/a.m3u8' } });
if (r.uri !== '/vod/live/a.m3u8') { console.log('no-bucket rewrite: ' + r.uri); fail++; }
process.exit(fail ? 1 : 0);
