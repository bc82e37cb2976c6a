// warc_reader.cjs - reads a WARC file with webrecorder's warcio.js (npm
// `warcio`), an implementation independent of prefwatch, and prints one
// JSON line per record: its WARC headers, its HTTP status and headers as
// warcio parsed them, and SHA-256 (hex) of the block and of the payload as
// warcio delimits them. Usage: node warc_reader.cjs FILE.warc.gz
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { WARCParser } = require('warcio');

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

async function records(path, parseHttp) {
  const out = [];
  const parser = new WARCParser(fs.createReadStream(path), { parseHttp });
  for await (const rec of parser) {
    const warc = {};
    for (const [k, v] of rec.warcHeaders.headers) warc[k] = v;
    const r = { warc };
    if (parseHttp && rec.httpHeaders) {
      r.status = rec.httpHeaders.statusline;
      r.http = {};
      for (const [k, v] of rec.httpHeaders.headers) r.http[k.toLowerCase()] = v;
    }
    // false: the payload as stored, no decoding of any kind
    const data = Buffer.from(await rec.readFully(false));
    r.sha256 = sha(data);
    r.len = data.length;
    if (parseHttp) r.hex = data.toString('hex');
    out.push(r);
  }
  return out;
}

(async () => {
  const path = process.argv[2];
  const blocks = await records(path, false);
  const payloads = await records(path, true);
  blocks.forEach((b, i) => {
    const p = payloads[i] || {};
    console.log(JSON.stringify({ warc: b.warc, block_sha256: b.sha256, block_len: b.len,
      status: p.status || null, http: p.http || null, payload_sha256: p.sha256,
      payload_hex: p.hex }));
  });
})().catch((e) => { console.error('warc_reader: ' + (e && e.stack || e)); process.exit(3); });
