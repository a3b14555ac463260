import { PassThrough } from 'node:stream';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodingStream, encodingOption, encodingStream, zonedTimeFormatter } from './text-encoding.js';

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts);
}

describe('text encodings', () => {
  it('decodes CP932 split at every byte, a double-byte character cut between chunks included', async () => {
    const text = '顧客,髙橋 ①子,ｶﾀｶﾅ,№\r\n';
    const bytes = iconv.encode(text, 'cp932');
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoding = await decodingStream('cp932');
      if (decoding === null) throw new Error('no decoder');
      const done = collect(decoding);
      decoding.write(bytes.subarray(0, cut));
      decoding.end(bytes.subarray(cut));
      expect((await done).toString('utf8')).toBe(text);
    }
    expect(await decodingStream('utf-8')).toBeNull();
  });

  it('encodes to CP932 or to UTF-8 with a BOM, and refuses both at once', async () => {
    const sink = new PassThrough();
    const out = await encodingStream('cp932', false, sink);
    const done = collect(sink);
    const utf8 = Buffer.from('死亡または国外転出\n', 'utf8');
    out.write(utf8.subarray(0, 4)); // a UTF-8 character cut in two
    out.end(utf8.subarray(4));
    out.on('end', () => sink.end());
    expect(new TextDecoder('shift_jis').decode(await done)).toBe('死亡または国外転出\n');
    const bomSink = new PassThrough();
    const bom = await encodingStream('utf-8', true, bomSink);
    const bomDone = collect(bomSink);
    bom.end('a,b\n');
    bom.on('end', () => bomSink.end());
    expect([...(await bomDone)]).toEqual([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62, 0x0a]);
    await expect(encodingStream('cp932', true, new PassThrough())).rejects.toThrow(/--bom/);
    expect(await encodingStream('utf-8', false, sink)).toBe(sink);
  });

  it('names encodings and zones the way users write them', () => {
    expect(encodingOption(undefined)).toBe('utf-8');
    expect(encodingOption('Shift_JIS')).toBe('cp932');
    expect(encodingOption('windows-31j')).toBe('cp932');
    expect(() => encodingOption('euc-jp')).toThrow(/--encoding "euc-jp"/);
    const jst = zonedTimeFormatter('Asia/Tokyo');
    expect(jst(Date.UTC(2026, 9, 1, 3, 0, 0))).toBe('2026-10-01T12:00:00+09:00');
    expect(jst(Date.UTC(2026, 11, 31, 15, 30, 5))).toBe('2027-01-01T00:30:05+09:00');
    expect(zonedTimeFormatter('UTC')(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02T03:04:05Z');
    expect(() => zonedTimeFormatter('Mars/Olympus')).toThrow(/--tz "Mars\/Olympus"/);
  });
});
