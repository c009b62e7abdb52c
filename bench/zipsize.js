// Prints the size in bytes of the zip the CDK CLI uploads for a Lambda code directory. The CLI
// (cdk-assets) packs a directory with yazl, every file with its mode, a fixed 1980 timestamp and
// yazl's default deflate level; this does the same, so the figure is what Lambda receives.
//
//   node bench/zipsize.js DIR
'use strict';

const fs = require('fs');
const path = require('path');
const yazl = require('yazl');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node zipsize.js DIR');
  process.exit(2);
}

const zip = new yazl.ZipFile();
for (const name of fs.readdirSync(dir).sort()) {
  const file = path.join(dir, name);
  const stat = fs.statSync(file);
  if (stat.isFile()) {
    zip.addBuffer(fs.readFileSync(file), name, {
      mtime: new Date(1980, 0, 1, 0, 0, 0),
      mode: stat.mode,
      forceDosTimestamp: true,
    });
  }
}
zip.end();

let size = 0;
zip.outputStream.on('data', (chunk) => { size += chunk.length; });
zip.outputStream.on('end', () => console.log(size));
