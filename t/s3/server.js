// The S3-compatible server of the S3 tests (t/63, t/64): s3rver on
// 127.0.0.1:PORT keeping its objects under DIR, with BUCKET made, checking
// SigV4 signatures against its account (S3RVER / S3RVER).  Writes "ready"
// on stdout once it listens; SIGTERM stops it.
//
//   node t/s3/server.js PORT DIR BUCKET

'use strict';

const S3rver = require('s3rver');

const [port, directory, bucket] = process.argv.slice(2);

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});

server.run().then(() => {
  process.stdout.write('ready\n');
}, (err) => {
  process.stderr.write(`s3rver: ${err.message}\n`);
  process.exit(1);
});

process.on('SIGTERM', () => {
  server.close().then(() => process.exit(0), () => process.exit(1));
});
